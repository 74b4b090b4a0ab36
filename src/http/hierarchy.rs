//! Walking the hierarchy as Orthanc scripts do: a resource's ancestors
//! (`/instances/{id}/patient`), its descendants (`/studies/{id}/instances`), and the statistics
//! of one resource or of the whole store.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use serde_json::{Value, json};

use super::answer::{self, ApiResult};
use super::resources::{known, query_flag, tags_format};
use super::{App, blocking};
use crate::store::ResourceStatistics;
use crate::store::ids::Level;
use crate::store::tags::tags_in;

/// Every path written out, so that a search for one finds its route.
pub fn routes() -> Router<App> {
    use Level::{Instance, Patient, Series, Study};
    Router::new()
        .route(
            "/patients/{id}/studies",
            get(|s, p, q| below(s, p, q, Patient, Study)),
        )
        .route(
            "/patients/{id}/series",
            get(|s, p, q| below(s, p, q, Patient, Series)),
        )
        .route(
            "/patients/{id}/instances",
            get(|s, p, q| below(s, p, q, Patient, Instance)),
        )
        .route(
            "/studies/{id}/series",
            get(|s, p, q| below(s, p, q, Study, Series)),
        )
        .route(
            "/studies/{id}/instances",
            get(|s, p, q| below(s, p, q, Study, Instance)),
        )
        .route(
            "/series/{id}/instances",
            get(|s, p, q| below(s, p, q, Series, Instance)),
        )
        .route(
            "/studies/{id}/patient",
            get(|s, p| above(s, p, Study, Patient)),
        )
        .route(
            "/series/{id}/patient",
            get(|s, p| above(s, p, Series, Patient)),
        )
        .route("/series/{id}/study", get(|s, p| above(s, p, Series, Study)))
        .route(
            "/instances/{id}/patient",
            get(|s, p| above(s, p, Instance, Patient)),
        )
        .route(
            "/instances/{id}/study",
            get(|s, p| above(s, p, Instance, Study)),
        )
        .route(
            "/instances/{id}/series",
            get(|s, p| above(s, p, Instance, Series)),
        )
        .route(
            "/patients/{id}/statistics",
            get(|s, p| statistics(s, p, Patient)),
        )
        .route(
            "/studies/{id}/statistics",
            get(|s, p| statistics(s, p, Study)),
        )
        .route(
            "/series/{id}/statistics",
            get(|s, p| statistics(s, p, Series)),
        )
        .route(
            "/instances/{id}/statistics",
            get(|s, p| statistics(s, p, Instance)),
        )
        .route("/statistics", get(store_statistics))
        .route(
            "/patients/{id}/instances-tags",
            get(|s, p, q| instances_tags(s, p, q, Patient)),
        )
        .route(
            "/studies/{id}/instances-tags",
            get(|s, p, q| instances_tags(s, p, q, Study)),
        )
        .route(
            "/series/{id}/instances-tags",
            get(|s, p, q| instances_tags(s, p, q, Series)),
        )
}

/// Orthanc answers the children's full objects; `?expand=false` gives their IDs only.
async fn below(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    level: Level,
    target: Level,
) -> ApiResult {
    // Orthanc answers the children whole unless asked not to.
    let ids_only = query_flag(&q, "expand")? == Some(false);
    blocking(move || {
        known(&app, level, &id)?;
        let items = app.node.descendants(level, &id, target)?;
        Ok(if ids_only {
            answer::json(&items.iter().map(|v| v.id()).collect::<Vec<_>>())
        } else {
            answer::json(&items)
        })
    })
    .await
}

/// Orthanc's `instances-tags`: the tags of every instance below, by instance ID, in the format
/// `/instances/{id}/tags` takes (`?simplify`, `?short`, `?format=`).
async fn instances_tags(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    level: Level,
) -> ApiResult {
    let format = tags_format(&q)?;
    blocking(move || {
        known(&app, level, &id)?;
        let mut out = serde_json::Map::new();
        for instance in app.node.descendants(level, &id, Level::Instance)? {
            let (full, _) = app.node.instance_tags(instance.id())?;
            out.insert(instance.id().to_string(), tags_in(&full, format));
        }
        Ok(answer::json(&Value::Object(out)))
    })
    .await
}

async fn above(
    State(app): State<App>,
    Path(id): Path<String>,
    level: Level,
    target: Level,
) -> ApiResult {
    blocking(move || {
        known(&app, level, &id)?;
        Ok(answer::json(&app.node.ancestor(level, &id, target)?))
    })
    .await
}

async fn statistics(State(app): State<App>, Path(id): Path<String>, level: Level) -> ApiResult {
    blocking(move || {
        known(&app, level, &id)?;
        let s = app.node.resource_statistics(level, &id)?;
        Ok(answer::json(&statistics_json(level, &s)))
    })
    .await
}

/// Orthanc's fields: sizes as strings (bytes) and numbers (MB, rounded down), the DICOM sizes
/// equal to the disk sizes (dicomq stores nothing but the DICOM files, uncompressed), and the
/// counts of the levels below.
fn statistics_json(level: Level, s: &ResourceStatistics) -> Value {
    let mb = s.size >> 20;
    let mut v = json!({
        "DiskSize": s.size.to_string(),
        "DiskSizeMB": mb,
        "UncompressedSize": s.size.to_string(),
        "UncompressedSizeMB": mb,
        "DicomDiskSize": s.size.to_string(),
        "DicomDiskSizeMB": mb,
        "DicomUncompressedSize": s.size.to_string(),
        "DicomUncompressedSizeMB": mb,
    });
    if level < Level::Study {
        v["CountStudies"] = s.studies.into();
    }
    if level < Level::Series {
        v["CountSeries"] = s.series.into();
    }
    if level < Level::Instance {
        v["CountInstances"] = s.instances.into();
    }
    v
}

async fn store_statistics(State(app): State<App>) -> ApiResult {
    blocking(move || {
        let s = app.node.statistics()?;
        Ok(answer::json(&json!({
            "CountInstances": s.instances,
            "CountPatients": s.patients,
            "CountSeries": s.series,
            "CountStudies": s.studies,
            "TotalDiskSize": s.disk_size.to_string(),
            "TotalDiskSizeMB": s.disk_size >> 20,
            "TotalUncompressedSize": s.uncompressed_size.to_string(),
            "TotalUncompressedSizeMB": s.uncompressed_size >> 20,
        })))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_have_orthancs_fields_per_level() {
        let s = ResourceStatistics {
            studies: 2,
            series: 3,
            instances: 7,
            size: 3 << 20 | 5,
        };
        let p = statistics_json(Level::Patient, &s);
        assert_eq!(p["CountStudies"], 2);
        assert_eq!(p["CountSeries"], 3);
        assert_eq!(p["CountInstances"], 7);
        assert_eq!(p["DiskSize"], ((3u64 << 20) | 5).to_string());
        assert_eq!(p["DiskSizeMB"], 3);
        let series = statistics_json(Level::Series, &s);
        assert!(series.get("CountSeries").is_none() && series.get("CountStudies").is_none());
        assert_eq!(series["CountInstances"], 7);
        let instance = statistics_json(Level::Instance, &s);
        assert!(instance.get("CountInstances").is_none());
        assert_eq!(instance["DicomUncompressedSizeMB"], 3);
    }
}
