//! Where a stored file's data set starts: after the preamble, `DICM` and the group-0002 file
//! meta information, which a C-STORE does not carry (PS3.7 9.3.1.1: the data set alone, in the
//! negotiated transfer syntax). The bytes after it are sent as stored, so the receiver gets the
//! very data set that was stored.

/// The offset of the data set in `file`: past the meta group when the file has one (each
/// element walked in Explicit VR Little Endian, every length checked), else 0 (a bare data set).
pub fn start(file: &[u8]) -> Result<usize, String> {
    let mut pos = if file.get(128..132) == Some(b"DICM") {
        132
    } else {
        0
    };
    loop {
        let Some(head) = file.get(pos..pos + 8) else {
            return if pos == file.len() {
                Ok(pos)
            } else {
                Err(format!("truncated meta element at byte {pos}"))
            };
        };
        if u16::from_le_bytes([head[0], head[1]]) != 0x0002 {
            return Ok(pos);
        }
        let vr = [head[4], head[5]];
        let (value_len, header_len) = match &vr {
            b"OB" | b"OW" | b"OF" | b"SQ" | b"UT" | b"UN" | b"OD" | b"OL" | b"OV" | b"UC"
            | b"UR" | b"SV" | b"UV" => {
                let Some(l) = file.get(pos + 8..pos + 12) else {
                    return Err(format!("truncated meta element at byte {pos}"));
                };
                (u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize, 12)
            }
            _ if vr.iter().all(u8::is_ascii_uppercase) => {
                (u16::from_le_bytes([head[6], head[7]]) as usize, 8)
            }
            _ => return Err(format!("meta element at byte {pos} has no explicit VR")),
        };
        let end = pos
            .checked_add(header_len)
            .and_then(|p| p.checked_add(value_len))
            .filter(|e| *e <= file.len())
            .ok_or_else(|| format!("meta element at byte {pos} runs past the end of the file"))?;
        pos = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(group: u16, elem: u16, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&group.to_le_bytes());
        out.extend_from_slice(&elem.to_le_bytes());
        out.extend_from_slice(vr);
        if vr == b"OB" {
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        } else {
            out.extend_from_slice(&(value.len() as u16).to_le_bytes());
        }
        out.extend_from_slice(value);
        out
    }

    #[test]
    fn skips_preamble_and_meta() {
        let mut file = vec![0u8; 128];
        file.extend_from_slice(b"DICM");
        file.extend(element(2, 0x0001, b"OB", &[0, 1]));
        file.extend(element(2, 0x0010, b"UI", b"1.2.840.10008.1.2.1\0"));
        let at = file.len();
        file.extend(element(8, 0x0060, b"CS", b"CT"));
        assert_eq!(start(&file), Ok(at));
        // A bare data set starts at 0.
        assert_eq!(start(&file[at..]), Ok(0));
    }

    #[test]
    fn hostile_lengths_are_refused() {
        let mut file = vec![0u8; 128];
        file.extend_from_slice(b"DICM");
        let mut e = element(2, 0x0001, b"OB", &[0, 1]);
        e[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        file.extend(e);
        assert!(start(&file).is_err());
        assert!(start(&file[..135]).is_err());
    }
}
