//! Text values decoded by their Specific Character Set (0008,0005): every Defined Term of
//! PS3.3 C.12.1.1.2, with and without ISO 2022 code extensions (PS3.5 6.1).
//!
//! dicom-object decodes text while parsing, but only by value 1 and without code extensions
//! (it falls back to ISO 8859-1 for what it does not know). [`decode_dataset`] undoes that
//! decoding and decodes the bytes again here, so that every consumer of a parsed dataset
//! (index, `show --tags`, DICOMDIR) reads the right Unicode text.

mod dataset;
mod iso2022;
mod terms;
#[cfg(test)]
mod tests;

pub use dataset::decode_dataset;

use dicom_core::VR;

use iso2022::CodeState;
use terms::{Graphic, Term, term_of};

/// Which bytes of a value are delimiters that reset the code state (PS3.5 6.1.2.5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// PN: `^` and `=` between components and groups, `\` between values.
    PersonName,
    /// SH, LO, UC: `\` between values.
    MultiValued,
    /// ST, LT, UT: one value, in which `\` is a character.
    Text,
}

impl TextKind {
    /// The kind of a VR whose text uses the Specific Character Set; `None` for other VRs
    /// (AE, CS, UI, dates, numbers... use the default repertoire).
    pub fn of(vr: VR) -> Option<TextKind> {
        match vr {
            VR::PN => Some(TextKind::PersonName),
            VR::SH | VR::LO | VR::UC => Some(TextKind::MultiValued),
            VR::ST | VR::LT | VR::UT => Some(TextKind::Text),
            _ => None,
        }
    }

    fn is_delimiter(self, byte: u8) -> bool {
        match self {
            TextKind::PersonName => matches!(byte, b'^' | b'=' | b'\\'),
            TextKind::MultiValued => byte == b'\\',
            TextKind::Text => false,
        }
    }
}

/// A Specific Character Set: value 1 sets the state every value starts in; the escape
/// sequences of the other values (and, leniently, of any set DICOM defines) switch it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CharacterSets {
    initial: Term,
}

impl Default for CharacterSets {
    /// No (0008,0005): the default repertoire, with bytes above 0x7F read as ISO 8859-1.
    fn default() -> Self {
        CharacterSets {
            initial: Term::Iso2022 {
                g0: Some(Graphic::Ascii),
                g1: None,
            },
        }
    }
}

impl CharacterSets {
    /// From the values of (0008,0005). An unknown value 1 falls back to the default (with a
    /// debug log only: a file's odd character set is no reason to print anything).
    pub fn from_values<'a>(values: impl IntoIterator<Item = &'a str>) -> CharacterSets {
        let first = values.into_iter().next().unwrap_or("");
        match term_of(first) {
            Some(initial) => CharacterSets { initial },
            None => {
                tracing::debug!(
                    term = first,
                    "unknown Specific Character Set, read as Latin-1"
                );
                CharacterSets::default()
            }
        }
    }

    /// From the value of (0008,0005) as one string, values separated by `\`.
    pub fn from_value(value: &str) -> CharacterSets {
        CharacterSets::from_values(value.split('\\'))
    }

    /// The Unicode text of a value's bytes (all its values, `\`-separated, for multi-valued
    /// VRs). Never fails: undecodable bytes become U+FFFD. The output holds at most three bytes
    /// per input byte.
    pub fn decode(&self, bytes: &[u8], kind: TextKind) -> String {
        match self.initial {
            Term::Whole(encoding) => encoding.decode_without_bom_handling(bytes).0.into_owned(),
            Term::Iso2022 { g0, g1 } => {
                // A two-byte G0 set is entered by its escape sequence, never assumed.
                let g0 = match g0 {
                    Some(set @ (Graphic::Ascii | Graphic::JisRoman)) => set,
                    _ => Graphic::Ascii,
                };
                iso2022::decode(bytes, CodeState { g0, g1 }, kind)
            }
        }
    }
}
