//! Metrics through the library: a Node on a temp home, driven with a manual clock (no sleeps).
//! The job gauges, which need jobs held Pending with no worker, are a unit test in
//! `src/node/tests.rs`.

use std::sync::Arc;
use std::time::Duration;

use dicomq::config::Config;
use dicomq::home::Home;
use dicomq::metrics::ManualClock;
use dicomq::node::Node;
use dicomq::store::import::{ImportItem, ImportSource, ImportStatus};
use dicomq_testdata::exposition::samples;

fn node_with_clock() -> (tempfile::TempDir, Node, ManualClock) {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new();
    let node = Node::open_with_clock(
        Home::at(dir.path()),
        Config::default(),
        Arc::new(clock.clone()),
    )
    .expect("open");
    (dir, node, clock)
}

fn store_generated(node: &Node, n: u64) -> Vec<String> {
    let items = (0..n)
        .map(|i| {
            ImportItem::new(
                format!("gen-{i}"),
                ImportSource::Bytes(dicomq_testdata::small_instance(i, 2_000)),
            )
        })
        .collect();
    let results = node.import(items, &mut |_| {}).expect("import");
    assert!(results.iter().all(|r| r.status == ImportStatus::Success));
    results
        .into_iter()
        .map(|r| r.ids.expect("ids").instance)
        .collect()
}

#[test]
fn durations_appear_after_an_operation_and_decay_after_10_seconds() {
    let (_dir, node, clock) = node_with_clock();
    let before = samples(&node.metrics_text().expect("scrape"));
    assert!(
        before.keys().all(|k| !k.ends_with("_duration_ms")),
        "no duration before any operation: {before:?}"
    );

    let ids = store_generated(&node, 5);
    let bytes = node.instance_bytes(&ids[0]).expect("read");
    node.remove_exact(dicomq::store::ids::Level::Instance, &ids[1])
        .expect("rm");

    clock.advance(Duration::from_millis(9_500));
    let after = samples(&node.metrics_text().expect("scrape"));
    for name in [
        "orthanc_store_dicom_duration_ms",
        "orthanc_storage_create_duration_ms",
        "orthanc_storage_read_duration_ms",
        "orthanc_storage_remove_duration_ms",
    ] {
        let v = after.get(name).copied();
        assert!(v.is_some_and(|v| v > 0.0), "{name} = {v:?}");
    }
    assert_eq!(
        after["orthanc_storage_read_bytes"],
        bytes.len() as f64,
        "one file read"
    );
    let written = node.statistics().expect("stats").disk_size;
    assert!(after["orthanc_storage_written_bytes"] > written as f64 - 1.0);

    clock.advance(Duration::from_millis(500));
    let decayed = samples(&node.metrics_text().expect("scrape"));
    for name in [
        "orthanc_store_dicom_duration_ms",
        "orthanc_storage_create_duration_ms",
        "orthanc_storage_read_duration_ms",
        "orthanc_storage_remove_duration_ms",
    ] {
        assert_eq!(decayed.get(name), Some(&0.0), "{name} decays to 0");
    }
    // Counters do not decay.
    assert_eq!(
        decayed["orthanc_storage_read_bytes"],
        after["orthanc_storage_read_bytes"]
    );
}

#[test]
fn counts_sizes_and_last_change_follow_the_store() {
    let (_dir, node, _clock) = node_with_clock();
    let ids = store_generated(&node, 5);
    let m = samples(&node.metrics_text().expect("scrape"));
    assert_eq!(m["orthanc_count_instances"], 5.0);
    let stats = node.statistics().expect("stats");
    assert_eq!(m["orthanc_count_patients"], stats.patients as f64);
    assert_eq!(m["orthanc_count_studies"], stats.studies as f64);
    assert_eq!(m["orthanc_count_series"], stats.series as f64);
    // Orthanc's meaning: the index of the last entry of the changes log, which logs every new
    // instance and every resource it created (5 instances of 3 patients here: 18 changes).
    let last = node.changes(0, 100).expect("changes").last;
    assert_eq!(last, 5 + stats.series + stats.studies + stats.patients);
    assert_eq!(m["orthanc_last_change"], last as f64);
    assert_eq!(
        m["orthanc_disk_size_mb"] * f64::from(1u32 << 20),
        stats.disk_size as f64
    );
    assert_eq!(m["orthanc_uncompressed_size_mb"], m["orthanc_disk_size_mb"]);

    node.remove_exact(dicomq::store::ids::Level::Instance, &ids[0])
        .expect("rm");
    let m = samples(&node.metrics_text().expect("scrape"));
    assert_eq!(m["orthanc_count_instances"], 4.0);
    let removed = node.changes(last, 100).expect("changes").changes.len() as u64;
    assert!(removed >= 1, "the removal is logged");
    assert_eq!(m["orthanc_last_change"], (last + removed) as f64);
}

#[test]
fn disabled_node_exports_nothing_and_the_switch_outlives_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let node = Node::open(Home::at(dir.path()), Config::default()).expect("open");
        assert!(node.metrics_switch().expect("switch").enabled);
        node.set_metrics_enabled(false).expect("disable");
        assert_eq!(node.metrics_text().expect("scrape"), "");
    }
    let node = Node::open(Home::at(dir.path()), Config::default()).expect("reopen");
    let switch = node.metrics_switch().expect("switch");
    assert!(!switch.enabled && switch.recorded);
    assert_eq!(node.metrics_text().expect("scrape"), "");
    store_generated(&node, 1);
    node.set_metrics_enabled(true).expect("enable");
    let m = samples(&node.metrics_text().expect("scrape"));
    assert_eq!(
        m["orthanc_count_instances"], 1.0,
        "counts come from the index"
    );
    assert!(
        !m.contains_key("orthanc_store_dicom_duration_ms"),
        "nothing was timed while disabled"
    );
}
