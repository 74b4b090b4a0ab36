//! The post-parse step: every text value of a parsed dataset decoded by its character set.
//!
//! dicom-parser (`stateful/decode.rs`) decodes LO, LT, PN, SH, ST, UC and UT with the codec of
//! the last (0008,0005) it read whose value 1 it knows, in stream order and across sequence
//! items, else ISO 8859-1, which keeps every byte. Walking the dataset in the same order with
//! the same codec gives back the original bytes (its encoder is the exact inverse); those are
//! decoded again with the set that applies to the item (its own (0008,0005), else the
//! enclosing dataset's, PS3.5 6.1.2.5.4 / PS3.3 C.12.1.1.2).

use dicom_core::value::{C, PrimitiveValue, Value};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::text::{SpecificCharacterSet, TextCodec};
use dicom_object::InMemDicomObject;

use super::{CharacterSets, TextKind};

/// Sequences deeper than this are left as parsed (the parser's own limits apply before).
const MAX_DEPTH: usize = 128;

/// Decodes every text value of `obj` (and of its sequence items) in place. Values that are
/// plain ASCII without escape sequences, the common case, are not touched.
pub fn decode_dataset(obj: &mut InMemDicomObject) {
    if !needs_decoding(obj, 0) {
        return;
    }
    let mut parser = SpecificCharacterSet::default();
    walk(obj, &CharacterSets::default(), &mut parser, 0);
}

fn needs_decoding(obj: &InMemDicomObject, depth: usize) -> bool {
    depth <= MAX_DEPTH
        && obj.iter().any(|e| match e.value() {
            Value::Sequence(seq) => seq.items().iter().any(|i| needs_decoding(i, depth + 1)),
            Value::Primitive(p) => TextKind::of(e.vr()).is_some() && !all_plain(p),
            Value::PixelSequence(_) => false,
        })
}

/// ASCII without ESC reads the same in every character set; a `\` may be a byte the parser
/// could not decode (see [`parsed_bytes`]).
fn all_plain(value: &PrimitiveValue) -> bool {
    let plain = |s: &str| s.bytes().all(|b| b < 0x80 && b != 0x1B && b != b'\\');
    match value {
        PrimitiveValue::Str(s) => plain(s),
        PrimitiveValue::Strs(parts) => parts.iter().all(|s| plain(s)),
        _ => true,
    }
}

fn walk(
    obj: &mut InMemDicomObject,
    inherited: &CharacterSets,
    parser: &mut SpecificCharacterSet,
    depth: usize,
) {
    let own = obj
        .get(tags::SPECIFIC_CHARACTER_SET)
        .and_then(|e| e.value().to_str().ok())
        .map(|v| CharacterSets::from_value(&v));
    let sets = own.unwrap_or(*inherited);
    let element_tags: Vec<Tag> = obj.tags().collect();
    for tag in element_tags {
        let Some(elem) = obj.get(tag) else { continue };
        let vr = elem.vr();
        let mut replacement = None;
        match elem.value() {
            Value::Primitive(p) if tag == tags::SPECIFIC_CHARACTER_SET => follow_parser(p, parser),
            Value::Primitive(p) => replacement = redecode(p, vr, &sets, parser),
            Value::Sequence(_) if depth < MAX_DEPTH => {
                obj.update_value(tag, |v| {
                    if let Some(items) = v.items_mut() {
                        for item in items.iter_mut() {
                            walk(item, &sets, parser, depth + 1);
                        }
                    }
                });
            }
            _ => {}
        }
        if let Some(new) = replacement {
            let mut new = Some(new);
            obj.update_value(tag, |v| {
                if let Some(p) = new.take() {
                    *v = Value::Primitive(p);
                }
            });
        }
    }
}

/// The codec dicom-parser switches to on reading (0008,0005): value 1's, when it knows it.
fn follow_parser(value: &PrimitiveValue, parser: &mut SpecificCharacterSet) {
    let first = match value {
        PrimitiveValue::Strs(parts) => parts.first().map(String::as_str),
        PrimitiveValue::Str(s) => s.split('\\').next(),
        _ => None,
    };
    if let Some(codec) = first.and_then(SpecificCharacterSet::from_code) {
        *parser = codec;
    }
}

/// The value decoded by `sets`, or `None` when it is unchanged or its bytes cannot be
/// recovered (then the parser's text stays).
fn redecode(
    value: &PrimitiveValue,
    vr: VR,
    sets: &CharacterSets,
    parser: &SpecificCharacterSet,
) -> Option<PrimitiveValue> {
    let kind = TextKind::of(vr)?;
    if all_plain(value) {
        return None;
    }
    let new = match value {
        PrimitiveValue::Str(s) => PrimitiveValue::Str(sets.decode(&parsed_bytes(parser, s)?, kind)),
        PrimitiveValue::Strs(parts) => {
            let mut bytes = Vec::new();
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    bytes.push(b'\\');
                }
                bytes.extend(parsed_bytes(parser, part)?);
            }
            let text = sets.decode(&bytes, kind);
            PrimitiveValue::Strs(text.split('\\').map(str::to_string).collect::<C<String>>())
        }
        _ => return None,
    };
    (&new != value).then_some(new)
}

/// The bytes dicom-parser read to produce `text`. Its ISO 8859-1 codecs map every byte; the
/// others write a byte they cannot decode as `\ooo` (three octal digits, `decode_text_trap` in
/// dicom-encoding's `text.rs`), which is turned back into that byte.
fn parsed_bytes(parser: &SpecificCharacterSet, text: &str) -> Option<Vec<u8>> {
    if *parser == SpecificCharacterSet::ISO_IR_6
        || *parser == SpecificCharacterSet::ISO_IR_100
        || !text.contains('\\')
    {
        return parser.encode(text).ok();
    }
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.extend(parser.encode(&rest[..at]).ok()?);
        let escaped = &rest.as_bytes()[at + 1..];
        match escaped {
            [a @ b'0'..=b'3', b @ b'0'..=b'7', c @ b'0'..=b'7', ..] => {
                out.push(((a - b'0') << 6) | ((b - b'0') << 3) | (c - b'0'));
                rest = &rest[at + 4..];
            }
            _ => {
                out.push(b'\\');
                rest = &rest[at + 1..];
            }
        }
    }
    out.extend(parser.encode(rest).ok()?);
    Some(out)
}
