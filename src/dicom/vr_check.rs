//! Checks of a string value against its value representation (VR): lengths, character
//! repertoires, the formats of DA/TM/DT/AS/IS/DS/UI/PN/..., the value multiplicity, and the
//! conversion to a primitive value. Used by create-dicom (`create/tags.rs`) and meant for every
//! job that writes user-given values into a data set.

use dicom_core::{PrimitiveValue, VR};

use super::create::dictionary::parse_tag_key;

/// Why a value was refused; the caller adds which tag it was for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    /// `value` (the whole value, or the one component at fault) breaks `rule`.
    Invalid { value: String, rule: String },
    /// The VR cannot be set from a string at all.
    Unsupported { reason: String },
}

/// VRs whose value is never split on `\`.
fn single_valued(vr: VR) -> bool {
    matches!(vr, VR::LT | VR::ST | VR::UT | VR::UR)
}

/// Validate `value` (values separated by `\`) against `vr` and the value multiplicity `vm`
/// (min, max; `None` for no check), and convert it to a primitive value. An empty string gives
/// an empty value (allowed for every VR: Type 2 semantics).
pub fn parse_value(
    vr: VR,
    vm: Option<(u32, Option<u32>)>,
    value: &str,
) -> Result<PrimitiveValue, ValueError> {
    let invalid = |v: &str, rule: String| ValueError::Invalid {
        value: v.to_string(),
        rule,
    };
    let unsupported = |reason: String| ValueError::Unsupported { reason };
    if value.is_empty() {
        return Ok(PrimitiveValue::Empty);
    }
    match vr {
        VR::SQ => {
            return Err(unsupported(
                "sequence values are not supported (only an empty value)".into(),
            ));
        }
        VR::OB | VR::UN => return Ok(PrimitiveValue::U8(value.as_bytes().to_vec().into())),
        VR::OW | VR::OF | VR::OD | VR::OL | VR::OV => {
            return Err(unsupported(format!(
                "binary VR {} cannot be set from a string",
                vr.to_string()
            )));
        }
        _ => {}
    }
    let parts: Vec<&str> = if single_valued(vr) {
        vec![value]
    } else {
        value.split('\\').collect()
    };
    if let Some((min, max)) = vm {
        let n = parts.len() as u32;
        if n < min || max.is_some_and(|m| n > m) {
            let expected = match max {
                Some(m) if m == min => format!("{min}"),
                Some(m) => format!("{min}-{m}"),
                None => format!("{min}-n"),
            };
            return Err(invalid(
                value,
                format!("expected {expected} value(s) separated by '\\', got {n}"),
            ));
        }
    }
    for p in &parts {
        if let Err(rule) = check_component(vr, p) {
            return Err(invalid(p, rule));
        }
    }
    macro_rules! nums {
        ($variant:ident, $t:ty) => {{
            let mut out: Vec<$t> = Vec::with_capacity(parts.len());
            for p in &parts {
                let n = p
                    .trim()
                    .parse::<$t>()
                    .map_err(|_| invalid(p, format!("expected a {} number", stringify!($t))))?;
                out.push(n);
            }
            Ok(PrimitiveValue::$variant(out.into()))
        }};
    }
    match vr {
        VR::US => nums!(U16, u16),
        VR::SS => nums!(I16, i16),
        VR::UL => nums!(U32, u32),
        VR::SL => nums!(I32, i32),
        VR::UV => nums!(U64, u64),
        VR::SV => nums!(I64, i64),
        VR::FL => nums!(F32, f32),
        VR::FD => nums!(F64, f64),
        VR::AT => {
            let mut out = Vec::with_capacity(parts.len());
            for p in &parts {
                out.push(
                    parse_tag_key(p.trim())
                        .ok_or_else(|| invalid(p, "expected a tag as ggggeeee".into()))?,
                );
            }
            Ok(PrimitiveValue::Tags(out.into()))
        }
        _ if parts.len() == 1 => Ok(PrimitiveValue::Str(value.to_string())),
        _ => Ok(PrimitiveValue::Strs(
            parts
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .into(),
        )),
    }
}

fn max_chars(s: &str, n: usize) -> Result<(), String> {
    let c = s.chars().count();
    if c > n {
        Err(format!("at most {n} characters, got {c}"))
    } else {
        Ok(())
    }
}

fn no_control(s: &str, allow_text_ctrl: bool) -> Result<(), String> {
    for ch in s.chars() {
        let ok = !ch.is_control()
            || ch == '\u{1b}'
            || (allow_text_ctrl && matches!(ch, '\r' | '\n' | '\t' | '\u{0c}'));
        if !ok {
            return Err(format!("control character U+{:04X} not allowed", ch as u32));
        }
    }
    Ok(())
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn two(s: &str, max: u32, what: &str) -> Result<(), String> {
    match s.parse::<u32>() {
        Ok(n) if s.len() == 2 && n <= max => Ok(()),
        _ => Err(format!("{what} \"{s}\" out of range 00-{max:02}")),
    }
}

fn check_fraction(frac: &str) -> Result<(), String> {
    if frac.is_empty() || frac.len() > 6 || !digits(frac) {
        return Err("the fraction after '.' must have 1 to 6 digits".into());
    }
    Ok(())
}

/// HH[MM[SS[.F{1,6}]]], the part after the date in DT too.
fn check_time(s: &str, rule: &str) -> Result<(), String> {
    let (main, frac) = match s.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (s, None),
    };
    if !digits(main) || !matches!(main.len(), 2 | 4 | 6) || (frac.is_some() && main.len() != 6) {
        return Err(rule.to_string());
    }
    two(&main[..2], 23, "hour")?;
    if main.len() >= 4 {
        two(&main[2..4], 59, "minute")?;
    }
    if main.len() == 6 {
        two(&main[4..6], 60, "second")?;
    }
    if let Some(f) = frac {
        check_fraction(f)?;
    }
    Ok(())
}

fn check_date(s: &str) -> Result<(), String> {
    const RULE: &str = "expected YYYYMMDD";
    if s.len() != 8 || !digits(s) {
        return Err(RULE.into());
    }
    let (y, m, d) = (&s[..4], &s[4..6], &s[6..8]);
    let (y, m, d) = (
        y.parse::<i32>().map_err(|_| RULE.to_string())?,
        m.parse::<u32>().map_err(|_| RULE.to_string())?,
        d.parse::<u32>().map_err(|_| RULE.to_string())?,
    );
    if chrono::NaiveDate::from_ymd_opt(y, m, d).is_none() {
        return Err(format!("expected YYYYMMDD, and {s} is not a calendar date"));
    }
    Ok(())
}

fn check_datetime(s: &str) -> Result<(), String> {
    const RULE: &str = "expected YYYY[MM[DD[HH[MM[SS[.FFFFFF]]]]]][&ZZXX]";
    if s.len() > 26 {
        return Err(format!("{RULE} (at most 26 characters)"));
    }
    let (main, tz) = match s.find(['+', '-']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    if let Some(tz) = tz {
        if tz.len() != 4 || !digits(tz) {
            return Err(format!("{RULE}: offset must be &HHMM"));
        }
        two(&tz[..2], 14, "offset hour")?;
        two(&tz[2..], 59, "offset minute")?;
    }
    let date_len = main.find('.').unwrap_or(main.len()).min(8).min(main.len());
    let date = &main[..date_len];
    if !digits(date) || !matches!(date.len(), 4 | 6 | 8) {
        return Err(RULE.into());
    }
    let padded = match date.len() {
        4 => format!("{date}0101"),
        6 => format!("{date}01"),
        _ => date.to_string(),
    };
    check_date(&padded).map_err(|_| format!("{RULE}: {date} is not a calendar date"))?;
    let rest = &main[date_len..];
    if !rest.is_empty() {
        if date.len() != 8 {
            return Err(RULE.into());
        }
        check_time(rest, RULE)?;
    }
    Ok(())
}

fn check_ds(s: &str) -> Result<(), String> {
    if s.len() > 16 {
        return Err(format!("at most 16 bytes, got {}", s.len()));
    }
    let t = s.trim_matches(' ');
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut n_digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        n_digits += i - fs;
    }
    if n_digits == 0 {
        return Err("expected a decimal number".into());
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let es = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == es {
            return Err("expected a decimal number (bad exponent)".into());
        }
    }
    if i != b.len() {
        return Err("expected a decimal number".into());
    }
    Ok(())
}

fn check_is(s: &str) -> Result<(), String> {
    if s.len() > 12 {
        return Err(format!("at most 12 bytes, got {}", s.len()));
    }
    let t = s.trim_matches(' ');
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    if !digits(body) {
        return Err("expected an integer".into());
    }
    match t.parse::<i64>() {
        Ok(n) if (i64::from(i32::MIN)..=i64::from(i32::MAX)).contains(&n) => Ok(()),
        _ => Err("integer out of range -2^31..2^31-1".into()),
    }
}

fn check_uid(s: &str) -> Result<(), String> {
    if s.len() > 64 {
        return Err(format!("at most 64 characters, got {}", s.len()));
    }
    for comp in s.split('.') {
        if !digits(comp) {
            return Err("expected digits separated by dots".into());
        }
        if comp.len() > 1 && comp.starts_with('0') {
            return Err(format!("component \"{comp}\" has a leading zero"));
        }
    }
    Ok(())
}

fn check_pn(s: &str) -> Result<(), String> {
    let groups: Vec<&str> = s.split('=').collect();
    if groups.len() > 3 {
        return Err("at most 3 component groups separated by '='".into());
    }
    for g in groups {
        if g.split('^').count() > 5 {
            return Err("at most 5 components separated by '^' per group".into());
        }
        max_chars(g, 64).map_err(|e| format!("component group: {e}"))?;
    }
    Ok(())
}

/// Check one value (already split on `\`) against the VR rules.
pub fn check_component(vr: VR, v: &str) -> Result<(), String> {
    // Only the text VRs take the character set; every other one is ASCII by definition (and
    // the checks below slice by byte).
    let text = matches!(
        vr,
        VR::LO | VR::SH | VR::PN | VR::LT | VR::ST | VR::UT | VR::UC
    );
    if !text && !v.is_ascii() {
        return Err("only ASCII characters are allowed".into());
    }
    match vr {
        VR::AE => {
            max_chars(v, 16)?;
            no_control(v, false)
        }
        VR::AS => {
            let b = v.as_bytes();
            if b.len() == 4 && digits(&v[..3]) && matches!(b[3], b'D' | b'W' | b'M' | b'Y') {
                Ok(())
            } else {
                Err("expected nnnD, nnnW, nnnM or nnnY".into())
            }
        }
        VR::CS => {
            max_chars(v, 16)?;
            if v.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ' || b == b'_')
            {
                Ok(())
            } else {
                Err("only uppercase letters, digits, space and underscore".into())
            }
        }
        VR::DA => check_date(v),
        VR::TM => {
            let t = v.trim_end_matches(' ');
            if t.len() > 14 {
                return Err("expected HH[MM[SS[.FFFFFF]]]".into());
            }
            check_time(t, "expected HH[MM[SS[.FFFFFF]]]")
        }
        VR::DT => check_datetime(v.trim_end_matches(' ')),
        VR::DS => check_ds(v),
        VR::IS => check_is(v),
        VR::UI => check_uid(v),
        VR::PN => {
            no_control(v, false)?;
            check_pn(v)
        }
        VR::LO => {
            max_chars(v, 64)?;
            no_control(v, false)
        }
        VR::SH => {
            max_chars(v, 16)?;
            no_control(v, false)
        }
        VR::UC => no_control(v, false),
        VR::ST => {
            max_chars(v, 1024)?;
            no_control(v, true)
        }
        VR::LT => {
            max_chars(v, 10240)?;
            no_control(v, true)
        }
        VR::UT => {
            if v.len() as u64 > 0xFFFF_FFFE {
                return Err("too long".into());
            }
            no_control(v, true)
        }
        VR::UR => {
            if v.trim_end().contains(' ') {
                Err("a URI must not contain spaces".into())
            } else {
                Ok(())
            }
        }
        // numbers are checked when parsed
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_without_a_tag() {
        assert_eq!(check_component(VR::DA, "20240131"), Ok(()));
        assert!(check_component(VR::DA, "20240132").is_err());
        assert!(check_component(VR::CS, "lower").is_err());
        assert!(check_component(VR::UI, "1.2.03").is_err());
        assert_eq!(
            parse_value(VR::US, Some((1, Some(2))), "1\\2"),
            Ok(PrimitiveValue::U16(vec![1, 2].into()))
        );
        match parse_value(VR::US, Some((1, Some(2))), "1\\2\\3") {
            Err(ValueError::Invalid { value, rule }) => {
                assert_eq!(value, "1\\2\\3");
                assert!(rule.contains("expected 1-2 value(s)"), "{rule}");
            }
            other => panic!("{other:?}"),
        }
        match parse_value(VR::DA, None, "20240101\\2024") {
            Err(ValueError::Invalid { value, .. }) => {
                assert_eq!(value, "2024", "the bad component")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_value(VR::OW, None, "x"),
            Err(ValueError::Unsupported { .. })
        ));
        assert_eq!(parse_value(VR::SQ, None, ""), Ok(PrimitiveValue::Empty));
    }
}
