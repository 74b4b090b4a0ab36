//! The values Z and D write: an empty value, or a dummy one that is valid for the VR.
//!
//! PS3.15 E.1.1 asks of D only "a non-zero length value that may be a dummy value and
//! consistent with the VR"; it names no values. Ours are the smallest values every validator
//! accepts for the VR (a date of 1900-01-01, a time of midnight, zero for numbers, the word
//! `ANONYMIZED` for text), so no date, name or number of the source survives.

use dicom_core::smallvec::smallvec;
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Tag, VR};
use dicom_object::InMemDicomObject;

/// Text written for D in text VRs (10 characters: fits SH, CS and AE's 16).
pub const DUMMY_TEXT: &str = "ANONYMIZED";

/// A zero-length element of the same tag and VR (an empty sequence for SQ).
pub fn empty(tag: Tag, vr: VR) -> DataElement<InMemDicomObject> {
    if vr == VR::SQ {
        let items: Vec<InMemDicomObject> = Vec::new();
        return DataElement::new(tag, vr, Value::Sequence(DataSetSequence::from(items)));
    }
    DataElement::new(tag, vr, PrimitiveValue::Empty)
}

/// The dummy value for `vr`, or `None` where no value of the VR can be made up (SQ, UN: the
/// caller decides; see `apply.rs`).
pub fn dummy(vr: VR) -> Option<PrimitiveValue> {
    let text = |s: &str| Some(PrimitiveValue::from(s));
    match vr {
        VR::DA => text("19000101"),
        VR::TM => text("000000"),
        VR::DT => text("19000101000000"),
        VR::AS => text("000D"),
        VR::IS | VR::DS => text("0"),
        VR::PN => text("ANONYMIZED^"),
        VR::AE | VR::CS | VR::LO | VR::LT | VR::SH | VR::ST | VR::UC | VR::UT => text(DUMMY_TEXT),
        // A URI that points nowhere (RFC 6761 reserves `.invalid`).
        VR::UR => text("http://anonymized.invalid/"),
        VR::US => Some(PrimitiveValue::U16(smallvec![0])),
        VR::SS => Some(PrimitiveValue::I16(smallvec![0])),
        VR::UL => Some(PrimitiveValue::U32(smallvec![0])),
        VR::SL => Some(PrimitiveValue::I32(smallvec![0])),
        VR::UV => Some(PrimitiveValue::U64(smallvec![0])),
        VR::SV => Some(PrimitiveValue::I64(smallvec![0])),
        VR::FL => Some(PrimitiveValue::F32(smallvec![0.0])),
        VR::FD => Some(PrimitiveValue::F64(smallvec![0.0])),
        VR::AT => Some(PrimitiveValue::Tags(smallvec![Tag(0, 0)])),
        VR::OB => Some(PrimitiveValue::U8(smallvec![0, 0])),
        VR::OW => Some(PrimitiveValue::U16(smallvec![0])),
        VR::OL => Some(PrimitiveValue::U32(smallvec![0])),
        VR::OV => Some(PrimitiveValue::U64(smallvec![0])),
        VR::OF => Some(PrimitiveValue::F32(smallvec![0.0])),
        VR::OD => Some(PrimitiveValue::F64(smallvec![0.0])),
        VR::UI | VR::SQ | VR::UN => None,
    }
}
