//! Inflating the data set of a Deflated Explicit VR Little Endian file (1.2.840.10008.1.2.1.99),
//! with a cap so that a deflate bomb cannot take the memory.

use std::io::Read;

use flate2::read::{DeflateDecoder, ZlibDecoder};

/// The largest inflated data set accepted: 64 MiB. Deflate is used for non-image objects
/// (structured reports, waveforms, presentation states), which stay far below it.
pub const MAX_INFLATED_BYTES: u64 = 64 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InflateError {
    #[error("the deflated data set inflates to more than {} MiB", MAX_INFLATED_BYTES >> 20)]
    TooLarge,
    #[error("the deflated data set is corrupt: {0}")]
    Corrupt(String),
}

/// Inflates `deflated` (raw deflate as the standard asks; a zlib-wrapped stream, written by some
/// implementations, is accepted too).
pub fn inflate_dataset(deflated: &[u8]) -> Result<Vec<u8>, InflateError> {
    match inflate_with(DeflateDecoder::new(deflated)) {
        Err(InflateError::Corrupt(raw_error)) => {
            inflate_with(ZlibDecoder::new(deflated)).map_err(|e| match e {
                InflateError::Corrupt(_) => InflateError::Corrupt(raw_error),
                other => other,
            })
        }
        other => other,
    }
}

fn inflate_with(decoder: impl Read) -> Result<Vec<u8>, InflateError> {
    let mut out = Vec::new();
    decoder
        .take(MAX_INFLATED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| InflateError::Corrupt(e.to_string()))?;
    if out.len() as u64 > MAX_INFLATED_BYTES {
        return Err(InflateError::TooLarge);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::DeflateEncoder;

    use super::*;

    fn deflate(bytes: &[u8]) -> Vec<u8> {
        let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn inflates_what_was_deflated() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(inflate_dataset(&deflate(&data)).unwrap(), data);
    }

    #[test]
    fn a_deflate_bomb_is_refused_at_the_cap() {
        // 65 MiB of zeros deflate to about 65 KiB.
        let bomb = deflate(&vec![0u8; (MAX_INFLATED_BYTES + (1 << 20)) as usize]);
        assert!(bomb.len() < 1 << 20);
        assert_eq!(inflate_dataset(&bomb), Err(InflateError::TooLarge));
    }

    #[test]
    fn garbage_is_corrupt() {
        assert!(matches!(
            inflate_dataset(&[0xFF; 64]),
            Err(InflateError::Corrupt(_))
        ));
    }
}
