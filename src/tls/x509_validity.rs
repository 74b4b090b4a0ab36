//! The validity period and version of an X.509 certificate, read from its DER: rustls does not
//! check the server's own certificate, and an expired one would only show as failed handshakes;
//! a version 1 certificate (openssl's `x509 -req` without extensions) is refused by rustls with
//! a cryptic "UnsupportedCertVersion".
//!
//! Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
//! signature, issuer, validity SEQUENCE { notBefore Time, notAfter Time }, ... }, ... }
//! (RFC 5280 §4.1). Every length is checked against what remains.

use chrono::{DateTime, NaiveDate, Utc};

/// When a certificate starts and stops being valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// 1, 2 or 3 (the DER's version field plus one; absent: 1).
    pub version: u8,
}

/// One DER element: its tag, its contents, and what follows it.
fn element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The contents of a SEQUENCE, or None if `der` does not start with one.
fn sequence(der: &[u8]) -> Option<&[u8]> {
    match element(der)? {
        (0x30, contents, _) => Some(contents),
        _ => None,
    }
}

/// UTCTime (YYMMDDHHMMSSZ, years 1950-2049) or GeneralizedTime (YYYYMMDDHHMMSSZ).
fn time(tag: u8, text: &[u8]) -> Option<DateTime<Utc>> {
    let text = std::str::from_utf8(text).ok()?;
    let digits = text.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |s: &str| s.parse::<u32>().ok();
    let (year, rest) = match (tag, digits.len()) {
        (0x17, 12) => {
            let yy = num(&digits[..2])?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &digits[2..])
        }
        (0x18, 14) => (num(&digits[..4])?, &digits[4..]),
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        num(&rest[0..2])?,
        num(&rest[2..4])?,
    )?;
    let at = date.and_hms_opt(num(&rest[4..6])?, num(&rest[6..8])?, num(&rest[8..10])?)?;
    Some(at.and_utc())
}

/// The validity of a DER certificate, or None if it is not shaped as one.
pub fn validity(der: &[u8]) -> Option<Validity> {
    let tbs = sequence(sequence(der)?)?;
    let (tag, contents, mut rest) = element(tbs)?;
    let mut version = 1;
    if tag == 0xa0 {
        // The explicit version comes first; the serial number follows.
        version = match element(contents)? {
            (0x02, &[v], _) if v <= 2 => v + 1,
            _ => return None,
        };
        let (tag, _, after) = element(rest)?;
        if tag != 0x02 {
            return None;
        }
        rest = after;
    } else if tag != 0x02 {
        return None;
    }
    let (_, _, rest) = element(rest)?; // signature algorithm
    let (_, _, rest) = element(rest)?; // issuer
    let validity = sequence(rest)?;
    let (t1, v1, rest) = element(validity)?;
    let (t2, v2, _) = element(rest)?;
    Some(Validity {
        not_before: time(t1, v1)?,
        not_after: time(t2, v2)?,
        version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DER element with a short or long length.
    fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        if contents.len() < 0x80 {
            out.push(contents.len() as u8);
        } else {
            out.push(0x82);
            out.extend_from_slice(&(contents.len() as u16).to_be_bytes());
        }
        out.extend_from_slice(contents);
        out
    }

    fn certificate(not_before: (u8, &str), not_after: (u8, &str), version: bool) -> Vec<u8> {
        let mut tbs = Vec::new();
        if version {
            tbs.extend(tlv(0xa0, &tlv(0x02, &[2])));
        }
        tbs.extend(tlv(0x02, &[0x12, 0x34]));
        tbs.extend(tlv(0x30, &tlv(0x06, &[1, 2, 3])));
        tbs.extend(tlv(0x30, &[0u8; 200])); // a long issuer: a two-byte length
        let mut validity = tlv(not_before.0, not_before.1.as_bytes());
        validity.extend(tlv(not_after.0, not_after.1.as_bytes()));
        tbs.extend(tlv(0x30, &validity));
        tbs.extend(tlv(0x30, &[])); // subject
        let mut cert = tlv(0x30, &tbs);
        cert.extend(tlv(0x30, &[]));
        cert.extend(tlv(0x03, &[0]));
        tlv(0x30, &cert)
    }

    #[test]
    fn utc_and_generalized_times() {
        let der = certificate((0x17, "250102030405Z"), (0x18, "20510607080910Z"), true);
        let v = validity(&der).expect("validity");
        assert_eq!(v.not_before.to_rfc3339(), "2025-01-02T03:04:05+00:00");
        assert_eq!(v.not_after.to_rfc3339(), "2051-06-07T08:09:10+00:00");
        assert_eq!(v.version, 3);
        let der = certificate((0x17, "990102030405Z"), (0x17, "491231235959Z"), false);
        let v = validity(&der).expect("validity without a version");
        assert_eq!(v.not_before.to_rfc3339(), "1999-01-02T03:04:05+00:00");
        assert_eq!(v.not_after.to_rfc3339(), "2049-12-31T23:59:59+00:00");
        assert_eq!(v.version, 1);
    }

    #[test]
    fn malformed_input_is_none_never_a_panic() {
        let der = certificate((0x17, "250102030405Z"), (0x18, "20510607080910Z"), true);
        for cut in 0..der.len() {
            assert_eq!(validity(&der[..cut]), None, "cut at {cut}");
        }
        for bad in [
            "2501020304Z",
            "25010203040aZ",
            "251302030405Z",
            "250102030405",
        ] {
            let der = certificate((0x17, bad), (0x18, "20510607080910Z"), true);
            assert_eq!(validity(&der), None, "{bad}");
        }
        assert_eq!(validity(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(validity(&[0x30, 0x80]), None);
        assert_eq!(validity(b"not DER at all"), None);
    }
}
