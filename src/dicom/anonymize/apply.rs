//! The walk that applies a profile table to a data set and its sequences.
//!
//! The combined actions (X/Z, X/D, Z/D, X/Z/D, X/Z/U*) ask for the first of their actions that
//! keeps the IOD valid, which depends on the attribute's Type in the IOD at hand. dicomq keeps
//! no table of Types per IOD, so it takes the action that is valid in every IOD, with one
//! refinement from the source itself: an attribute that is present but empty cannot be Type 1
//! there, so X/D removes it and Z/D, X/Z/D leave it empty. In full:
//! - X/Z → Z (emptied);
//! - X/D → D, or X when the source value is empty;
//! - Z/D and X/Z/D → D, or Z when the source value is empty;
//! - X/Z/U* → the sequence is kept and its items de-identified (the UIDs they hold are U in
//!   the table, so they are replaced); a non-sequence element is emptied;
//! - D on a sequence empties it: no dummy item can be made up for a template we do not know,
//!   and keeping the items would keep what the table does not list (the free text of an SR's
//!   Content Sequence, which is D). This is the one place validity may suffer: an SR whose
//!   Content Sequence is Type 1C loses its tree, as Orthanc's does. D on a UID replaces it
//!   as U does; D on UN empties it (no dummy value can be encoded without the VR).
//!
//! Orthanc removes every X/… attribute and empties D ones, which can leave a Type 1 or 2
//! attribute missing or empty; the choices above keep a valid source valid.
//!
//! Outside the table: private attributes (odd groups) are removed, or kept and walked; group
//! lengths (gggg,0000) are removed (retired in data sets, and stale once anything goes).

use std::borrow::Cow;

use dicom_core::header::{HasLength, Header};
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileDicomObject, InMemDicomObject};

use super::table::{Action, Table};
use super::values::{dummy, empty};
use super::{AnonymizeError, BASIC_PROFILE_CODE, Options, Profile};
use crate::dicom::scan::MAX_SEQUENCE_DEPTH;

/// Maps a UID of the source to its replacement; the caller keeps it consistent within a job.
pub type UidMap<'a> = dyn FnMut(&str) -> String + 'a;

/// De-identify `obj` by `profile`: every attribute of the table, at every depth, gets its
/// action; private attributes are removed unless `opts.keep_private_tags`; `opts.keep` tags
/// are not touched; every replaced UID goes through `uid_map`. Then (0012,0062)
/// PatientIdentityRemoved, (0012,0063) DeidentificationMethod and (0012,0064)
/// DeidentificationMethodCodeSequence are written, as PS3.15 E.1.1 asks. On error `obj` is
/// untouched.
pub fn apply(
    obj: &mut InMemDicomObject,
    profile: Profile,
    opts: &Options,
    uid_map: &mut UidMap<'_>,
) -> Result<(), AnonymizeError> {
    let table = profile
        .table()
        .ok_or(AnonymizeError::ProfileUnavailable(profile))?;
    if nesting_depth(obj, 0) > MAX_SEQUENCE_DEPTH {
        return Err(AnonymizeError::TooDeep {
            limit: MAX_SEQUENCE_DEPTH,
        });
    }
    let mut walk = Walk {
        table,
        opts,
        uid_map,
    };
    walk.data_set(obj);
    mark(obj, &table, opts);
    Ok(())
}

/// [`apply`] to a file's data set, and its meta group's MediaStorageSOPInstanceUID set to the
/// new SOPInstanceUID (PS3.10 wants them equal; the table's U on (0002,0003) means this).
pub fn apply_file(
    file: &mut FileDicomObject<InMemDicomObject>,
    profile: Profile,
    opts: &Options,
    uid_map: &mut UidMap<'_>,
) -> Result<(), AnonymizeError> {
    apply(file, profile, opts, uid_map)?;
    let sop = file
        .get(tags::SOP_INSTANCE_UID)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string());
    if let Some(sop) = sop {
        let meta = file.meta_mut();
        meta.media_storage_sop_instance_uid = sop;
        // The new UID's length changes the group's; a stale length hides the data set's start.
        meta.update_information_group_length();
    }
    Ok(())
}

/// The deepest sequence nesting of `obj`, stopping once past the limit.
fn nesting_depth(obj: &InMemDicomObject, depth: usize) -> usize {
    if depth > MAX_SEQUENCE_DEPTH {
        return depth;
    }
    obj.iter()
        .filter_map(|e| e.items())
        .flat_map(|items| items.iter())
        .map(|item| nesting_depth(item, depth + 1))
        .max()
        .unwrap_or(depth)
}

/// What happens to one element once its action is resolved.
enum Step {
    Keep,
    Remove,
    Empty,
    Dummy,
    MapUids,
    /// Keep the sequence and de-identify its items.
    Items,
}

struct Walk<'a, 'm> {
    table: Table,
    opts: &'a Options,
    uid_map: &'a mut UidMap<'m>,
}

impl Walk<'_, '_> {
    fn data_set(&mut self, obj: &mut InMemDicomObject) {
        let tags: Vec<Tag> = obj.tags().collect();
        for tag in tags {
            if self.opts.keep.contains(&tag) {
                continue;
            }
            let Some(element) = obj.take(tag) else {
                continue;
            };
            if let Some(element) = self.element(element) {
                obj.put(element);
            }
        }
    }

    /// The element as it is to be written back, `None` to remove it.
    fn element(
        &mut self,
        mut element: DataElement<InMemDicomObject>,
    ) -> Option<DataElement<InMemDicomObject>> {
        let tag = element.tag();
        let vr = element.vr();
        let step = if tag.element() == 0 {
            // Group lengths: retired in data sets (PS3.5 7.2) and stale once anything is removed.
            Step::Remove
        } else if tag.group() % 2 == 1 {
            if self.opts.keep_private_tags {
                Step::Items
            } else {
                Step::Remove
            }
        } else {
            match self.table.action(tag) {
                None => Step::Items,
                Some(action) => resolve(action, vr, is_empty(&element)),
            }
        };
        match step {
            Step::Keep => Some(element),
            Step::Remove => None,
            Step::Empty => Some(empty(tag, vr)),
            Step::Dummy => Some(match dummy(vr) {
                Some(value) => DataElement::new(tag, vr, value),
                None => empty(tag, vr),
            }),
            Step::MapUids => Some(self.map_uids(element)),
            Step::Items => {
                if let Some(items) = element.items_mut() {
                    for item in items.iter_mut() {
                        self.data_set(item);
                    }
                }
                Some(element)
            }
        }
    }

    fn map_uids(
        &mut self,
        element: DataElement<InMemDicomObject>,
    ) -> DataElement<InMemDicomObject> {
        let (tag, vr) = (element.tag(), element.vr());
        let Some(values) = uid_values(element.value()) else {
            return empty(tag, vr);
        };
        let mapped: Vec<String> = values
            .iter()
            .map(|v| v.trim_matches(['\0', ' ']))
            .map(|v| {
                if v.is_empty() {
                    String::new()
                } else {
                    (self.uid_map)(v)
                }
            })
            .collect();
        if mapped.iter().all(String::is_empty) {
            return empty(tag, vr);
        }
        if vr == VR::UN {
            // Still UN, as the source sent it: the text's bytes, padded to an even length.
            let mut bytes = mapped.join("\\").into_bytes();
            if bytes.len() % 2 == 1 {
                bytes.push(0);
            }
            return DataElement::new(tag, vr, PrimitiveValue::U8(bytes.into()));
        }
        DataElement::new(tag, vr, PrimitiveValue::Strs(mapped.into()))
    }
}

/// The UIDs a value holds: its strings, or for UN (a UID whose VR the sender did not give)
/// its bytes read as text; `None` when they are not text.
fn uid_values(value: &Value<InMemDicomObject>) -> Option<Vec<String>> {
    match value {
        Value::Primitive(PrimitiveValue::U8(bytes)) => std::str::from_utf8(bytes)
            .ok()
            .map(|text| text.split('\\').map(str::to_string).collect()),
        Value::Primitive(p @ (PrimitiveValue::Str(_) | PrimitiveValue::Strs(_))) => {
            Some(p.to_multi_str().into_owned())
        }
        _ => None,
    }
}

/// The step for `action` on an element of `vr` whose source value is empty or not (see the
/// module documentation for why).
fn resolve(action: Action, vr: VR, source_empty: bool) -> Step {
    let dummy = || match vr {
        VR::SQ => Step::Empty,
        VR::UI => Step::MapUids,
        VR::UN => Step::Empty,
        _ => Step::Dummy,
    };
    match action {
        Action::Remove => Step::Remove,
        Action::Zero | Action::RemoveOrZero => Step::Empty,
        Action::Dummy => dummy(),
        Action::ReplaceUid => match vr {
            VR::SQ => Step::Items,
            _ => Step::MapUids,
        },
        Action::RemoveOrDummy if source_empty => Step::Remove,
        Action::ZeroOrDummy | Action::RemoveOrZeroOrDummy if source_empty => Step::Empty,
        Action::RemoveOrDummy | Action::ZeroOrDummy | Action::RemoveOrZeroOrDummy => dummy(),
        Action::RemoveOrZeroOrReplaceUids => match vr {
            VR::SQ => Step::Items,
            VR::UI => Step::MapUids,
            _ => Step::Empty,
        },
    }
    .or_keep_empty(source_empty)
}

impl Step {
    /// An already empty value stays as it is rather than being rewritten.
    fn or_keep_empty(self, source_empty: bool) -> Step {
        match self {
            Step::Empty if source_empty => Step::Keep,
            step => step,
        }
    }
}

fn is_empty(element: &DataElement<InMemDicomObject>) -> bool {
    match element.value() {
        Value::Primitive(p) => p.is_empty() || p.to_str().trim().is_empty(),
        Value::Sequence(s) => s.items().is_empty(),
        Value::PixelSequence(_) => false,
    }
}

/// PatientIdentityRemoved, DeidentificationMethod and its code, each unless kept. A method or
/// code already there (an earlier de-identification) is kept and ours added after it.
fn mark(obj: &mut InMemDicomObject, table: &Table, opts: &Options) {
    let kept = |tag: Tag| opts.keep.contains(&tag);
    if !kept(tags::PATIENT_IDENTITY_REMOVED) {
        obj.put(DataElement::new(
            tags::PATIENT_IDENTITY_REMOVED,
            VR::CS,
            PrimitiveValue::from("YES"),
        ));
    }
    if !kept(tags::DEIDENTIFICATION_METHOD) {
        let ours = format!(
            "dicomq - PS 3.15-{} Table E.1-1 Basic Profile",
            table.edition
        );
        let mut methods: Vec<String> = obj
            .get(tags::DEIDENTIFICATION_METHOD)
            .and_then(|e| e.value().to_multi_str().ok().map(Cow::into_owned))
            .unwrap_or_default()
            .into_iter()
            .filter(|m| !m.trim().is_empty())
            .collect();
        methods.push(ours);
        obj.put(DataElement::new(
            tags::DEIDENTIFICATION_METHOD,
            VR::LO,
            PrimitiveValue::Strs(methods.into()),
        ));
    }
    if !kept(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE) {
        let (value, scheme, meaning) = BASIC_PROFILE_CODE;
        let code = InMemDicomObject::from_element_iter([
            DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from(value)),
            DataElement::new(
                tags::CODING_SCHEME_DESIGNATOR,
                VR::SH,
                PrimitiveValue::from(scheme),
            ),
            DataElement::new(tags::CODE_MEANING, VR::LO, PrimitiveValue::from(meaning)),
        ]);
        let mut items: Vec<InMemDicomObject> = obj
            .get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
            .and_then(|e| e.items())
            .map(|items| items.to_vec())
            .unwrap_or_default();
        let already = items.iter().any(|i| {
            i.get(tags::CODE_VALUE)
                .and_then(|e| e.to_str().ok())
                .is_some_and(|v| v.trim() == value)
        });
        if !already {
            items.push(code);
        }
        obj.put(DataElement::new(
            tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
            VR::SQ,
            Value::Sequence(items.into()),
        ));
    }
}
