//! The Defined Terms of Specific Character Set (0008,0005) (PS3.3 C.12.1.1.2): which graphic
//! character sets each term designates.

use encoding_rs::Encoding;

/// One graphic character set of ISO 2022, as DICOM uses them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Graphic {
    /// ISO-IR 6, the default repertoire (G0).
    Ascii,
    /// ISO-IR 14, JIS X 0201 Romaji (G0). Decoded as ASCII, as pydicom does: mapping 0x5C to
    /// a Yen sign would hide the value delimiter.
    JisRoman,
    /// The right half (0xA0-0xFF) of an 8-bit code page: ISO 8859-x, TIS 620 (G1).
    RightHalf(&'static Encoding),
    /// ISO-IR 13, JIS X 0201 Katakana (G1): 0xA1-0xDF are the half-width katakana.
    Katakana,
    /// ISO-IR 87, JIS X 0208 Kanji (G0, two bytes per character).
    Jisx0208,
    /// ISO-IR 159, JIS X 0212 supplementary Kanji (G0, two bytes per character).
    Jisx0212,
    /// ISO-IR 149, KS X 1001 Hangul and Hanja (G1, two bytes per character).
    Ksx1001,
    /// ISO-IR 58, GB 2312 simplified Chinese (G1, two bytes per character).
    Gb2312,
}

/// What one value of (0008,0005) designates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Term {
    /// ISO 2022 code elements: the G0 and G1 sets the term designates (either may be absent).
    Iso2022 {
        g0: Option<Graphic>,
        g1: Option<Graphic>,
    },
    /// An encoding of the whole value that does not use code extensions: UTF-8, GB18030, GBK.
    Whole(&'static Encoding),
}

/// The term a (0008,0005) value names; `None` when unknown. An empty value is ISO-IR 6
/// (PS3.3 C.12.1.1.2: an empty value 1 means the default repertoire).
///
/// Lenient about spelling, like the readers files come from: `ISO_IR 100`, `ISO 2022 IR 100`,
/// `ISO-IR 100` and `ISO_IR_100` all name ISO-IR 100.
pub fn term_of(value: &str) -> Option<Term> {
    let normal: String = value
        .trim_matches([' ', '\0'])
        .to_ascii_uppercase()
        .replace(['_', '-'], " ");
    let words: Vec<&str> = normal.split_whitespace().collect();
    let number = match words.as_slice() {
        [] => return Some(iso2022(Some(Graphic::Ascii), None)),
        ["GB18030"] => return Some(Term::Whole(encoding_rs::GB18030)),
        ["GBK"] | ["GB2312"] => return Some(Term::Whole(encoding_rs::GBK)),
        ["ISO", "IR", n] | ["ISO", "2022", "IR", n] => n.parse::<u16>().ok()?,
        _ => return None,
    };
    registration(number)
}

fn iso2022(g0: Option<Graphic>, g1: Option<Graphic>) -> Term {
    Term::Iso2022 { g0, g1 }
}

/// The sets of an ISO-IR registration number DICOM defines.
fn registration(number: u16) -> Option<Term> {
    use Graphic::*;
    let right = |e: &'static Encoding| Some(iso2022(Some(Ascii), Some(RightHalf(e))));
    // encoding_rs maps the ISO 8859-1/-9 and TIS 620 labels to the Windows code pages, which
    // agree with them on 0xA0-0xFF, the only bytes a right half decodes.
    match number {
        6 => Some(iso2022(Some(Ascii), None)),
        100 => right(encoding_rs::WINDOWS_1252),
        101 => right(encoding_rs::ISO_8859_2),
        109 => right(encoding_rs::ISO_8859_3),
        110 => right(encoding_rs::ISO_8859_4),
        144 => right(encoding_rs::ISO_8859_5),
        127 => right(encoding_rs::ISO_8859_6),
        126 => right(encoding_rs::ISO_8859_7),
        138 => right(encoding_rs::ISO_8859_8),
        148 => right(encoding_rs::WINDOWS_1254),
        203 => right(encoding_rs::ISO_8859_15),
        166 => right(encoding_rs::WINDOWS_874),
        13 => Some(iso2022(Some(JisRoman), Some(Katakana))),
        87 => Some(iso2022(Some(Jisx0208), None)),
        159 => Some(iso2022(Some(Jisx0212), None)),
        149 => Some(iso2022(None, Some(Ksx1001))),
        58 => Some(iso2022(None, Some(Gb2312))),
        192 => Some(Term::Whole(encoding_rs::UTF_8)),
        _ => None,
    }
}

/// The set an ISO 2022 escape sequence (the bytes after ESC) designates, with the register
/// it goes to (`false` = G0, `true` = G1) and the sequence's length after ESC.
pub fn designation(after_esc: &[u8]) -> Option<(Graphic, bool, usize)> {
    use Graphic::*;
    let right = |e: &'static Encoding| Some((RightHalf(e), true, 2));
    match after_esc {
        [b'(', b'B', ..] => Some((Ascii, false, 2)),
        [b'(', b'J', ..] => Some((JisRoman, false, 2)),
        [b')', b'I', ..] => Some((Katakana, true, 2)),
        [b'$', b'B', ..] | [b'$', b'@', ..] => Some((Jisx0208, false, 2)),
        [b'$', b'(', b'D', ..] => Some((Jisx0212, false, 3)),
        [b'$', b')', b'C', ..] => Some((Ksx1001, true, 3)),
        [b'$', b')', b'A', ..] => Some((Gb2312, true, 3)),
        [b'-', b'A', ..] => right(encoding_rs::WINDOWS_1252),
        [b'-', b'B', ..] => right(encoding_rs::ISO_8859_2),
        [b'-', b'C', ..] => right(encoding_rs::ISO_8859_3),
        [b'-', b'D', ..] => right(encoding_rs::ISO_8859_4),
        [b'-', b'L', ..] => right(encoding_rs::ISO_8859_5),
        [b'-', b'G', ..] => right(encoding_rs::ISO_8859_6),
        [b'-', b'F', ..] => right(encoding_rs::ISO_8859_7),
        [b'-', b'H', ..] => right(encoding_rs::ISO_8859_8),
        [b'-', b'M', ..] => right(encoding_rs::WINDOWS_1254),
        [b'-', b'b', ..] => right(encoding_rs::ISO_8859_15),
        [b'-', b'T', ..] => right(encoding_rs::WINDOWS_874),
        _ => None,
    }
}
