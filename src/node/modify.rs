//! `POST /instances/{id}/{modify,anonymize}` on the Node: one instance modified and answered, nothing
//! stored (the resource levels are `ResourceModification` jobs, `jobs/kinds/modify.rs`).

use super::Node;
use crate::dicom::modify::{self, Modification, ModifyRequest, SourceUids, UidMap};
use crate::error::{Error, Result};
use crate::store::ids::Level;

impl Node {
    /// The modified file of instance `id` (full ID). As in Orthanc, its SOPInstanceUID is
    /// renewed (unless kept or replaced), and to a new value at every call; with a replaced
    /// PatientID, StudyInstanceUID or SeriesInstanceUID, the UIDs of the levels below are too.
    pub fn modify_instance(&self, id: &str, request: &ModifyRequest) -> Result<Vec<u8>> {
        // Orthanc's level for one instance: replacing PatientID makes it a new patient's (new
        // study and series UIDs too), and so on down.
        let modification = Modification::new(request, Modification::detected_level(request))
            .map_err(|e| Error::Invalid(e.to_string()))?;
        let bytes = self.instance_bytes(id)?;
        let mut file = crate::store::header::open_full(std::io::Cursor::new(bytes))
            .map_err(|e| Error::Invalid(format!("instance {id}: {e}")))?;
        let mut sources = SourceUids::default();
        if let Some(sop) =
            crate::store::header::string_of(&file, dicom_dictionary_std::tags::SOP_INSTANCE_UID)
        {
            sources.insert(Level::Instance, &sop);
        }
        // No job to derive from: a fresh key gives fresh UIDs, as Orthanc's random ones, unless
        // a consistent anonymization asks for the data home's secret.
        let consistent = request.anonymize.as_ref().is_some_and(|a| a.consistent);
        let key = if consistent {
            modify::key::load_or_create(&self.anonymization_key)?
        } else {
            uuid::Uuid::new_v4().to_string()
        };
        let uids = UidMap::new(&key, sources);
        let failed = |e: modify::ModifyError| Error::Invalid(format!("instance {id}: {e}"));
        modification.apply_file(&mut file, &uids).map_err(failed)?;
        modify::write_file(&file).map_err(failed)
    }
}
