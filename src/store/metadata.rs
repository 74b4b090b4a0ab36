//! Orthanc's metadata of a resource (`GET /{level}/{id}/metadata`): what an importer attached
//! (`Origin`, `RemoteAET`, `ModifiedFrom`, `AnonymizedFrom`, ...), kept in the record, and what
//! the record already says (`ReceptionDate`, `LastUpdate`, `IndexInSeries`, `TransferSyntax`,
//! `SopClassUid`), derived when asked.

use std::collections::BTreeMap;

use super::ids::Level;
use super::index::ResourceRecord;

/// Metadata an importer attaches: to the instance, and to each parent the import creates (a
/// parent that already exists keeps its own). Not read from the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attached(pub Vec<(Level, String, String)>);

impl Attached {
    pub fn new() -> Self {
        Attached::default()
    }

    /// `name` = `value` on the resource of `level`.
    pub fn with(mut self, level: Level, name: &str, value: &str) -> Self {
        self.0.push((level, name.to_string(), value.to_string()));
        self
    }

    /// What goes on the resource of `level`.
    pub fn at(&self, level: Level) -> BTreeMap<String, String> {
        self.0
            .iter()
            .filter(|(l, _, _)| *l == level)
            .map(|(_, n, v)| (n.clone(), v.clone()))
            .collect()
    }
}

/// Orthanc's `Origin` values dicomq sets.
pub mod origin {
    pub const REST_API: &str = "RestApi";
    pub const DICOM_PROTOCOL: &str = "DicomProtocol";
}

/// Every metadata of a resource, stored and derived, by name.
pub fn of_record(level: Level, rec: &ResourceRecord) -> BTreeMap<String, String> {
    let mut all = rec.metadata.clone();
    if level == Level::Instance {
        all.insert("ReceptionDate".into(), rec.last_update.clone());
        if let Some(i) = rec.index_in_series {
            all.insert("IndexInSeries".into(), i.to_string());
        }
        if let Some(f) = &rec.file {
            all.insert("TransferSyntax".into(), f.transfer_syntax.clone());
            all.insert("SopClassUid".into(), f.sop_class.clone());
        }
    } else {
        all.insert("LastUpdate".into(), rec.last_update.clone());
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attached_goes_by_level() {
        let a = Attached::new()
            .with(Level::Instance, "ModifiedFrom", "i")
            .with(Level::Series, "ModifiedFrom", "s");
        assert_eq!(a.at(Level::Instance)["ModifiedFrom"], "i");
        assert_eq!(a.at(Level::Series)["ModifiedFrom"], "s");
        assert!(a.at(Level::Study).is_empty());
    }
}
