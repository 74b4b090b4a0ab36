//! `create-dicom`: build new DICOM instances (Encapsulated PDF, Secondary Capture image, or a
//! content-less instance) from tags and a payload, following Orthanc's `/tools/create-dicom`
//! where it yields valid DICOM (orthanc-source-spec §5, orthanc-reference §1).
//!
//! Decoupled from storage: [`build`] returns in-memory file objects; the caller stores them.

pub mod content;
pub mod dictionary;
pub mod encoding;
pub mod request;
pub mod tags;

#[cfg(test)]
mod build_tests;
#[cfg(test)]
mod tag_tests;

pub use content::{ContentError, Limits};
pub use dictionary::{DictionaryError, PrivateDictionary, PrivateEntry};
pub use encoding::DefaultEncoding;
pub use request::{ParsedRequest, RequestError, parse_request};
pub use tags::{TagError, TagValue};

use base64::Engine;
use chrono::{DateTime, Utc};
use content::{DecodedImage, ImageKind, JpegInfo, ModelKind, Samples};
use dicom_core::value::{DataSetSequence, Value};
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags as t, uids};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{FileDicomObject, InMemDicomObject};
use dictionary::fmt_tag;
use std::collections::HashSet;
use tags::{ResolvedTag, Target};
use thiserror::Error;

/// ImplementationClassUID written in the file meta group.
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.70275672411463515584252654859231211824";
/// ImplementationVersionName written in the file meta group.
pub const IMPLEMENTATION_VERSION_NAME: &str = "DICOMQ_010";
/// Placeholder MediaStorageSOPClassUID for a content-less instance without SOPClassUID
/// (the same DCMTK placeholder Orthanc writes).
pub const PLACEHOLDER_SOP_CLASS_UID: &str = "1.2.276.0.7230010.3.1.0.1";

/// What an instance contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// Encapsulated PDF; `title` (e.g. from the file name) becomes DocumentTitle unless given.
    Pdf {
        bytes: Vec<u8>,
        title: Option<String>,
    },
    /// PNG or JPEG (recognised by content), decoded to uncompressed pixels.
    Image { bytes: Vec<u8> },
    /// A JPEG kept as it is: one fragment of encapsulated Pixel Data (`Encapsulate: true`).
    EncapsulatedJpeg { bytes: Vec<u8> },
    /// An STL, OBJ or MTL model (Encapsulated 3D Model storage).
    Model { bytes: Vec<u8>, kind: ModelKind },
    /// No content: only tags.
    Empty,
}

/// One instance to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateItem {
    pub payload: Payload,
    /// Per-item tags (key, value), applied after the shared tags.
    pub tags: Vec<(String, TagValue)>,
}

/// A create request. Several items make one series (shared Study/Series UIDs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSpec {
    pub items: Vec<CreateItem>,
    /// Shared tags (key, value), in request order. Keys: keyword, `gggg,eeee`, or a Dictionary
    /// keyword. An empty value writes an empty element.
    pub tags: Vec<(String, TagValue)>,
    pub private_creator: Option<String>,
    /// Allow overriding inherited tags and generated UIDs.
    pub force: bool,
    /// Decode values starting with `data:application/octet-stream;base64,` into bytes.
    pub interpret_binary_tags: bool,
    /// Orthanc's legacy body (no `Tags`): no dates are generated, and SpecificCharacterSet is
    /// written only when a value is not ASCII.
    pub legacy_v1: bool,
    /// The character set when the request and the parent give none (the Node sets it from
    /// `DefaultEncoding`).
    pub default_encoding: DefaultEncoding,
}

impl Default for CreateSpec {
    fn default() -> Self {
        Self {
            items: vec![],
            tags: vec![],
            private_creator: None,
            force: false,
            interpret_binary_tags: true,
            legacy_v1: false,
            default_encoding: DefaultEncoding::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentLevel {
    Patient,
    Study,
    Series,
}

/// The parent resource: its level and the header of one instance under it.
#[derive(Debug, Clone, Copy)]
pub struct ParentContext<'a> {
    pub level: ParentLevel,
    pub sample: &'a InMemDicomObject,
}

/// One created instance.
#[derive(Debug, Clone)]
pub struct Created {
    pub file: FileDicomObject<InMemDicomObject>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Error)]
pub enum CreateError {
    #[error(transparent)]
    Tag(#[from] TagError),
    #[error("content{}: {source}", item_label(*.item))]
    Content {
        item: Option<usize>,
        #[source]
        source: ContentError,
    },
    #[error("trying to override the value of {keyword}, inherited from the parent (use Force)")]
    InheritedTag { keyword: String },
    #[error("trying to override the generated {keyword} (use Force)")]
    GeneratedUid { keyword: String },
    #[error("PixelData cannot be set as a tag: use Content")]
    UsePixelContent,
    #[error("{name} {tag} cannot be set as a tag: {reason}")]
    ReservedTag {
        name: String,
        tag: String,
        reason: &'static str,
    },
    #[error(
        "the first {count} contents of the series are more than {limit} bytes together (config MaximumCreateDicomContentSize bounds a whole request)"
    )]
    SeriesTooLarge { count: usize, limit: u64 },
    #[error("SOPInstanceUID cannot be shared by the {0} instances of a series")]
    SharedSopInstanceUid(usize),
    #[error(
        "{name} {tag}: unsupported SpecificCharacterSet \"{value}\" (expected a Defined Term such as ISO_IR 100 or ISO_IR 192)"
    )]
    BadCharset {
        name: String,
        tag: String,
        value: String,
    },
    #[error("private tag {name}: {reason}")]
    Private { name: String, reason: String },
    #[error("{name} {tag}: binary value not allowed for VR {vr}")]
    BinaryValue {
        name: String,
        tag: String,
        vr: String,
    },
    #[error("{name} {tag}: the value cannot be encoded in the character set \"{charset}\"")]
    Unencodable {
        name: String,
        tag: String,
        charset: String,
    },
    #[error("{name} {tag}: an array (a sequence) is given, but the VR is {vr}, not SQ")]
    NotASequence {
        name: String,
        tag: String,
        vr: String,
    },
    #[error("{name} {tag}: sequences are nested deeper than {limit} levels")]
    SequenceTooDeep {
        name: String,
        tag: String,
        limit: usize,
    },
    #[error(
        "{name} {tag} inside a sequence item: the character set is set for the whole data set only"
    )]
    ItemCharset { name: String, tag: String },
    #[error("cannot build the file meta group: {0}")]
    Meta(String),
}

fn item_label(item: Option<usize>) -> String {
    item.map(|i| format!(" of item {}", i + 1))
        .unwrap_or_default()
}

/// A new UID `2.25.<uuid v4 as decimal>`.
pub fn new_uid() -> String {
    format!("2.25.{}", uuid::Uuid::new_v4().as_u128())
}

/// Tags copied from the parent per module (Orthanc `DicomTag::AddTagsForModule`; only
/// primitive non-binary values are copied).
const PATIENT_MODULE: &[Tag] = &[
    t::PATIENT_NAME,
    t::PATIENT_ID,
    t::PATIENT_BIRTH_DATE,
    t::PATIENT_SEX,
    t::PATIENT_BIRTH_TIME,
    t::OTHER_PATIENT_NAMES,
    Tag(0x0010, 0x1000), // OtherPatientIDs (retired)
    Tag(0x0010, 0x2160), // EthnicGroup (retired)
    t::PATIENT_COMMENTS,
    t::PATIENT_SPECIES_DESCRIPTION,
    t::PATIENT_BREED_DESCRIPTION,
    t::RESPONSIBLE_PERSON,
    t::RESPONSIBLE_PERSON_ROLE,
    t::RESPONSIBLE_ORGANIZATION,
    t::PATIENT_IDENTITY_REMOVED,
    t::DEIDENTIFICATION_METHOD,
    t::ISSUER_OF_PATIENT_ID,
];
const STUDY_MODULE: &[Tag] = &[
    t::STUDY_INSTANCE_UID,
    t::STUDY_DATE,
    t::STUDY_TIME,
    t::REFERRING_PHYSICIAN_NAME,
    t::STUDY_ID,
    t::ACCESSION_NUMBER,
    t::STUDY_DESCRIPTION,
    t::PHYSICIANS_OF_RECORD,
    t::NAME_OF_PHYSICIANS_READING_STUDY,
];
const SERIES_MODULE: &[Tag] = &[
    t::MODALITY,
    t::SERIES_INSTANCE_UID,
    t::SERIES_NUMBER,
    t::LATERALITY,
    t::SERIES_DATE,
    t::SERIES_TIME,
    t::PERFORMING_PHYSICIAN_NAME,
    t::PROTOCOL_NAME,
    t::SERIES_DESCRIPTION,
    t::OPERATORS_NAME,
    t::BODY_PART_EXAMINED,
    t::PATIENT_POSITION,
    t::SMALLEST_PIXEL_VALUE_IN_SERIES,
    t::LARGEST_PIXEL_VALUE_IN_SERIES,
    t::ANATOMICAL_ORIENTATION_TYPE,
    t::PERFORMED_PROCEDURE_STEP_ID,
    t::PERFORMED_PROCEDURE_STEP_START_DATE,
    t::PERFORMED_PROCEDURE_STEP_START_TIME,
    t::PERFORMED_PROCEDURE_STEP_DESCRIPTION,
    t::COMMENTS_ON_THE_PERFORMED_PROCEDURE_STEP,
];

/// A resolved and validated user tag.
struct Op {
    rt: ResolvedTag,
    value: OpValue,
}

enum OpValue {
    Primitive(PrimitiveValue),
    /// The items of a sequence, each its own resolved tags.
    Sequence(Vec<Vec<Op>>),
}

impl Op {
    fn primitive(&self) -> Option<&PrimitiveValue> {
        match &self.value {
            OpValue::Primitive(v) => Some(v),
            OpValue::Sequence(_) => None,
        }
    }
}

/// Tags Orthanc lets a caller set although they are already there (generated or inherited):
/// `InjectTags` in OrthancRestAnonymizeModify.cpp (orthanc-source-spec §5.6).
const SETTABLE_WITHOUT_FORCE: &[Tag] = &[
    t::PATIENT_ID,
    t::ACQUISITION_DATE,
    t::ACQUISITION_TIME,
    t::CONTENT_DATE,
    t::CONTENT_TIME,
    t::INSTANCE_CREATION_DATE,
    t::INSTANCE_CREATION_TIME,
    t::SERIES_DATE,
    t::SERIES_TIME,
    t::STUDY_DATE,
    t::STUDY_TIME,
];

/// Why a tag belongs to the encoding or to dicomq rather than to the data set a user describes
/// (such an element in the data set makes the file invalid: dciodvfy "not valid DICOM").
fn reserved(tag: Tag) -> Option<&'static str> {
    match tag.group() {
        0x0000 => Some("command elements (group 0000) belong to network messages, not to files"),
        0x0002 => Some(
            "the file meta information (group 0002, e.g. the transfer syntax) is written by dicomq",
        ),
        0x0004 => Some("directory elements (group 0004) belong to DICOMDIR files only"),
        0xFFFE => Some("item and delimitation tags (FFFE,xxxx) are part of the encoding"),
        0xFFFC => Some("trailing padding is part of the encoding"),
        _ => None,
    }
}

const OCTET_STREAM_PREFIX: &str = "data:application/octet-stream;base64,";

/// Resolve and validate a list of user tags; `depth` is the number of sequences around it
/// (0: the data set itself).
fn resolve_ops(
    list: &[(String, TagValue)],
    spec: &CreateSpec,
    dict: &PrivateDictionary,
    depth: usize,
) -> Result<Vec<Op>, CreateError> {
    let mut ops = Vec::with_capacity(list.len());
    for (key, value) in list {
        // checked on the number first: an item tag is in no dictionary
        if let Some(tag) = dictionary::parse_tag_key(key) {
            if let Some(reason) = reserved(tag) {
                let name = Some(keyword_of(tag))
                    .filter(|k| *k != fmt_tag(tag))
                    .unwrap_or_else(|| key.clone());
                return Err(CreateError::ReservedTag {
                    name,
                    tag: fmt_tag(tag),
                    reason,
                });
            }
        }
        let rt = tags::resolve_key(key, dict, spec.private_creator.as_deref())?;
        if let Some(reason) = reserved(rt.tag) {
            return Err(CreateError::ReservedTag {
                name: rt.name.clone(),
                tag: fmt_tag(rt.tag),
                reason,
            });
        }
        if rt.target == Target::GroupLength {
            continue;
        }
        if rt.tag == t::PIXEL_DATA {
            return Err(CreateError::UsePixelContent);
        }
        if rt.tag == t::SPECIFIC_CHARACTER_SET && depth > 0 {
            return Err(CreateError::ItemCharset {
                name: rt.name.clone(),
                tag: fmt_tag(rt.tag),
            });
        }
        let value = match value {
            TagValue::Sequence(items) => {
                if rt.vr != VR::SQ {
                    return Err(CreateError::NotASequence {
                        name: rt.name.clone(),
                        tag: fmt_tag(rt.tag),
                        vr: rt.vr.to_string().to_string(),
                    });
                }
                if depth >= crate::dicom::scan::MAX_SEQUENCE_DEPTH {
                    return Err(CreateError::SequenceTooDeep {
                        name: rt.name.clone(),
                        tag: fmt_tag(rt.tag),
                        limit: crate::dicom::scan::MAX_SEQUENCE_DEPTH,
                    });
                }
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(resolve_ops(item, spec, dict, depth + 1)?);
                }
                OpValue::Sequence(out)
            }
            TagValue::Null => OpValue::Primitive(tags::parse_value(&rt, "")?),
            TagValue::Text(text) => OpValue::Primitive(text_value(&rt, text, spec)?),
        };
        if rt.tag == t::SPECIFIC_CHARACTER_SET {
            let s = match &value {
                OpValue::Primitive(v) => v.to_str().trim().to_string(),
                OpValue::Sequence(_) => String::new(),
            };
            if !s.is_empty() && !encoding::is_valid_charset(&s) {
                return Err(CreateError::BadCharset {
                    name: rt.name.clone(),
                    tag: fmt_tag(rt.tag),
                    value: s,
                });
            }
        }
        ops.push(Op { rt, value });
    }
    // creator reservations first, so private elements find their block
    ops.sort_by_key(|o| o.rt.target != Target::Reservation);
    Ok(ops)
}

/// A text value: decoded from a binary data URI (unless `InterpretBinaryTags` is false), else
/// checked against the VR. Byte values are padded to even length with a NUL.
fn text_value(
    rt: &ResolvedTag,
    value: &str,
    spec: &CreateSpec,
) -> Result<PrimitiveValue, CreateError> {
    let binary = spec.interpret_binary_tags
        && value
            .get(..OCTET_STREAM_PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(OCTET_STREAM_PREFIX));
    let value = if binary {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value[OCTET_STREAM_PREFIX.len()..].trim())
            .map_err(|e| TagError::InvalidValue {
                value: value.to_string(),
                name: rt.name.clone(),
                tag: fmt_tag(rt.tag),
                vr: rt.vr.to_string().to_string(),
                rule: format!("bad base64 in data URI: {e}"),
            })?;
        match rt.vr {
            VR::OB | VR::UN => PrimitiveValue::U8(bytes.into()),
            VR::OW if bytes.len() % 2 == 0 => PrimitiveValue::U8(bytes.into()),
            vr => match String::from_utf8(bytes) {
                Ok(s) if !matches!(vr, VR::OW | VR::OF | VR::OD | VR::OL | VR::OV | VR::SQ) => {
                    tags::parse_value(rt, &s)?
                }
                _ => {
                    return Err(CreateError::BinaryValue {
                        name: rt.name.clone(),
                        tag: fmt_tag(rt.tag),
                        vr: vr.to_string().to_string(),
                    });
                }
            },
        }
    } else {
        tags::parse_value(rt, value)?
    };
    Ok(match value {
        PrimitiveValue::U8(bytes) if bytes.len() % 2 == 1 => {
            let mut bytes = bytes.into_vec();
            bytes.push(0);
            PrimitiveValue::U8(bytes.into())
        }
        v => v,
    })
}

/// State shared by the steps of one build.
struct Ctx {
    inherited: HashSet<Tag>,
    /// UIDs generated by us (overriding them needs Force, like Orthanc).
    generated_uids: HashSet<Tag>,
    force: bool,
    now: DateTime<Utc>,
    warnings: Vec<String>,
}

fn keyword_of(tag: Tag) -> String {
    use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
    dicom_dictionary_std::StandardDataDictionary
        .by_tag(tag)
        .map(|e| e.alias().to_string())
        .unwrap_or_else(|| fmt_tag(tag))
}

fn has(obj: &InMemDicomObject, tag: Tag) -> bool {
    obj.get(tag).is_some()
}

fn put_str(obj: &mut InMemDicomObject, tag: Tag, vr: VR, v: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
}

fn put_if_absent(obj: &mut InMemDicomObject, tag: Tag, vr: VR, v: &str) {
    if !has(obj, tag) {
        put_str(obj, tag, vr, v);
    }
}

fn put_empty_if_absent(obj: &mut InMemDicomObject, tag: Tag, vr: VR) {
    if !has(obj, tag) {
        obj.put(DataElement::new(tag, vr, PrimitiveValue::Empty));
    }
}

fn creator_at(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag)
        .and_then(|e| e.value().to_str().ok().map(|s| s.trim().to_string()))
}

/// The block (0x10..=0xFF) of `group` reserved for `creator`, reserving the first free one.
fn private_block(
    obj: &mut InMemDicomObject,
    group: u16,
    creator: &str,
    name: &str,
) -> Result<u16, CreateError> {
    let mut free = None;
    for b in 0x10u16..=0xFF {
        match creator_at(obj, Tag(group, b)) {
            Some(c) if c == creator => return Ok(b),
            Some(_) => {}
            None if !has(obj, Tag(group, b)) && free.is_none() => free = Some(b),
            None => {}
        }
    }
    let b = free.ok_or_else(|| CreateError::Private {
        name: name.to_string(),
        reason: format!("no free private block in group {group:04x}"),
    })?;
    put_str(obj, Tag(group, b), VR::LO, creator);
    Ok(b)
}

/// The element of an op's value at `tag`: a sequence is built item by item (tags in items
/// are applied as at the top level, without the Force checks).
fn element_of(op: &Op, tag: Tag, ctx: &Ctx) -> Result<DataElement<InMemDicomObject>, CreateError> {
    Ok(match &op.value {
        OpValue::Sequence(items) => {
            let mut objs = Vec::with_capacity(items.len());
            for item_ops in items {
                let mut item = InMemDicomObject::new_empty();
                apply_ops(&mut item, item_ops, ctx, false)?;
                objs.push(item);
            }
            DataElement::new(tag, VR::SQ, Value::from(DataSetSequence::from(objs)))
        }
        // only an empty value is accepted for a sequence as text (checked by parse_value)
        OpValue::Primitive(_) if op.rt.vr == VR::SQ => DataElement::new(
            tag,
            VR::SQ,
            Value::from(DataSetSequence::<InMemDicomObject>::empty()),
        ),
        OpValue::Primitive(v) => DataElement::new(tag, op.rt.vr, v.clone()),
    })
}

/// One value of Orthanc's JSON (text, a `data:application/octet-stream;base64,` URI for a
/// binary VR, or a sequence as an array of objects, to the hostile-input depth bound) as the
/// element create-dicom would write at `key`'s tag, checked the same way. `/modify`'s `Replace`
/// uses it for the values that are not plain text. The error names the key and the reason.
pub fn element_from_json(
    key: &str,
    value: &serde_json::Value,
    private_creator: Option<&str>,
) -> Result<DataElement<InMemDicomObject>, String> {
    let tag_value = request::tag_value(key, value, "Replace", 0).map_err(|e| e.to_string())?;
    let spec = CreateSpec {
        private_creator: private_creator.map(str::to_string),
        force: true,
        ..CreateSpec::default()
    };
    let ops = resolve_ops(
        &[(key.to_string(), tag_value)],
        &spec,
        &PrivateDictionary::empty(),
        0,
    )
    .map_err(|e| e.to_string())?;
    let op = ops.first().ok_or_else(|| {
        format!(
            "\"{}\": a group length is written by dicomq",
            key.escape_default()
        )
    })?;
    let ctx = Ctx {
        inherited: HashSet::new(),
        generated_uids: HashSet::new(),
        force: true,
        now: Utc::now(),
        warnings: Vec::new(),
    };
    element_of(op, op.rt.tag, &ctx).map_err(|e| e.to_string())
}

/// Apply resolved tags to a data set (`top`: the instance itself, where inherited and
/// generated values need Force, as in Orthanc).
fn apply_ops(
    obj: &mut InMemDicomObject,
    ops: &[Op],
    ctx: &Ctx,
    top: bool,
) -> Result<(), CreateError> {
    for op in ops {
        let rt = &op.rt;
        match &rt.target {
            Target::GroupLength => {}
            // decided with the parent's and the default character set (see `build`)
            Target::Standard if top && rt.tag == t::SPECIFIC_CHARACTER_SET => {}
            Target::Standard => {
                if top && !ctx.force && !SETTABLE_WITHOUT_FORCE.contains(&rt.tag) {
                    if ctx.inherited.contains(&rt.tag) {
                        return Err(CreateError::InheritedTag {
                            keyword: rt.name.clone(),
                        });
                    }
                    if ctx.generated_uids.contains(&rt.tag) {
                        return Err(CreateError::GeneratedUid {
                            keyword: rt.name.clone(),
                        });
                    }
                }
                obj.put(element_of(op, rt.tag, ctx)?);
            }
            Target::Reservation => {
                let creator = op
                    .primitive()
                    .map(|v| v.to_str().trim().to_string())
                    .unwrap_or_default();
                if creator.is_empty() {
                    return Err(CreateError::Private {
                        name: rt.display(),
                        reason: "a private creator element cannot be empty".into(),
                    });
                }
                match creator_at(obj, rt.tag) {
                    Some(c) if c == creator => {}
                    Some(c) => {
                        return Err(CreateError::Private {
                            name: rt.display(),
                            reason: format!("block already reserved by \"{c}\""),
                        });
                    }
                    None => put_str(obj, rt.tag, VR::LO, &creator),
                }
            }
            Target::Private { creator, low } => {
                let g = rt.tag.group();
                let b = private_block(obj, g, creator, &rt.name)?;
                let tag = Tag(g, (b << 8) | u16::from(*low));
                obj.put(element_of(op, tag, ctx)?);
            }
            Target::PrivateExact { creator } => {
                let g = rt.tag.group();
                let res = Tag(g, rt.tag.element() >> 8);
                match creator_at(obj, res) {
                    Some(c) if &c == creator => {}
                    Some(c) => {
                        return Err(CreateError::Private {
                            name: rt.display(),
                            reason: format!(
                                "block {} is reserved by \"{c}\", not \"{creator}\"",
                                fmt_tag(res)
                            ),
                        });
                    }
                    None => put_str(obj, res, VR::LO, creator),
                }
                obj.put(element_of(op, rt.tag, ctx)?);
            }
        }
    }
    Ok(())
}

fn copyable(e: &dicom_object::mem::InMemElement) -> bool {
    matches!(e.value(), Value::Primitive(_))
        && !matches!(
            e.vr(),
            VR::OB | VR::OW | VR::OF | VR::OD | VR::OL | VR::OV | VR::UN | VR::SQ
        )
}

fn date(now: &DateTime<Utc>) -> String {
    now.format("%Y%m%d").to_string()
}

fn time(now: &DateTime<Utc>) -> String {
    now.format("%H%M%S%.6f").to_string()
}

/// Build the instances. All or nothing: the first error aborts.
pub fn build(
    spec: &CreateSpec,
    parent: Option<ParentContext>,
    dict: &PrivateDictionary,
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<Vec<Created>, CreateError> {
    let empty_item = [CreateItem {
        payload: Payload::Empty,
        tags: vec![],
    }];
    let items: &[CreateItem] = if spec.items.is_empty() {
        &empty_item
    } else {
        &spec.items
    };
    let n = items.len();
    let shared_ops = resolve_ops(&spec.tags, spec, dict, 0)?;
    let item_ops = items
        .iter()
        .map(|it| resolve_ops(&it.tags, spec, dict, 0))
        .collect::<Result<Vec<_>, _>>()?;
    let user_sop_uid = shared_ops.iter().any(|o| o.rt.tag == t::SOP_INSTANCE_UID);
    if n > 1 && user_sop_uid {
        return Err(CreateError::SharedSopInstanceUid(n));
    }

    let mut ctx = Ctx {
        inherited: HashSet::new(),
        generated_uids: HashSet::new(),
        force: spec.force,
        now,
        warnings: vec![],
    };
    let mut base = InMemDicomObject::new_empty();

    // 1. parent modules (and its character set)
    if let Some(p) = &parent {
        let mut list: Vec<Tag> = vec![t::SPECIFIC_CHARACTER_SET];
        list.extend_from_slice(PATIENT_MODULE);
        if matches!(p.level, ParentLevel::Study | ParentLevel::Series) {
            list.extend_from_slice(STUDY_MODULE);
        }
        if p.level == ParentLevel::Series {
            list.extend_from_slice(SERIES_MODULE);
        }
        for tag in list {
            if let Some(e) = p.sample.get(tag).filter(|e| copyable(e)) {
                // The sample's text is already decoded (src/dicom/charset): a character set
                // the writer cannot encode (ISO 2022 extensions, ISO_IR 148...) gives way to
                // the UTF-8 default below.
                if tag == t::SPECIFIC_CHARACTER_SET && !writable_charset(e) {
                    continue;
                }
                base.put(e.clone());
                ctx.inherited.insert(tag);
            }
        }
    }

    // 2. character set, generated identifiers and dates
    let shared_charset = requested_charset(&shared_ops);
    let inherited_charset = has(&base, t::SPECIFIC_CHARACTER_SET);
    if inherited_charset && shared_charset.is_some() {
        ctx.warnings
            .push("SpecificCharacterSet of Tags ignored: the parent's is kept (as Orthanc)".into());
    }
    for tag in [t::STUDY_INSTANCE_UID, t::SERIES_INSTANCE_UID] {
        if !has(&base, tag) {
            put_str(&mut base, tag, VR::UI, &new_uid());
            ctx.generated_uids.insert(tag);
        }
    }
    put_str(&mut base, t::SOP_INSTANCE_UID, VR::UI, &new_uid());
    ctx.generated_uids.insert(t::SOP_INSTANCE_UID);
    put_if_absent(
        &mut base,
        t::PATIENT_ID,
        VR::LO,
        &uuid::Uuid::new_v4().to_string(),
    );
    let (d, tm) = (date(&now), time(&now));
    for (dt, tt) in [
        (t::INSTANCE_CREATION_DATE, t::INSTANCE_CREATION_TIME),
        (t::CONTENT_DATE, t::CONTENT_TIME),
    ] {
        put_str(&mut base, dt, VR::DA, &d);
        put_str(&mut base, tt, VR::TM, &tm);
    }
    let level = parent.as_ref().map(|p| p.level);
    if matches!(level, None | Some(ParentLevel::Patient)) {
        put_str(&mut base, t::STUDY_DATE, VR::DA, &d);
        put_str(&mut base, t::STUDY_TIME, VR::TM, &tm);
    }
    if level != Some(ParentLevel::Series) {
        put_str(&mut base, t::SERIES_DATE, VR::DA, &d);
        put_str(&mut base, t::SERIES_TIME, VR::TM, &tm);
    }
    if spec.legacy_v1 {
        // Orthanc's V1 writes the identifiers only (orthanc-source-spec §5.1)
        for tag in [
            t::INSTANCE_CREATION_DATE,
            t::INSTANCE_CREATION_TIME,
            t::CONTENT_DATE,
            t::CONTENT_TIME,
            t::STUDY_DATE,
            t::STUDY_TIME,
            t::SERIES_DATE,
            t::SERIES_TIME,
        ] {
            base.remove_element(tag);
        }
    }

    // 3. shared user tags
    apply_ops(&mut base, &shared_ops, &ctx, true)?;
    let base_warnings = std::mem::take(&mut ctx.warnings);

    // 4. one instance per item
    let mut out = Vec::with_capacity(n);
    // The limit bounds the content of the whole request: every instance of a series is held
    // in memory until all are stored together.
    let mut used: u64 = 0;
    for (i, (item, ops)) in items.iter().zip(&item_ops).enumerate() {
        let left = Limits {
            max_content_bytes: limits.max_content_bytes.saturating_sub(used),
        };
        let series_too_large = |source: ContentError| match source {
            ContentError::TooLarge { .. } | ContentError::PdfTooLarge { .. } if used > 0 => {
                CreateError::SeriesTooLarge {
                    count: i + 1,
                    limit: limits.max_content_bytes,
                }
            }
            source => CreateError::Content {
                item: (n > 1).then_some(i),
                source,
            },
        };
        let mut obj = base.clone();
        ctx.warnings.clone_from(&base_warnings);
        if !user_sop_uid && i > 0 {
            put_str(&mut obj, t::SOP_INSTANCE_UID, VR::UI, &new_uid());
        }
        apply_ops(&mut obj, ops, &ctx, true)?;
        // The character set: the parent's, else the request's (an item's wins), else the
        // default, which gives way to UTF-8 when a value does not fit it.
        let choices: Vec<Option<&str>> = if inherited_charset {
            vec![]
        } else if let Some(cs) = requested_charset(ops).or(shared_charset.clone()) {
            if cs.is_empty() {
                obj.remove_element(t::SPECIFIC_CHARACTER_SET);
            } else {
                put_str(&mut obj, t::SPECIFIC_CHARACTER_SET, VR::CS, &cs);
            }
            vec![]
        } else if spec.legacy_v1 {
            vec![None, spec.default_encoding.charset(), Some(encoding::UTF8)]
        } else {
            if let Some(cs) = spec.default_encoding.charset() {
                put_str(&mut obj, t::SPECIFIC_CHARACTER_SET, VR::CS, cs);
            }
            vec![spec.default_encoding.charset(), Some(encoding::UTF8)]
        };
        let mut transfer_syntax = uids::EXPLICIT_VR_LITTLE_ENDIAN;
        match &item.payload {
            Payload::Pdf { bytes, title } => {
                embed_pdf(&mut obj, bytes, title.as_deref(), &ctx, &left)
                    .map_err(series_too_large)?;
                used = used.saturating_add(bytes.len() as u64);
            }
            Payload::Image { bytes } => {
                let img = content::decode_image(bytes, &left).map_err(series_too_large)?;
                used = used.saturating_add(img.decoded_bytes);
                embed_image(&mut obj, img, &mut ctx.warnings);
            }
            Payload::EncapsulatedJpeg { bytes } => {
                let info = content::jpeg_info(bytes, &left).map_err(series_too_large)?;
                used = used.saturating_add(bytes.len() as u64);
                transfer_syntax = info.transfer_syntax();
                embed_jpeg(&mut obj, bytes, &info, &mut ctx.warnings);
            }
            Payload::Model { bytes, kind } => {
                let warnings =
                    content::check_model(*kind, bytes, &left).map_err(series_too_large)?;
                ctx.warnings.extend(warnings);
                used = used.saturating_add(bytes.len() as u64);
                embed_model(&mut obj, bytes, *kind, &ctx);
            }
            Payload::Empty => {
                if !has(&obj, t::SOP_CLASS_UID) {
                    ctx.warnings.push(
                        "no content and no SOPClassUID: the instance matches no DICOM IOD".into(),
                    );
                }
            }
        }
        if n > 1 {
            put_str(&mut obj, t::INSTANCE_NUMBER, VR::IS, &(i + 1).to_string());
            // what makes Orthanc's ExpectedNumberOfInstances, hence the series Status
            // (src/store/views.rs), as Orthanc's create-dicom sets them on a series
            put_str(&mut obj, t::IMAGES_IN_ACQUISITION, VR::IS, &n.to_string());
            put_str(&mut obj, t::NUMBER_OF_TEMPORAL_POSITIONS, VR::IS, "1");
        } else {
            put_if_absent(&mut obj, t::INSTANCE_NUMBER, VR::IS, "1");
        }
        fill_type2(&mut obj);
        settle_charset(&mut obj, &choices, spec.default_encoding, &mut ctx.warnings)?;
        let file = obj
            .with_meta(
                FileMetaTableBuilder::new()
                    .transfer_syntax(transfer_syntax)
                    .media_storage_sop_class_uid(PLACEHOLDER_SOP_CLASS_UID)
                    .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
                    .implementation_version_name(IMPLEMENTATION_VERSION_NAME),
            )
            .map_err(|e| CreateError::Meta(e.to_string()))?;
        out.push(Created {
            file,
            warnings: std::mem::take(&mut ctx.warnings),
        });
    }
    Ok(out)
}

/// Whether dicom-encoding can write text in this (0008,0005) value.
fn writable_charset(e: &dicom_object::mem::InMemElement) -> bool {
    e.value().to_str().is_ok_and(|v| {
        dicom_encoding::text::SpecificCharacterSet::from_code(v.trim_matches([' ', '\0'])).is_some()
    })
}

/// The SpecificCharacterSet a list of tags asks for (`Some("")`: the default repertoire).
fn requested_charset(ops: &[Op]) -> Option<String> {
    ops.iter()
        .find(|o| o.rt.tag == t::SPECIFIC_CHARACTER_SET && o.rt.target == Target::Standard)
        .and_then(Op::primitive)
        .map(|v| v.to_str().trim().to_string())
}

/// The first text element (in items too) that `encoder` cannot write.
fn first_unencodable(obj: &InMemDicomObject, encoder: &encoding::TextEncoder) -> Option<Tag> {
    use dicom_core::header::Header;
    for e in obj.iter() {
        match e.value() {
            Value::Sequence(seq) => {
                if let Some(tag) = seq
                    .items()
                    .iter()
                    .find_map(|i| first_unencodable(i, encoder))
                {
                    return Some(tag);
                }
            }
            Value::Primitive(v)
                if matches!(
                    e.vr(),
                    VR::SH | VR::LO | VR::ST | VR::LT | VR::UC | VR::UT | VR::PN
                ) && !encoder.fits(&v.to_str()) =>
            {
                return Some(e.tag());
            }
            _ => {}
        }
    }
    None
}

fn charset_of(obj: &InMemDicomObject) -> Option<String> {
    obj.get(t::SPECIFIC_CHARACTER_SET)
        .and_then(|e| e.value().to_str().ok())
        .map(|v| v.trim_matches([' ', '\0']).to_string())
}

/// Make sure every text value can be written in the data set's SpecificCharacterSet.
/// `choices` (None: no element) are tried in order when the character set is not fixed (it is
/// fixed when `choices` is empty: given by the request or the parent, whose value must fit).
fn settle_charset(
    obj: &mut InMemDicomObject,
    choices: &[Option<&str>],
    default: DefaultEncoding,
    warnings: &mut Vec<String>,
) -> Result<(), CreateError> {
    let current = charset_of(obj);
    let Some(tag) = first_unencodable(obj, &encoding::TextEncoder::of(current.as_deref())) else {
        return Ok(());
    };
    let unencodable = |tag: Tag, charset: Option<&str>| CreateError::Unencodable {
        name: keyword_of(tag),
        tag: fmt_tag(tag),
        charset: charset
            .unwrap_or("none: the default repertoire, ASCII")
            .to_string(),
    };
    if choices.is_empty() {
        return Err(unencodable(tag, current.as_deref()));
    }
    for (i, choice) in choices.iter().enumerate() {
        if first_unencodable(obj, &encoding::TextEncoder::of(*choice)).is_some() {
            continue;
        }
        match choice {
            Some(cs) => put_str(obj, t::SPECIFIC_CHARACTER_SET, VR::CS, cs),
            None => {
                obj.remove_element(t::SPECIFIC_CHARACTER_SET);
            }
        }
        if i > 0 {
            warnings.push(format!(
                "{} {} does not fit the default character set (DefaultEncoding {}): SpecificCharacterSet {} written",
                keyword_of(tag),
                fmt_tag(tag),
                default.name(),
                choice.unwrap_or("none")
            ));
        }
        return Ok(());
    }
    Err(unencodable(tag, choices.last().copied().flatten()))
}

/// Type 2 (and Type 1 with a safe default) attributes of the Patient, General Study, General
/// Series and General Equipment modules.
fn fill_type2(obj: &mut InMemDicomObject) {
    for (tag, vr) in [
        (t::PATIENT_NAME, VR::PN),
        (t::PATIENT_BIRTH_DATE, VR::DA),
        (t::PATIENT_SEX, VR::CS),
        (t::STUDY_DATE, VR::DA),
        (t::STUDY_TIME, VR::TM),
        (t::REFERRING_PHYSICIAN_NAME, VR::PN),
        (t::STUDY_ID, VR::SH),
        (t::ACCESSION_NUMBER, VR::SH),
        (t::MANUFACTURER, VR::LO),
    ] {
        put_empty_if_absent(obj, tag, vr);
    }
    put_if_absent(obj, t::SERIES_NUMBER, VR::IS, "1");
}

fn embed_pdf(
    obj: &mut InMemDicomObject,
    bytes: &[u8],
    title: Option<&str>,
    ctx: &Ctx,
    limits: &Limits,
) -> Result<(), ContentError> {
    content::check_pdf(bytes, limits)?;
    let len = u32::try_from(bytes.len()).map_err(|_| ContentError::Corrupt {
        format: "PDF",
        detail: "larger than 4 GiB".into(),
    })?;
    put_if_absent(
        obj,
        t::SOP_CLASS_UID,
        VR::UI,
        uids::ENCAPSULATED_PDF_STORAGE,
    );
    put_if_absent(obj, t::MODALITY, VR::CS, "OT");
    put_if_absent(obj, t::CONVERSION_TYPE, VR::CS, "WSD");
    put_if_absent(obj, t::BURNED_IN_ANNOTATION, VR::CS, "YES");
    let dt = format!("{}{}", date(&ctx.now), time(&ctx.now));
    put_if_absent(obj, t::ACQUISITION_DATE_TIME, VR::DT, &dt);
    if !has(obj, t::DOCUMENT_TITLE) {
        // ST allows 1024 characters; keep the title valid
        let title: String = title.unwrap_or("").chars().take(1024).collect();
        put_str(obj, t::DOCUMENT_TITLE, VR::ST, &title);
    }
    if !has(obj, t::CONCEPT_NAME_CODE_SEQUENCE) {
        obj.put(DataElement::new(
            t::CONCEPT_NAME_CODE_SEQUENCE,
            VR::SQ,
            Value::from(DataSetSequence::<InMemDicomObject>::empty()),
        ));
    }
    put_str(
        obj,
        t::MIME_TYPE_OF_ENCAPSULATED_DOCUMENT,
        VR::LO,
        "application/pdf",
    );
    obj.put(DataElement::new(
        t::ENCAPSULATED_DOCUMENT_LENGTH,
        VR::UL,
        PrimitiveValue::from(len),
    ));
    obj.put(DataElement::new(
        t::ENCAPSULATED_DOCUMENT,
        VR::OB,
        PrimitiveValue::U8(content::pad_even(bytes).into()),
    ));
    Ok(())
}

const PIXEL_TAGS: &[Tag] = &[
    t::SAMPLES_PER_PIXEL,
    t::PHOTOMETRIC_INTERPRETATION,
    t::PLANAR_CONFIGURATION,
    t::ROWS,
    t::COLUMNS,
    t::BITS_ALLOCATED,
    t::BITS_STORED,
    t::HIGH_BIT,
    t::PIXEL_REPRESENTATION,
    t::NUMBER_OF_FRAMES,
    t::PIXEL_DATA,
];

/// The Image Pixel attributes of a created Secondary Capture image.
struct PixelModule {
    samples_per_pixel: u16,
    photometric: &'static str,
    rows: u16,
    columns: u16,
    bits_allocated: u16,
    bits_stored: u16,
    /// LossyImageCompression: "00" or "01".
    lossy: &'static str,
}

/// What every created image gets: the user's pixel tags replaced (with a warning naming
/// `source`), the Secondary Capture defaults the user did not set, and the Image Pixel
/// attributes of `px`; the caller puts the Pixel Data.
fn put_image_module(
    obj: &mut InMemDicomObject,
    px: &PixelModule,
    source: &str,
    warnings: &mut Vec<String>,
) {
    for &tag in PIXEL_TAGS {
        let user_set = tag != t::PIXEL_DATA && obj.remove_element(tag);
        if user_set && tag != t::PHOTOMETRIC_INTERPRETATION {
            warnings.push(format!(
                "{} replaced by the {source}'s value",
                keyword_of(tag)
            ));
        }
    }
    put_if_absent(
        obj,
        t::SOP_CLASS_UID,
        VR::UI,
        uids::SECONDARY_CAPTURE_IMAGE_STORAGE,
    );
    put_if_absent(obj, t::MODALITY, VR::CS, "OT");
    put_if_absent(obj, t::CONVERSION_TYPE, VR::CS, "WSD");
    put_if_absent(obj, t::BURNED_IN_ANNOTATION, VR::CS, "NO");
    put_if_absent(obj, t::LOSSY_IMAGE_COMPRESSION, VR::CS, px.lossy);
    put_empty_if_absent(obj, t::PATIENT_ORIENTATION, VR::CS);
    put_empty_if_absent(obj, t::LATERALITY, VR::CS);
    let us = |obj: &mut InMemDicomObject, tag: Tag, v: u16| {
        obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(v)));
    };
    us(obj, t::SAMPLES_PER_PIXEL, px.samples_per_pixel);
    put_str(obj, t::PHOTOMETRIC_INTERPRETATION, VR::CS, px.photometric);
    if px.samples_per_pixel == 3 {
        us(obj, t::PLANAR_CONFIGURATION, 0);
    }
    us(obj, t::ROWS, px.rows);
    us(obj, t::COLUMNS, px.columns);
    us(obj, t::BITS_ALLOCATED, px.bits_allocated);
    us(obj, t::BITS_STORED, px.bits_stored);
    us(obj, t::HIGH_BIT, px.bits_stored - 1);
    us(obj, t::PIXEL_REPRESENTATION, 0);
}

fn embed_image(obj: &mut InMemDicomObject, img: DecodedImage, warnings: &mut Vec<String>) {
    warnings.extend(img.warnings.iter().cloned());
    let px = PixelModule {
        samples_per_pixel: img.samples_per_pixel,
        photometric: if img.samples_per_pixel == 3 {
            "RGB"
        } else {
            "MONOCHROME2"
        },
        rows: img.rows,
        columns: img.columns,
        bits_allocated: img.bits_allocated,
        bits_stored: img.bits_allocated,
        lossy: if img.kind == ImageKind::Jpeg {
            "01"
        } else {
            "00"
        },
    };
    put_image_module(obj, &px, "image", warnings);
    let value = match img.samples {
        Samples::U8(mut v) => {
            if v.len() % 2 == 1 {
                v.push(0);
            }
            PrimitiveValue::U8(v.into())
        }
        Samples::U16(v) => PrimitiveValue::U16(v.into()),
    };
    obj.put(DataElement::new(t::PIXEL_DATA, VR::OW, value));
}

/// Encapsulated JPEG: the image tags from the frame header, the bytes as the one fragment of
/// the Pixel Data after an empty Basic Offset Table (the form Orthanc writes).
fn embed_jpeg(
    obj: &mut InMemDicomObject,
    bytes: &[u8],
    info: &JpegInfo,
    warnings: &mut Vec<String>,
) {
    use dicom_core::value::PixelFragmentSequence;
    let px = PixelModule {
        samples_per_pixel: info.components,
        photometric: info.photometric,
        rows: info.rows,
        columns: info.columns,
        bits_allocated: if info.precision > 8 { 16 } else { 8 },
        bits_stored: info.precision,
        lossy: "01",
    };
    put_image_module(obj, &px, "JPEG", warnings);
    put_if_absent(
        obj,
        t::LOSSY_IMAGE_COMPRESSION_METHOD,
        VR::CS,
        "ISO_10918_1",
    );
    // a fragment has an even length: a JPEG of odd length gets one trailing 0
    let fragment = content::pad_even(bytes);
    obj.put(DataElement::new(
        t::PIXEL_DATA,
        VR::OB,
        Value::PixelSequence(PixelFragmentSequence::new(vec![], vec![fragment])),
    ));
}

/// The measurement units of a 3D model (Manufacturing 3D Model module, Type 1): millimetres,
/// the unit STL and OBJ files are conventionally written in.
fn millimetre_code() -> InMemDicomObject {
    let mut item = InMemDicomObject::new_empty();
    put_str(&mut item, t::CODE_VALUE, VR::SH, "mm");
    put_str(&mut item, t::CODING_SCHEME_DESIGNATOR, VR::SH, "UCUM");
    put_str(&mut item, t::CODE_MEANING, VR::LO, "mm");
    item
}

/// Encapsulated STL, OBJ or MTL (Orthanc 1.12's SOP classes and Modality M3D), with what the
/// IOD also requires: a Frame of Reference, the Enhanced General Equipment attributes and the
/// model's measurement units.
fn embed_model(obj: &mut InMemDicomObject, bytes: &[u8], kind: ModelKind, ctx: &Ctx) {
    put_if_absent(obj, t::SOP_CLASS_UID, VR::UI, kind.sop_class_uid());
    put_if_absent(obj, t::MODALITY, VR::CS, "M3D");
    let dt = format!("{}{}", date(&ctx.now), time(&ctx.now));
    put_if_absent(obj, t::ACQUISITION_DATE_TIME, VR::DT, &dt);
    put_if_absent(obj, t::BURNED_IN_ANNOTATION, VR::CS, "NO");
    put_empty_if_absent(obj, t::DOCUMENT_TITLE, VR::ST);
    if !has(obj, t::CONCEPT_NAME_CODE_SEQUENCE) {
        obj.put(DataElement::new(
            t::CONCEPT_NAME_CODE_SEQUENCE,
            VR::SQ,
            Value::from(DataSetSequence::<InMemDicomObject>::empty()),
        ));
    }
    if !has(obj, t::FRAME_OF_REFERENCE_UID) {
        put_str(obj, t::FRAME_OF_REFERENCE_UID, VR::UI, &new_uid());
    }
    put_empty_if_absent(obj, t::POSITION_REFERENCE_INDICATOR, VR::LO);
    put_if_absent(obj, t::MANUFACTURER, VR::LO, "dicomq");
    put_if_absent(
        obj,
        t::MANUFACTURER_MODEL_NAME,
        VR::LO,
        "dicomq create-dicom",
    );
    put_if_absent(obj, t::DEVICE_SERIAL_NUMBER, VR::LO, "0");
    put_if_absent(obj, t::SOFTWARE_VERSIONS, VR::LO, env!("CARGO_PKG_VERSION"));
    if !has(obj, t::MEASUREMENT_UNITS_CODE_SEQUENCE) {
        obj.put(DataElement::new(
            t::MEASUREMENT_UNITS_CODE_SEQUENCE,
            VR::SQ,
            Value::from(DataSetSequence::from(vec![millimetre_code()])),
        ));
    }
    put_str(
        obj,
        t::MIME_TYPE_OF_ENCAPSULATED_DOCUMENT,
        VR::LO,
        kind.mime(),
    );
    // the content is within MaximumCreateDicomContentSize (checked), far below 4 GiB
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    obj.put(DataElement::new(
        t::ENCAPSULATED_DOCUMENT_LENGTH,
        VR::UL,
        PrimitiveValue::from(len),
    ));
    obj.put(DataElement::new(
        t::ENCAPSULATED_DOCUMENT,
        VR::OB,
        PrimitiveValue::U8(content::pad_even(bytes).into()),
    ));
}
