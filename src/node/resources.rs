//! The Node's resource operations: import, list, show, tags, remove, an instance's bytes. IDs
//! are looked up here, once, for every adapter (prefixes for the CLI, exact IDs for REST).

use serde::{Deserialize, Serialize};

use super::Node;
use crate::error::{Error, Result};
use crate::store::ids::Level;
use crate::store::import::{ImportItem, ImportResult};
use crate::store::views::{RemovedView, ResourceView};

/// A page of the changes log, as Orthanc's `GET /changes` answers it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ChangesPage {
    pub changes: Vec<crate::store::index::Change>,
    /// Whether the page reaches the end of the log.
    pub done: bool,
    /// The `Seq` to pass as `since` for the next page.
    pub last: u64,
}

/// The most changes one page may hold.
pub const MAX_CHANGES_PER_PAGE: usize = 10_000;

/// `ls`: the resources of a level, below a parent (an ID or a prefix) when given.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ListRequest {
    pub level: Level,
    pub parent: Option<String>,
}

impl Node {
    /// Imports files and bytes, calling `each` with every result as it comes.
    pub fn import(
        &self,
        items: Vec<ImportItem>,
        each: &mut dyn FnMut(&ImportResult),
    ) -> Result<Vec<ImportResult>> {
        self.store.import(items, each)
    }

    pub fn list(&self, req: &ListRequest) -> Result<Vec<ResourceView>> {
        let parent = req
            .parent
            .as_deref()
            .map(|p| self.store.resolve(p))
            .transpose()?;
        self.store.list(req.level, parent)
    }

    /// The resource an ID or a prefix names, at whatever level it is.
    pub fn show(&self, id: &str) -> Result<ResourceView> {
        let (level, id) = self.store.resolve(id)?;
        self.store.view(level, &id)
    }

    /// Removes the resource an ID or a prefix names; answers its full ID and what went.
    pub fn remove(&self, id: &str) -> Result<(String, RemovedView)> {
        let (level, id) = self.store.resolve(id)?;
        let removed = self.store.remove(level, &id)?;
        Ok((id, removed))
    }

    /// Whether `id` is exactly a resource of this level (REST takes full IDs, not prefixes).
    pub fn contains(&self, level: Level, id: &str) -> Result<bool> {
        if id.len() != 44 {
            return Ok(false);
        }
        self.store.index().contains(level, id)
    }

    /// The level of the resource whose full ID is `id`, if any.
    pub fn level_of(&self, id: &str) -> Result<Option<Level>> {
        for level in Level::ALL {
            if self.contains(level, id)? {
                return Ok(Some(level));
            }
        }
        Ok(None)
    }

    /// The changes after `since`, at most `limit` (1..=`MAX_CHANGES_PER_PAGE`). `Last` is the
    /// last one returned, or when none is, the last change ever logged (Orthanc's answer).
    pub fn changes(&self, since: u64, limit: usize) -> Result<ChangesPage> {
        if limit == 0 || limit > MAX_CHANGES_PER_PAGE {
            return Err(Error::Invalid(format!(
                "limit must be between 1 and {MAX_CHANGES_PER_PAGE}, not {limit}"
            )));
        }
        self.jobs.flush_events();
        let (changes, done) = self.store.index().changes(since, limit)?;
        let last = match changes.last() {
            Some(c) => c.seq,
            None => self.store.index().statistics()?.last_change,
        };
        Ok(ChangesPage {
            changes,
            done,
            last,
        })
    }

    /// Orthanc's `GET /changes?last`: the last change only.
    pub fn last_change(&self) -> Result<ChangesPage> {
        self.jobs.flush_events();
        let last = self.store.index().last_change()?;
        Ok(ChangesPage {
            last: last.as_ref().map_or(0, |c| c.seq),
            changes: last.into_iter().collect(),
            done: true,
        })
    }

    /// Empties the changes log (Orthanc's `DELETE /changes`).
    pub fn clear_changes(&self) -> Result<()> {
        self.store.index().clear_changes()
    }

    /// Counts and sizes of the whole store (Orthanc's `/statistics`).
    pub fn statistics(&self) -> Result<crate::store::index::Statistics> {
        // LastChange counts the job events still queued too.
        self.jobs.flush_events();
        self.store.index().statistics()
    }

    /// Orthanc's `/tools/find`: the IDs matching `q`, in insertion order.
    pub fn find(&self, q: &crate::store::find::FindQuery) -> Result<Vec<String>> {
        self.store.find(q)
    }

    /// Orthanc's `/tools/lookup`: resources by a DICOM identifier.
    pub fn lookup(&self, value: &str) -> Result<Vec<(Level, String)>> {
        self.store.lookup(value)
    }

    /// A main tag's value for a found resource (Orthanc's `RequestedTags`).
    pub fn requested_tag(&self, level: Level, id: &str, name: &str) -> Result<Option<String>> {
        self.store.requested_tag(level, id, name)
    }

    /// `dicomq find`: the matching resources, whole.
    pub fn find_views(&self, q: &crate::store::find::FindQuery) -> Result<Vec<ResourceView>> {
        self.find(q)?
            .iter()
            .map(|id| self.store.view(q.level, id))
            .collect()
    }

    /// Counts and sizes below one resource, by full ID.
    pub fn resource_statistics(
        &self,
        level: Level,
        id: &str,
    ) -> Result<crate::store::ResourceStatistics> {
        self.store.resource_statistics(level, id)
    }

    /// The ancestor of level `target` of a resource, by full ID (REST's `/instances/{id}/study`).
    pub fn ancestor(&self, level: Level, id: &str, target: Level) -> Result<ResourceView> {
        let ancestor = self.store.ancestor(level, id, target)?;
        self.store.view(target, &ancestor)
    }

    /// The resources of level `target` below one, by full ID (REST's `/studies/{id}/instances`).
    pub fn descendants(&self, level: Level, id: &str, target: Level) -> Result<Vec<ResourceView>> {
        self.store.list(target, Some((level, id.to_string())))
    }

    /// Every resource of a level (REST's `/patients`, ...).
    pub fn list_level(&self, level: Level) -> Result<Vec<ResourceView>> {
        self.store.list(level, None)
    }

    /// Orthanc's metadata of one resource by its full ID and level.
    pub fn metadata(
        &self,
        level: Level,
        id: &str,
    ) -> Result<std::collections::BTreeMap<String, String>> {
        self.store.metadata(level, id)
    }

    /// One resource by its full ID and level.
    pub fn view(&self, level: Level, id: &str) -> Result<ResourceView> {
        self.store.view(level, id)
    }

    /// Removes one resource by its full ID and level.
    pub fn remove_exact(&self, level: Level, id: &str) -> Result<RemovedView> {
        self.store.remove(level, id)
    }

    /// An instance's stored file, whole (REST's `/instances/{id}/file`).
    pub fn instance_bytes(&self, id: &str) -> Result<Vec<u8>> {
        let (label, mut file) = self.store.open_instance(id)?;
        let mut data = Vec::with_capacity(usize::try_from(file.len()).unwrap_or(0));
        std::io::Read::read_to_end(&mut file, &mut data).map_err(|e| Error::io(label.0, e))?;
        Ok(data)
    }

    /// An instance's file meta group, by full ID, as Orthanc's `/instances/{id}/header` JSON.
    pub fn instance_header(&self, id: &str) -> Result<serde_json::Value> {
        let (path, file) = self.store.open_instance(id)?;
        let obj = crate::store::header::open_header(std::io::BufReader::new(file))
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
        Ok(crate::store::tags::header_json(obj.meta()))
    }

    /// All tags of an instance: Orthanc's JSON and a readable dump.
    pub fn instance_tags(&self, id: &str) -> Result<(serde_json::Value, String)> {
        let (level, id) = self.store.resolve(id)?;
        if level != Level::Instance {
            return Err(Error::Invalid(format!(
                "{id} is a {}: --tags needs an instance",
                level.name().to_lowercase()
            )));
        }
        let (path, file) = self.store.open_instance(&id)?;
        let obj = crate::store::header::open_full(std::io::BufReader::new(file))
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
        Ok((
            crate::store::tags::tags_json(&obj, &self.config.dictionary),
            crate::store::tags::tags_text(&obj, &self.config.dictionary),
        ))
    }
}

impl Node {
    /// An instance's whole data set, Pixel Data included, by full ID (REST's `/content`,
    /// `/frames`, `/preview`).
    pub fn instance_object(&self, id: &str) -> Result<dicom_object::DefaultDicomObject> {
        let (path, file) = self.store.open_instance(id)?;
        crate::store::header::open_full(std::io::BufReader::new(file))
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))
    }
}
