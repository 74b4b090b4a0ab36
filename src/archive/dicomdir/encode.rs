//! The directory structure writer: the meta group, the root attributes, and the records in
//! depth-first order with their offsets ((0004,1200), (0004,1202), (0004,1400), (0004,1420)),
//! each the byte position of the `(FFFE,E000)` tag of the item it designates.

use std::io::Write;

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::meta::FileMetaTableBuilder;

use super::charset::{Codec, file_charsets, uses_charset};
use super::{
    DicomDirError, DicomDirWriter, EXPLICIT_VR_LE, IMPLEMENTATION_CLASS_UID,
    IMPLEMENTATION_VERSION_NAME, MEDIA_STORAGE_DIRECTORY_SOP_CLASS, Value,
};

impl DicomDirWriter {
    /// Encodes the DICOMDIR file (preamble, `DICM`, meta group, data set).
    pub fn to_bytes(&self) -> Result<Vec<u8>, DicomDirError> {
        let meta = self.meta_bytes()?;
        let header_len = 128 + 4 + meta.len();

        // Depth-first order of the records, as DCMTK writes them.
        let mut order = Vec::with_capacity(self.records.len());
        let mut stack: Vec<usize> = self.roots.iter().rev().copied().collect();
        while let Some(r) = stack.pop() {
            order.push(r);
            stack.extend(self.records[r].children.iter().rev().copied());
        }

        let charsets = file_charsets(&self.records);
        // Encode every record once with zero offsets to learn its size (offsets are fixed-size).
        let zero = vec![0u64; self.records.len()];
        let mut sizes = vec![0u64; self.records.len()];
        for &r in &order {
            sizes[r] = self
                .encode_record(r, &charsets.records[r], &zero, &zero)?
                .len() as u64;
        }

        let mut root = Vec::new();
        put_text(
            &mut root,
            tags::FILE_SET_ID,
            b"CS",
            &self.file_set_id,
            &Codec::Utf8,
        )?;
        let root_fixed = root.len() as u64 + 12 + 12 + 10 + 12; // 2 UL, 1 US, SQ header
        let mut offsets = vec![0u64; self.records.len()];
        let mut pos = header_len as u64 + root_fixed;
        for &r in &order {
            offsets[r] = pos;
            pos += sizes[r];
        }
        let to_u32 = |v: u64| {
            u32::try_from(v).map_err(|_| DicomDirError::ValueTooLong {
                tag: tags::DIRECTORY_RECORD_SEQUENCE,
                len: usize::try_from(v).unwrap_or(usize::MAX),
            })
        };
        let first = self.roots.first().map_or(0, |&r| offsets[r]);
        let last = self.roots.last().map_or(0, |&r| offsets[r]);

        // next sibling and first child, per record
        let mut next = vec![0u64; self.records.len()];
        let mut lower = vec![0u64; self.records.len()];
        let mut link = |siblings: &[usize]| {
            for w in siblings.windows(2) {
                next[w[0]] = offsets[w[1]];
            }
        };
        link(&self.roots);
        for (i, rec) in self.records.iter().enumerate() {
            link(&rec.children);
            lower[i] = rec.children.first().map_or(0, |&c| offsets[c]);
        }

        let mut out = Vec::with_capacity(usize::try_from(pos + 8).unwrap_or(0));
        out.extend_from_slice(&[0u8; 128]);
        out.extend_from_slice(b"DICM");
        out.extend_from_slice(&meta);
        out.extend_from_slice(&root);
        put_ul(
            &mut out,
            tags::OFFSET_OF_THE_FIRST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
            to_u32(first)?,
        );
        put_ul(
            &mut out,
            tags::OFFSET_OF_THE_LAST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
            to_u32(last)?,
        );
        put_us(&mut out, tags::FILE_SET_CONSISTENCY_FLAG, 0);
        put_tag(&mut out, tags::DIRECTORY_RECORD_SEQUENCE);
        out.extend_from_slice(b"SQ\0\0");
        out.extend_from_slice(&u32::MAX.to_le_bytes());
        for &r in &order {
            debug_assert_eq!(out.len() as u64, offsets[r]);
            let bytes = self.encode_record(r, &charsets.records[r], &next, &lower)?;
            out.extend_from_slice(&bytes);
        }
        put_tag(&mut out, Tag(0xFFFE, 0xE0DD));
        out.extend_from_slice(&0u32.to_le_bytes());
        // Group 0008 follows the record sequence (group 0004): no offset moves.
        if let Some(cs) = &charsets.top {
            put_text(
                &mut out,
                tags::SPECIFIC_CHARACTER_SET,
                b"CS",
                cs,
                &Codec::Utf8,
            )?;
        }
        to_u32(out.len() as u64)?;
        Ok(out)
    }

    /// Writes the DICOMDIR file to `w`.
    pub fn write<W: Write>(&self, w: &mut W) -> Result<(), DicomDirError> {
        w.write_all(&self.to_bytes()?)?;
        Ok(())
    }

    fn meta_bytes(&self) -> Result<Vec<u8>, DicomDirError> {
        let uid = self
            .media_sop_instance_uid
            .clone()
            .unwrap_or_else(|| format!("2.25.{}", uuid::Uuid::new_v4().as_u128()));
        let meta = FileMetaTableBuilder::new()
            .media_storage_sop_class_uid(MEDIA_STORAGE_DIRECTORY_SOP_CLASS)
            .media_storage_sop_instance_uid(uid)
            .transfer_syntax(EXPLICIT_VR_LE)
            .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
            .implementation_version_name(IMPLEMENTATION_VERSION_NAME)
            .build()
            .map_err(|e| DicomDirError::Meta(e.to_string()))?;
        let mut out = Vec::new();
        meta.write(&mut out)
            .map_err(|e| DicomDirError::Meta(e.to_string()))?;
        Ok(out)
    }

    /// One item: header, record attributes (text in `charset`), item delimiter.
    fn encode_record(
        &self,
        r: usize,
        (charset, codec): &(Option<String>, Codec),
        next: &[u64],
        lower: &[u64],
    ) -> Result<Vec<u8>, DicomDirError> {
        let rec = &self.records[r];
        let to_u32 = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        let mut out = Vec::with_capacity(256);
        put_tag(&mut out, Tag(0xFFFE, 0xE000));
        out.extend_from_slice(&u32::MAX.to_le_bytes());
        put_ul(
            &mut out,
            tags::OFFSET_OF_THE_NEXT_DIRECTORY_RECORD,
            to_u32(next[r]),
        );
        put_us(&mut out, tags::RECORD_IN_USE_FLAG, 0xFFFF);
        put_ul(
            &mut out,
            tags::OFFSET_OF_REFERENCED_LOWER_LEVEL_DIRECTORY_ENTITY,
            to_u32(lower[r]),
        );
        put_text(
            &mut out,
            tags::DIRECTORY_RECORD_TYPE,
            b"CS",
            rec.level.record_type(),
            &Codec::Utf8,
        )?;
        let mut scs_written = charset.is_none();
        for e in &rec.elements {
            if !scs_written && e.tag > tags::SPECIFIC_CHARACTER_SET {
                if let Some(cs) = &charset {
                    put_text(
                        &mut out,
                        tags::SPECIFIC_CHARACTER_SET,
                        b"CS",
                        cs,
                        &Codec::Utf8,
                    )?;
                }
                scs_written = true;
            }
            let Value::Text(v) = &e.value;
            let c = if uses_charset(&e.vr) {
                codec
            } else {
                &Codec::Utf8
            };
            put_text(&mut out, e.tag, &e.vr, v, c)?;
        }
        if !scs_written {
            if let Some(cs) = &charset {
                put_text(
                    &mut out,
                    tags::SPECIFIC_CHARACTER_SET,
                    b"CS",
                    cs,
                    &Codec::Utf8,
                )?;
            }
        }
        put_tag(&mut out, Tag(0xFFFE, 0xE00D));
        out.extend_from_slice(&0u32.to_le_bytes());
        Ok(out)
    }
}

fn put_tag(out: &mut Vec<u8>, tag: Tag) {
    out.extend_from_slice(&tag.group().to_le_bytes());
    out.extend_from_slice(&tag.element().to_le_bytes());
}

fn put_ul(out: &mut Vec<u8>, tag: Tag, v: u32) {
    put_tag(out, tag);
    out.extend_from_slice(b"UL");
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_us(out: &mut Vec<u8>, tag: Tag, v: u16) {
    put_tag(out, tag);
    out.extend_from_slice(b"US");
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&v.to_le_bytes());
}

/// A short-form explicit VR element with text, padded to even length.
fn put_text(
    out: &mut Vec<u8>,
    tag: Tag,
    vr: &[u8; 2],
    value: &str,
    codec: &Codec,
) -> Result<(), DicomDirError> {
    let mut bytes = codec
        .encode(value)
        .unwrap_or_else(|| value.as_bytes().to_vec());
    if bytes.len() % 2 == 1 {
        bytes.push(if vr == b"UI" { 0 } else { b' ' });
    }
    let len = u16::try_from(bytes.len())
        .ok()
        .filter(|&l| l < u16::MAX)
        .ok_or(DicomDirError::ValueTooLong {
            tag,
            len: bytes.len(),
        })?;
    put_tag(out, tag);
    out.extend_from_slice(vr);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&bytes);
    Ok(())
}
