//! create-dicom on the Node: resolve the parent, build the instances, store them all or none,
//! and answer as Orthanc does.

use dicom_core::header::HasLength;
use dicom_dictionary_std::tags;
use serde::{Deserialize, Serialize};

use super::Node;
use std::sync::atomic::Ordering;

use crate::dicom::create::{self, CreateSpec, DefaultEncoding, Limits, ParentContext, ParentLevel};
use crate::error::{Error, Result};
use crate::store::header::{open_full, open_header};
use crate::store::ids::Level;
use crate::store::import::{ImportItem, ImportSource, ImportStatus, NOT_STORED_WITH_OTHERS};

pub struct CreateRequest {
    pub spec: CreateSpec,
    pub parent: Option<String>,
    /// Store the result (false with `--no-store`).
    pub store: bool,
    /// Answer with the files' bytes too (for `-o`); without it nothing is copied back.
    pub return_files: bool,
}

/// Orthanc's answer to `POST /tools/create-dicom`, plus the file bytes for `-o`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAnswer {
    #[serde(rename = "ID")]
    pub id: String,
    pub parent_patient: String,
    pub parent_series: String,
    pub parent_study: String,
    pub path: String,
    pub status: String,
    #[serde(skip)]
    pub bytes: Vec<u8>,
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// About the encoded size of a new instance: its pixel data or document plus room for the
/// other attributes, so the encoder writes into one buffer instead of doubling it (copies of
/// megabytes, and fresh pages each time).
fn encoded_size_hint(obj: &dicom_object::FileDicomObject<dicom_object::InMemDicomObject>) -> usize {
    let bulk = [tags::PIXEL_DATA, tags::ENCAPSULATED_DOCUMENT]
        .into_iter()
        .filter_map(|t| obj.get(t))
        .filter_map(|e| e.value().length().get())
        .map(|n| n as usize)
        .sum::<usize>();
    bulk + (64 << 10)
}

/// The index of `e` in `DefaultEncoding::ALL` (how the Node holds the setting).
pub(super) fn encoding_index(e: DefaultEncoding) -> usize {
    DefaultEncoding::ALL
        .iter()
        .position(|x| *x == e)
        .unwrap_or_default()
}

impl Node {
    /// create-dicom's current `DefaultEncoding`.
    pub fn default_encoding(&self) -> DefaultEncoding {
        let i = self.default_encoding.load(Ordering::Relaxed);
        DefaultEncoding::ALL.get(i).copied().unwrap_or_default()
    }

    /// Changes `DefaultEncoding` until the process ends (as Orthanc, not persisted).
    pub fn set_default_encoding(&self, e: DefaultEncoding) {
        self.default_encoding
            .store(encoding_index(e), Ordering::Relaxed);
    }

    pub fn create_dicom(&self, mut req: CreateRequest) -> Result<Vec<CreateAnswer>> {
        req.spec.default_encoding = self.default_encoding();
        let store = &self.store;
        // The parent is checked before anything is built or written.
        let parent = match &req.parent {
            None => None,
            Some(p) => {
                let (level, id) = store.resolve(p).map_err(|e| match e {
                    Error::NotFound { .. } => Error::Invalid(format!(
                        "parent {p}: no patient, study or series has this ID"
                    )),
                    other => other,
                })?;
                let plevel = match level {
                    Level::Patient => ParentLevel::Patient,
                    Level::Study => ParentLevel::Study,
                    Level::Series => ParentLevel::Series,
                    Level::Instance => {
                        return Err(Error::Invalid(format!(
                            "parent {id} is an instance; it must be a series, study or patient"
                        )));
                    }
                };
                let sample = store.first_instance_under(level, &id)?;
                let (path, file) = store.open_instance(&sample)?;
                let obj = open_header(std::io::BufReader::new(file))
                    .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
                Some((plevel, obj))
            }
        };
        let ctx = parent.as_ref().map(|(level, obj)| ParentContext {
            level: *level,
            sample: obj,
        });
        let created = create::build(
            &req.spec,
            ctx,
            &self.config().dictionary,
            &Limits {
                max_content_bytes: self.config().max_create_dicom_content_size,
            },
            chrono::Utc::now(),
        )
        .map_err(|e| Error::Invalid(e.to_string()))?;
        let mut answers = Vec::with_capacity(created.len());
        let mut items = Vec::with_capacity(created.len());
        for (i, c) in created.into_iter().enumerate() {
            let mut bytes = Vec::with_capacity(encoded_size_hint(&c.file));
            c.file
                .write_all(&mut bytes)
                .map_err(|e| Error::Internal(format!("encode DICOM: {e}")))?;
            let header = crate::store::header::summarize(&c.file)
                .map_err(|e| Error::Internal(format!("created instance: {e}")))?;
            answers.push(CreateAnswer {
                path: format!("/instances/{}", header.ids.instance),
                id: header.ids.instance.clone(),
                parent_patient: header.ids.patient.clone(),
                parent_series: header.ids.series.clone(),
                parent_study: header.ids.study.clone(),
                status: "Success".into(),
                bytes: if req.return_files {
                    bytes.clone()
                } else {
                    Vec::new()
                },
                warnings: c.warnings,
            });
            items.push(ImportItem::new(
                format!("created instance {}", i + 1),
                ImportSource::Bytes(bytes),
            ));
        }
        if req.store {
            // All or nothing: one commit for the whole series.
            let results = store.import_together(items)?;
            let failed: Vec<String> = results
                .iter()
                .filter(|r| r.status == ImportStatus::Error)
                .filter_map(|r| r.error.clone())
                .filter(|e| e != NOT_STORED_WITH_OTHERS)
                .collect();
            if results.iter().any(|r| r.status == ImportStatus::Error) {
                return Err(Error::Invalid(format!(
                    "cannot store the new instance: {}",
                    failed.join("; ")
                )));
            }
            for (a, r) in answers.iter_mut().zip(results) {
                if r.status == ImportStatus::AlreadyStored {
                    a.status = "AlreadyStored".into();
                }
            }
        }
        Ok(answers)
    }

    /// The PDF embedded in an instance, byte for byte.
    pub fn pdf_of(&self, id: &str) -> Result<Vec<u8>> {
        let store = &self.store;
        let (level, id) = store.resolve(id)?;
        if level != Level::Instance {
            return Err(Error::Invalid(format!(
                "{id} is a {}: pdf needs an instance",
                level.name().to_lowercase()
            )));
        }
        let (path, file) = store.open_instance(&id)?;
        let obj = open_full(std::io::BufReader::new(file))
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
        let doc = obj
            .element_opt(tags::ENCAPSULATED_DOCUMENT)
            .ok()
            .flatten()
            .ok_or_else(|| Error::Invalid(format!("instance {id} holds no encapsulated PDF")))?;
        let mut bytes = doc
            .value()
            .to_bytes()
            .map_err(|e| Error::Invalid(format!("instance {id}: {e}")))?
            .into_owned();
        let declared = obj
            .element_opt(tags::ENCAPSULATED_DOCUMENT_LENGTH)
            .ok()
            .flatten()
            .and_then(|e| e.value().to_int::<u64>().ok());
        match declared {
            Some(len) if (len as usize) <= bytes.len() => bytes.truncate(len as usize),
            // Without the length, drop the one pad byte of an odd-length document (as Orthanc).
            _ if bytes.last() == Some(&0) && !bytes.ends_with(b"%%EOF") => {
                bytes.pop();
            }
            _ => {}
        }
        Ok(bytes)
    }
}
