//! Character sets of created instances: Orthanc's `DefaultEncoding` names, the Specific
//! Character Set (0008,0005) values a request may give, and which of them dicomq can write
//! text in.

use dicom_encoding::text::{SpecificCharacterSet, TextCodec};
use serde::{Deserialize, Serialize};

/// Orthanc's encodings (`DefaultEncoding` and `/tools/default-encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DefaultEncoding {
    Ascii,
    Utf8,
    #[default]
    Latin1,
    Latin2,
    Latin3,
    Latin4,
    Latin5,
    Cyrillic,
    Windows1251,
    Arabic,
    Greek,
    Hebrew,
    Thai,
    Japanese,
    Chinese,
    Korean,
    JapaneseKanji,
    SimplifiedChinese,
}

impl DefaultEncoding {
    pub const ALL: [DefaultEncoding; 18] = [
        Self::Ascii,
        Self::Utf8,
        Self::Latin1,
        Self::Latin2,
        Self::Latin3,
        Self::Latin4,
        Self::Latin5,
        Self::Cyrillic,
        Self::Windows1251,
        Self::Arabic,
        Self::Greek,
        Self::Hebrew,
        Self::Thai,
        Self::Japanese,
        Self::Chinese,
        Self::Korean,
        Self::JapaneseKanji,
        Self::SimplifiedChinese,
    ];

    /// Orthanc's name (`Latin1`, `Utf8`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Ascii => "Ascii",
            Self::Utf8 => "Utf8",
            Self::Latin1 => "Latin1",
            Self::Latin2 => "Latin2",
            Self::Latin3 => "Latin3",
            Self::Latin4 => "Latin4",
            Self::Latin5 => "Latin5",
            Self::Cyrillic => "Cyrillic",
            Self::Windows1251 => "Windows1251",
            Self::Arabic => "Arabic",
            Self::Greek => "Greek",
            Self::Hebrew => "Hebrew",
            Self::Thai => "Thai",
            Self::Japanese => "Japanese",
            Self::Chinese => "Chinese",
            Self::Korean => "Korean",
            Self::JapaneseKanji => "JapaneseKanji",
            Self::SimplifiedChinese => "SimplifiedChinese",
        }
    }

    /// From Orthanc's name, case-insensitively (Orthanc upper-cases it before comparing).
    pub fn from_name(name: &str) -> Option<DefaultEncoding> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|e| e.name().eq_ignore_ascii_case(name))
    }

    /// The (0008,0005) value written for this encoding, as Orthanc's
    /// `GetDicomSpecificCharacterSet` maps it. `None`: no element, ASCII text only. Orthanc
    /// writes `ISO_IR 6` for Ascii, which is no Defined Term (the default repertoire is the
    /// absence of the element), and Windows-1251 bytes without any element for Windows1251,
    /// which no reader can decode: both become the default repertoire here.
    pub fn charset(self) -> Option<&'static str> {
        Some(match self {
            Self::Ascii | Self::Windows1251 => return None,
            Self::Utf8 => "ISO_IR 192",
            Self::Latin1 => "ISO_IR 100",
            Self::Latin2 => "ISO_IR 101",
            Self::Latin3 => "ISO_IR 109",
            Self::Latin4 => "ISO_IR 110",
            Self::Latin5 => "ISO_IR 148",
            Self::Cyrillic => "ISO_IR 144",
            Self::Arabic => "ISO_IR 127",
            Self::Greek => "ISO_IR 126",
            Self::Hebrew => "ISO_IR 138",
            Self::Thai => "ISO_IR 166",
            Self::Japanese => "ISO_IR 13",
            Self::Chinese => "GB18030",
            Self::Korean => "ISO 2022 IR 149",
            Self::JapaneseKanji => "ISO 2022 IR 87",
            Self::SimplifiedChinese => "ISO 2022 IR 58",
        })
    }
}

/// The fallback when text does not fit the default character set.
pub const UTF8: &str = "ISO_IR 192";

/// Defined Terms without code extensions (PS3.3 C.12.1.1.2, tables C.12-2 and C.12-4).
const SINGLE_TERMS: &[&str] = &[
    "ISO_IR 100",
    "ISO_IR 101",
    "ISO_IR 109",
    "ISO_IR 110",
    "ISO_IR 144",
    "ISO_IR 127",
    "ISO_IR 126",
    "ISO_IR 138",
    "ISO_IR 148",
    "ISO_IR 203",
    "ISO_IR 13",
    "ISO_IR 166",
    "ISO_IR 192",
    "GB18030",
    "GBK",
];

/// Defined Terms with code extensions (tables C.12-3 and C.12-4).
const EXTENSION_TERMS: &[&str] = &[
    "ISO 2022 IR 6",
    "ISO 2022 IR 100",
    "ISO 2022 IR 101",
    "ISO 2022 IR 109",
    "ISO 2022 IR 110",
    "ISO 2022 IR 144",
    "ISO 2022 IR 127",
    "ISO 2022 IR 126",
    "ISO 2022 IR 138",
    "ISO 2022 IR 148",
    "ISO 2022 IR 203",
    "ISO 2022 IR 13",
    "ISO 2022 IR 166",
    "ISO 2022 IR 87",
    "ISO 2022 IR 159",
    "ISO 2022 IR 149",
    "ISO 2022 IR 58",
];

/// Whether `value` (values separated by `\`) is a valid Specific Character Set: one Defined
/// Term, or several terms with code extensions (the first may be empty: the default
/// repertoire).
pub fn is_valid_charset(value: &str) -> bool {
    let parts: Vec<&str> = value.split('\\').map(str::trim).collect();
    match parts.as_slice() {
        [one] => SINGLE_TERMS.contains(one) || EXTENSION_TERMS.contains(one),
        [first, rest @ ..] => {
            (first.is_empty() || EXTENSION_TERMS.contains(first))
                && rest.iter().all(|p| EXTENSION_TERMS.contains(p))
        }
        [] => false,
    }
}

/// How text can be written under a character set.
pub enum TextEncoder {
    /// dicomq's writer encodes text in this set (`single_byte`: every character must take one
    /// byte, for ISO_IR 13 whose codec would also write two-byte Kanji).
    Codec {
        codec: SpecificCharacterSet,
        single_byte: bool,
    },
    /// The default repertoire only (no element, or a set the writer does not encode: its
    /// ASCII part is the same in every set DICOM allows as value 1).
    AsciiOnly,
}

impl TextEncoder {
    /// The encoder for a (0008,0005) value; `None` for no element.
    pub fn of(charset: Option<&str>) -> TextEncoder {
        let Some(value) = charset.map(|c| c.trim_matches([' ', '\0'])) else {
            return TextEncoder::AsciiOnly;
        };
        if value.contains('\\') || value.is_empty() || value.starts_with("ISO 2022") {
            return TextEncoder::AsciiOnly;
        }
        match SpecificCharacterSet::from_code(value) {
            Some(codec) if SINGLE_TERMS.contains(&value) => TextEncoder::Codec {
                codec,
                single_byte: value == "ISO_IR 13",
            },
            _ => TextEncoder::AsciiOnly,
        }
    }

    /// Whether `text` can be written.
    pub fn fits(&self, text: &str) -> bool {
        match self {
            TextEncoder::AsciiOnly => text.is_ascii(),
            TextEncoder::Codec { codec, single_byte } => match codec.encode(text) {
                Ok(bytes) => !single_byte || bytes.len() == text.chars().count(),
                Err(_) => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_as_orthanc() {
        assert_eq!(
            DefaultEncoding::from_name("latin1"),
            Some(DefaultEncoding::Latin1)
        );
        assert_eq!(
            DefaultEncoding::from_name("Utf8").and_then(|e| e.charset()),
            Some("ISO_IR 192")
        );
        assert_eq!(DefaultEncoding::default().charset(), Some("ISO_IR 100"));
        assert_eq!(DefaultEncoding::from_name("Klingon"), None);
        for e in DefaultEncoding::ALL {
            assert_eq!(DefaultEncoding::from_name(e.name()), Some(e));
            assert!(e.charset().is_none_or(is_valid_charset), "{e:?}");
        }
    }

    #[test]
    fn charsets_validate_and_encode() {
        for ok in [
            "ISO_IR 100",
            "ISO_IR 192",
            "GB18030",
            "ISO 2022 IR 87",
            "\\ISO 2022 IR 87",
            "ISO 2022 IR 6\\ISO 2022 IR 149",
        ] {
            assert!(is_valid_charset(ok), "{ok}");
        }
        for bad in [
            "KLINGON",
            "ISO_IR 6",
            "ISO_IR 100\\ISO_IR 192",
            "",
            "iso_ir 100",
        ] {
            assert!(!is_valid_charset(bad), "{bad}");
        }
        assert!(TextEncoder::of(Some("ISO_IR 100")).fits("Sébastien"));
        assert!(!TextEncoder::of(Some("ISO_IR 100")).fits("山田"));
        assert!(TextEncoder::of(Some("ISO_IR 192")).fits("山田"));
        assert!(!TextEncoder::of(None).fits("é"));
        assert!(!TextEncoder::of(Some("ISO_IR 148")).fits("é"));
        assert!(TextEncoder::of(Some("ISO_IR 148")).fits("ascii"));
        assert!(!TextEncoder::of(Some("ISO_IR 13")).fits("山"));
        assert!(TextEncoder::of(Some("ISO_IR 13")).fits("ｱ"));
    }
}
