//! Reading source values for records: text, the first valid of several tags, VR checks of the
//! Type 1 keys, and copies fitted to the record's VR.

use dicom_core::Tag;
use dicom_object::InMemDicomObject;

use super::{Elem, Value};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Type {
    /// Always present, possibly empty.
    Two,
    /// When present, even empty.
    Three,
}

pub(super) fn copy(out: &mut Vec<Elem>, ds: &InMemDicomObject, tag: Tag, vr: &[u8; 2], ty: Type) {
    let present = ds.get(tag).is_some();
    let value = text(ds, tag);
    let include = match ty {
        Type::Two => true,
        Type::Three => present,
    };
    if include {
        // Every key copied here has VM 1: a source value with several (`T1\T2`) is joined
        // with `/` so the record stays valid.
        let value = value.unwrap_or_default().replace('\\', "/");
        out.push(elem_text(tag, vr, fit_length(vr, value)));
    }
}

/// A source value longer than its VR allows (seen in the wild) is cut to the maximum, so the
/// record stays valid: 16 characters for SH, 64 for LO and for each component group of PN.
pub(super) fn fit_length(vr: &[u8; 2], value: String) -> String {
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    match vr {
        b"SH" => cut(&value, 16),
        b"LO" => cut(&value, 64),
        b"PN" => value
            .split('=')
            .map(|group| cut(group, 64))
            .collect::<Vec<_>>()
            .join("="),
        _ => value,
    }
}

pub(super) fn elem_text(tag: Tag, vr: &[u8; 2], value: String) -> Elem {
    Elem {
        tag,
        vr: *vr,
        value: Value::Text(value),
    }
}

/// The element's value as text (multiple values joined by `\`), trimmed; `None` if absent,
/// empty or not textual.
pub(super) fn text(ds: &InMemDicomObject, tag: Tag) -> Option<String> {
    let e = ds.get(tag)?;
    let s = e.value().to_str().ok()?;
    let s = s.trim_matches(|c: char| c == ' ' || c == '\0');
    (!s.is_empty()).then(|| s.to_string())
}

/// The first of `tags` whose value is `valid` for the record's VR.
pub(super) fn first_valid(
    ds: &InMemDicomObject,
    tags: &[Tag],
    valid: fn(&str) -> bool,
) -> Option<String> {
    tags.iter().filter_map(|&t| text(ds, t)).find(|v| valid(v))
}

/// DA: `YYYYMMDD`, a plausible month and day.
pub(super) fn valid_da(v: &str) -> bool {
    let num = |r: std::ops::Range<usize>| v.get(r).and_then(|d| d.parse::<u32>().ok());
    v.len() == 8
        && v.bytes().all(|b| b.is_ascii_digit())
        && num(4..6).is_some_and(|m| (1..=12).contains(&m))
        && num(6..8).is_some_and(|d| (1..=31).contains(&d))
}

/// TM: `HH[MM[SS[.F{1,6}]]]` within range.
pub(super) fn valid_tm(v: &str) -> bool {
    let (main, frac) = match v.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (v, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let part = |i: usize, max: u32| {
        main.get(i..i + 2)
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|n| n <= max)
    };
    digits(main)
        && matches!(main.len(), 2 | 4 | 6)
        && part(0, 23)
        && (main.len() < 4 || part(2, 59))
        && (main.len() < 6 || part(4, 60))
        && frac.is_none_or(|f| main.len() == 6 && f.len() <= 6 && digits(f))
}

/// IS: an integer of at most 12 characters in the 32-bit signed range.
pub(super) fn valid_is(v: &str) -> bool {
    v.len() <= 12 && v.parse::<i64>().is_ok_and(|n| i32::try_from(n).is_ok())
}

/// CS: at most 16 characters among `A-Z 0-9 _` and space.
pub(super) fn valid_cs(v: &str) -> bool {
    v.len() <= 16
        && v.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b' ')
}

/// SH: one value of at most 16 characters, no control characters.
pub(super) fn valid_sh(v: &str) -> bool {
    v.chars().count() <= 16 && !v.contains('\\') && !v.chars().any(char::is_control)
}

pub(super) fn trim_uid(uid: &str) -> &str {
    uid.trim_end_matches(['\0', ' '])
}
