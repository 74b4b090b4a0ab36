//! What every `IndexStore` must do: batches with duplicates, prefix resolution, removals that
//! cascade and keep the counters, intents, repair, and everything kept across a reopen.
//!
//! A batch that fails half-way commits nothing: that needs a failure injected inside the
//! implementation, so it is checked through the store (`import_together` in src/store/mod.rs).

use std::path::Path;
use std::sync::Arc;

use crate::error::Error;
use crate::persist::index_store::IndexStore;
use crate::store::header::{ParsedHeader, parse_header};
use crate::store::ids::Level;
use crate::store::index::{
    ChangeType, ChangedResource, Existing, Indexed, NewInstance, Statistics, StoredFile,
};

/// Runs every check; `open` opens the index kept in a directory.
pub fn run(open: &dyn Fn(&Path) -> Arc<dyn IndexStore>) {
    batches_answer_duplicates_as_already_stored(open);
    prefixes_resolve(open);
    removals_cascade_keep_counters_and_leave_intents(open);
    repair_adds_and_drops_in_one_go(open);
    a_reopened_index_keeps_everything(open);
    the_changes_log_follows_stores_and_removals(open);
    a_series_that_becomes_complete_logs_completed_series(open);
    replacing_swaps_the_file_and_leaves_the_old_as_an_intent(open);
    attached_metadata_goes_on_the_instance_and_the_parents_it_creates(open);
    reconstruct_rewrites_the_parents_main_tags_and_logs_it(open);
}

const SIZE: u64 = 1000;

/// Seeds 0 and 12 share a series, 3 is another study of the same patient, 1 another patient
/// (see `crate::testdata::small_instance_spec`).
fn header(seed: u64) -> ParsedHeader {
    let bytes = crate::testdata::small_instance(seed, SIZE as usize);
    parse_header(std::io::Cursor::new(bytes.as_slice())).expect("header")
}

fn new<'a>(header: &'a ParsedHeader, uuid: &str) -> NewInstance<'a> {
    NewInstance {
        header,
        file: StoredFile {
            uuid: uuid.to_string(),
            size: SIZE,
            sop_class: header.sop_class.clone(),
            transfer_syntax: header.transfer_syntax.clone(),
            crc32: None,
        },
    }
}

fn counts(s: &Statistics) -> [u64; 5] {
    [s.patients, s.studies, s.series, s.instances, s.disk_size]
}

/// Indexes seeds 0, 12, 3 and 1 as files f0, f12, f3, f1.
fn filled(index: &dyn IndexStore) -> Vec<ParsedHeader> {
    let headers: Vec<ParsedHeader> = [0, 12, 3, 1].into_iter().map(header).collect();
    let batch: Vec<NewInstance<'_>> = headers
        .iter()
        .zip(["f0", "f12", "f3", "f1"])
        .map(|(h, u)| new(h, u))
        .collect();
    let answers = index.commit_batch(&batch, Existing::Keep).expect("commit");
    assert_eq!(answers, vec![Indexed::Success; 4]);
    headers
}

fn batches_answer_duplicates_as_already_stored(open: &dyn Fn(&Path) -> Arc<dyn IndexStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = open(dir.path());
    assert_eq!(counts(&index.statistics().expect("stats")), [0; 5]);
    let headers = filled(index.as_ref());
    let stats = index.statistics().expect("stats");
    assert_eq!(counts(&stats), [2, 3, 3, 4, 4 * SIZE]);
    assert_eq!(stats.uncompressed_size, 4 * SIZE);
    let last = stats.last_change;
    assert!(last >= 4, "{last}");

    // Already indexed, and twice in one batch: only the new one is stored.
    let fresh = header(6);
    let again = index
        .commit_batch(
            &[
                new(&headers[0], "dup"),
                new(&fresh, "f6"),
                new(&fresh, "f6b"),
            ],
            Existing::Keep,
        )
        .expect("commit");
    assert_eq!(
        again,
        vec![
            Indexed::AlreadyStored,
            Indexed::Success,
            Indexed::AlreadyStored
        ]
    );
    let stats = index.statistics().expect("stats");
    assert_eq!(counts(&stats), [2, 3, 4, 5, 5 * SIZE]);
    assert!(stats.last_change > last);
    assert!(index.owns_file("f6").expect("owns"));
    assert_eq!(
        index.file_owner("f6").expect("owner").as_deref(),
        Some(fresh.ids.instance.as_str())
    );
    assert_eq!(index.file_owner("f6b").expect("owner"), None);
    assert!(!index.owns_file("dup").expect("owns") && !index.owns_file("f6b").expect("owns"));
    let asked = [
        fresh.ids.instance.as_str(),
        "nope",
        fresh.ids.series.as_str(),
    ];
    assert_eq!(
        index.indexed(Level::Instance, &asked).expect("indexed"),
        [fresh.ids.instance.clone()].into_iter().collect()
    );
    assert!(index.indexed(Level::Series, &[]).expect("none").is_empty());

    // Records, links and listings.
    let h = &headers[0];
    let rec = index
        .get(Level::Instance, &h.ids.instance)
        .expect("get")
        .expect("indexed");
    assert_eq!(rec.parent.as_deref(), Some(h.ids.series.as_str()));
    assert_eq!(rec.file.expect("file").uuid, "f0");
    let series = index
        .get(Level::Series, &h.ids.series)
        .expect("get")
        .expect("indexed");
    assert_eq!(series.parent.as_deref(), Some(h.ids.study.as_str()));
    assert!(series.file.is_none());
    let mut kids = vec![h.ids.instance.clone(), headers[1].ids.instance.clone()];
    kids.sort();
    assert_eq!(index.children(&h.ids.series).expect("children"), kids);
    assert_eq!(index.children(&h.ids.patient).expect("children").len(), 2);
    let patients: Vec<String> = index
        .list(Level::Patient)
        .expect("list")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut expected = vec![h.ids.patient.clone(), headers[3].ids.patient.clone()];
    expected.sort();
    assert_eq!(patients, expected);
    assert!(
        index
            .contains(Level::Study, &h.ids.study)
            .expect("contains")
    );
    assert!(
        !index
            .contains(Level::Patient, &h.ids.study)
            .expect("contains")
    );
    assert!(index.get(Level::Patient, "nope").expect("get").is_none());
}

fn prefixes_resolve(open: &dyn Fn(&Path) -> Arc<dyn IndexStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = open(dir.path());
    let headers = filled(index.as_ref());
    let study = &headers[2].ids.study;
    assert_eq!(
        index.resolve(&study[..13]).expect("unique"),
        (Level::Study, study.clone())
    );
    assert_eq!(
        index
            .resolve(&study.to_ascii_uppercase())
            .expect("any case"),
        (Level::Study, study.clone())
    );
    assert!(matches!(
        index.resolve(&study[..7]),
        Err(Error::PrefixTooShort(_))
    ));
    assert!(matches!(
        index.resolve("ffffffff-ffff"),
        Err(Error::NotFound { .. })
    ));
    // Two resources sharing a prefix: find one, then look for a shared 8-character prefix.
    let all: Vec<(Level, String)> = Level::ALL
        .into_iter()
        .flat_map(|l| {
            index
                .list(l)
                .expect("list")
                .into_iter()
                .map(move |(id, _)| (l, id))
        })
        .collect();
    let found = index.find_prefix("", 100).expect("all");
    assert_eq!(found.len(), all.len(), "an empty prefix matches everything");
    let digits = "0123456789abcdef";
    let shared = digits.chars().find_map(|c| {
        let p = c.to_string();
        let n = all.iter().filter(|(_, id)| id.starts_with(&p)).count();
        (n >= 2).then_some(p)
    });
    if let Some(p) = shared {
        let matches = index.find_prefix(&p, 100).expect("find");
        assert!(matches.len() >= 2);
        assert!(matches.iter().all(|(_, id)| id.starts_with(&p)));
        let first_level_sorted = matches.windows(2).all(|w| w[0] <= w[1]);
        assert!(first_level_sorted, "{matches:?}");
    }
}

fn removals_cascade_keep_counters_and_leave_intents(open: &dyn Fn(&Path) -> Arc<dyn IndexStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = open(dir.path());
    let headers = filled(index.as_ref());
    let before = index.statistics().expect("stats").last_change;

    // A study with one series of two instances; the patient keeps its other study.
    let h = &headers[0];
    let removal = index.remove(Level::Study, &h.ids.study).expect("remove");
    let mut files = removal.files.clone();
    files.sort();
    assert_eq!(files, vec!["f0", "f12"]);
    assert_eq!(
        removal.remaining_ancestor,
        Some((Level::Patient, h.ids.patient.clone()))
    );
    assert!(
        removal
            .removed
            .contains(&(Level::Series, h.ids.series.clone()))
    );
    assert!(
        !index
            .contains(Level::Instance, &h.ids.instance)
            .expect("get")
    );
    assert!(!index.contains(Level::Series, &h.ids.series).expect("get"));
    assert!(!index.owns_file("f0").expect("owns"));
    let stats = index.statistics().expect("stats");
    assert_eq!(counts(&stats), [2, 2, 2, 2, 2 * SIZE]);
    assert!(stats.last_change > before);
    assert_eq!(index.children(&h.ids.patient).expect("kids").len(), 1);

    // The intents wait for the caller to delete the files.
    let mut pending = index.pending_intents().expect("intents");
    pending.sort();
    assert_eq!(pending, vec!["f0", "f12"]);
    index.clear_intents(&["f0".to_string()]).expect("clear one");
    assert_eq!(index.pending_intents().expect("intents"), vec!["f12"]);
    index.clear_intents(&[]).expect("clear none");

    // The last instance of a patient takes the patient with it.
    let lone = &headers[3];
    let removal = index
        .remove(Level::Instance, &lone.ids.instance)
        .expect("remove");
    assert_eq!(removal.files, vec!["f1"]);
    assert_eq!(removal.remaining_ancestor, None);
    assert!(
        removal
            .removed
            .contains(&(Level::Patient, lone.ids.patient.clone()))
    );
    assert!(
        !index
            .contains(Level::Patient, &lone.ids.patient)
            .expect("get")
    );
    assert_eq!(
        counts(&index.statistics().expect("stats")),
        [1, 1, 1, 1, SIZE]
    );

    assert!(matches!(
        index.remove(Level::Series, "nope"),
        Err(Error::NotFound { .. })
    ));
    let mut pending = index.pending_intents().expect("intents");
    pending.sort();
    assert_eq!(pending, vec!["f1", "f12"]);
}

fn repair_adds_and_drops_in_one_go(open: &dyn Fn(&Path) -> Arc<dyn IndexStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = open(dir.path());
    let headers = filled(index.as_ref());
    let orphan = header(6);
    let answers = index
        .repair(
            &[new(&orphan, "f6"), new(&headers[1], "dup")],
            &[headers[3].ids.instance.clone()],
        )
        .expect("repair");
    assert_eq!(answers, vec![Indexed::Success, Indexed::AlreadyStored]);
    assert!(index.owns_file("f6").expect("owns"));
    assert!(
        !index
            .contains(Level::Patient, &headers[3].ids.patient)
            .expect("get")
    );
    assert!(
        index.pending_intents().expect("intents").is_empty(),
        "no intent left"
    );
    assert_eq!(
        counts(&index.statistics().expect("stats")),
        [1, 2, 3, 4, 4 * SIZE]
    );
}

fn a_reopened_index_keeps_everything(open: &dyn Fn(&Path) -> Arc<dyn IndexStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (headers, stats) = {
        let index = open(dir.path());
        let headers = filled(index.as_ref());
        index
            .remove(Level::Instance, &headers[1].ids.instance)
            .expect("remove");
        (headers, index.statistics().expect("stats"))
    };
    let index = open(dir.path());
    assert_eq!(index.statistics().expect("stats"), stats);
    assert_eq!(index.pending_intents().expect("intents"), vec!["f12"]);
    for h in [&headers[0], &headers[2], &headers[3]] {
        for level in Level::ALL {
            assert!(index.contains(level, h.ids.at(level)).expect("get"));
        }
    }
    assert!(
        !index
            .contains(Level::Instance, &headers[1].ids.instance)
            .expect("get")
    );
    assert!(index.owns_file("f3").expect("owns"));
}

/// Orthanc's order per stored instance (the instance, then the ancestors it created, lowest
/// first), `Deleted` per removed resource, paging by `since`/`limit`, the last change, clearing,
/// and numbering that goes on across a reopen and a clear.
fn the_changes_log_follows_stores_and_removals(open: &dyn Fn(&Path) -> Arc<dyn IndexStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = open(dir.path());
    assert_eq!(index.changes(0, 100).expect("changes"), (Vec::new(), true));
    assert!(index.last_change().expect("last").is_none());
    let headers = filled(index.as_ref());
    let (all, done) = index.changes(0, 100).expect("changes");
    assert!(done);
    let seen: Vec<(ChangeType, &str)> =
        all.iter().map(|c| (c.change_type, c.id.as_str())).collect();
    let (h0, h12, h3, h1) = (&headers[0], &headers[1], &headers[2], &headers[3]);
    assert_eq!(
        seen,
        vec![
            (ChangeType::NewInstance, h0.ids.instance.as_str()),
            (ChangeType::NewSeries, h0.ids.series.as_str()),
            (ChangeType::NewStudy, h0.ids.study.as_str()),
            (ChangeType::NewPatient, h0.ids.patient.as_str()),
            (ChangeType::NewInstance, h12.ids.instance.as_str()),
            (ChangeType::NewInstance, h3.ids.instance.as_str()),
            (ChangeType::NewSeries, h3.ids.series.as_str()),
            (ChangeType::NewStudy, h3.ids.study.as_str()),
            (ChangeType::NewInstance, h1.ids.instance.as_str()),
            (ChangeType::NewSeries, h1.ids.series.as_str()),
            (ChangeType::NewStudy, h1.ids.study.as_str()),
            (ChangeType::NewPatient, h1.ids.patient.as_str()),
        ]
    );
    let seqs: Vec<u64> = all.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, (1..=12).collect::<Vec<u64>>());
    assert_eq!(all[4].resource_type, ChangedResource::Instance);
    assert_eq!(all[3].resource_type, ChangedResource::Patient);
    assert_eq!(index.statistics().expect("stats").last_change, 12);
    // Pages.
    let (page, done) = index.changes(3, 4).expect("page");
    assert_eq!(
        page.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![4, 5, 6, 7]
    );
    assert!(!done);
    let (tail, done) = index.changes(10, 4).expect("tail");
    assert_eq!((tail.len(), done), (2, true));
    assert_eq!(index.changes(12, 10).expect("past"), (Vec::new(), true));
    assert_eq!(index.changes(500, 10).expect("beyond"), (Vec::new(), true));
    // A removal: one `Deleted` per resource it removed (the patient of seed 1 goes whole).
    index
        .remove(Level::Patient, &h1.ids.patient)
        .expect("remove");
    let (deleted, _) = index.changes(12, 100).expect("deleted");
    assert!(deleted.iter().all(|c| c.change_type == ChangeType::Deleted));
    let mut gone: Vec<(Level, &str)> = deleted
        .iter()
        .filter_map(|c| Some((c.resource_type.level()?, c.id.as_str())))
        .collect();
    gone.sort();
    assert_eq!(
        gone,
        vec![
            (Level::Patient, h1.ids.patient.as_str()),
            (Level::Study, h1.ids.study.as_str()),
            (Level::Series, h1.ids.series.as_str()),
            (Level::Instance, h1.ids.instance.as_str()),
        ]
    );
    let last = index.last_change().expect("last").expect("a change");
    assert_eq!(last.seq, 16);
    assert_eq!(index.statistics().expect("stats").last_change, 16);
    // Kept across a reopen; a clear empties the log but the numbering goes on.
    drop(index);
    let index = open(dir.path());
    assert_eq!(index.changes(0, 100).expect("changes").0.len(), 16);
    index.clear_changes().expect("clear");
    assert_eq!(index.changes(0, 100).expect("changes"), (Vec::new(), true));
    assert!(index.last_change().expect("last").is_none());
    index
        .remove(Level::Instance, &h12.ids.instance)
        .expect("remove");
    let (after, _) = index.changes(0, 100).expect("changes");
    assert_eq!(after.len(), 1);
    assert_eq!(
        (after[0].seq, after[0].change_type),
        (17, ChangeType::Deleted)
    );
    // Changes no index write carries (jobs') are numbered after the others, in order.
    index
        .log_changes(&[
            (ChangeType::JobSubmitted, ChangedResource::Job, "j1".into()),
            (ChangeType::JobFailure, ChangedResource::Job, "j1".into()),
        ])
        .expect("log jobs");
    index.log_changes(&[]).expect("nothing to log");
    let (jobs, done) = index.changes(17, 100).expect("changes");
    assert!(done);
    let seen: Vec<(u64, ChangeType, &str, &str)> = jobs
        .iter()
        .map(|c| (c.seq, c.change_type, c.id.as_str(), c.path.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (18, ChangeType::JobSubmitted, "j1", "/jobs/j1"),
            (19, ChangeType::JobFailure, "j1", "/jobs/j1"),
        ]
    );
    assert_eq!(index.statistics().expect("stats").last_change, 19);
}

/// Orthanc logs `CompletedSeries` each time a stored instance makes its series `Complete`: not
/// before the last expected index arrives, not again once an extra instance makes it
/// `Inconsistent`, and never for a series that declares no count.
fn a_series_that_becomes_complete_logs_completed_series(
    open: &dyn Fn(&Path) -> Arc<dyn IndexStore>,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = open(dir.path());
    // Seeds 0 and 12 share a series; a third instance of it comes from seed 0 again, with
    // another SOP instance ID.
    let mut headers: Vec<ParsedHeader> = [0, 12, 0].into_iter().map(header).collect();
    headers[2].ids.instance = "ffffffff-ffffffff-ffffffff-ffffffff-ffffffff".into();
    for (i, h) in headers.iter_mut().enumerate() {
        h.series.insert("ImagesInAcquisition".into(), "2".into());
        h.series
            .insert("NumberOfTemporalPositions".into(), "1".into());
        h.index_in_series = Some(u32::try_from(i % 2 + 1).expect("small"));
    }
    let completed = |index: &dyn IndexStore| {
        let (all, _) = index.changes(0, 100).expect("changes");
        all.iter()
            .filter(|c| c.change_type == ChangeType::CompletedSeries)
            .map(|c| (c.resource_type, c.id.clone()))
            .collect::<Vec<_>>()
    };
    index
        .commit_batch(&[new(&headers[0], "f0")], Existing::Keep)
        .expect("first");
    assert!(completed(index.as_ref()).is_empty());
    index
        .commit_batch(&[new(&headers[1], "f12")], Existing::Keep)
        .expect("second");
    let series = headers[0].ids.series.clone();
    assert_eq!(
        completed(index.as_ref()),
        vec![(ChangedResource::Series, series.clone())]
    );
    // The completing change comes after the instance's own.
    let (all, _) = index.changes(0, 100).expect("changes");
    assert_eq!(
        all.last().map(|c| c.change_type),
        Some(ChangeType::CompletedSeries)
    );
    index
        .commit_batch(&[new(&headers[2], "f0b")], Existing::Keep)
        .expect("third");
    assert_eq!(
        completed(index.as_ref()).len(),
        1,
        "Inconsistent is not complete"
    );
    // Without a count, nothing is logged.
    let plain = header(3);
    index
        .commit_batch(&[new(&plain, "f3")], Existing::Keep)
        .expect("plain");
    assert_eq!(completed(index.as_ref()).len(), 1);
}

/// `Existing::Replace` (Orthanc's `OverwriteInstances`): the instance indexed before is removed
/// in the batch's transaction (its file an intent, `Deleted` logged, empty ancestors gone) and
/// the new one indexed; twice in one batch, the second is still `AlreadyStored`.
fn replacing_swaps_the_file_and_leaves_the_old_as_an_intent(
    open: &dyn Fn(&Path) -> Arc<dyn IndexStore>,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = open(dir.path());
    let (h0, h12) = (header(0), header(12));
    index
        .commit_batch(&[new(&h0, "f0")], Existing::Replace)
        .expect("first");
    index.clear_changes().expect("clear");
    let again = index
        .commit_batch(
            &[new(&h0, "f0new"), new(&h0, "f0twice"), new(&h12, "f12")],
            Existing::Replace,
        )
        .expect("replace");
    assert_eq!(
        again,
        vec![
            Indexed::Replaced {
                old_files: vec!["f0".to_string()]
            },
            Indexed::AlreadyStored,
            Indexed::Success,
        ]
    );
    assert!(index.owns_file("f0new").expect("owns"));
    assert!(!index.owns_file("f0").expect("owns"));
    assert_eq!(
        index.pending_intents().expect("intents"),
        vec!["f0".to_string()]
    );
    assert_eq!(
        counts(&index.statistics().expect("stats"))[..4],
        [1, 1, 1, 2]
    );
    let (log, _) = index.changes(0, 100).expect("changes");
    let seen: Vec<(ChangeType, &str)> =
        log.iter().map(|c| (c.change_type, c.id.as_str())).collect();
    assert_eq!(
        seen[..5],
        [
            (ChangeType::Deleted, h0.ids.instance.as_str()),
            (ChangeType::Deleted, h0.ids.series.as_str()),
            (ChangeType::Deleted, h0.ids.study.as_str()),
            (ChangeType::Deleted, h0.ids.patient.as_str()),
            (ChangeType::NewInstance, h0.ids.instance.as_str()),
        ]
    );
    // Keep answers AlreadyStored and changes nothing.
    let kept = index
        .commit_batch(&[new(&h0, "f0keep")], Existing::Keep)
        .expect("keep");
    assert_eq!(kept, vec![Indexed::AlreadyStored]);
    assert!(index.owns_file("f0new").expect("owns"));
}

/// An import's metadata is kept on the instance, and on a parent only when this import
/// creates it; it survives a reopen.
fn attached_metadata_goes_on_the_instance_and_the_parents_it_creates(
    open: &dyn Fn(&Path) -> Arc<dyn IndexStore>,
) {
    use crate::store::metadata::Attached;
    let dir = tempfile::tempdir().expect("tempdir");
    let index = open(dir.path());
    let attach = |h: &mut ParsedHeader, from: &str| {
        h.attached = Level::ALL.into_iter().fold(Attached::new(), |a, l| {
            a.with(l, "ModifiedFrom", &format!("{from}-{}", l.name()))
        });
    };
    let (mut first, mut second) = (header(0), header(12));
    attach(&mut first, "a");
    attach(&mut second, "b");
    index
        .commit_batch(&[new(&first, "f0")], Existing::Keep)
        .expect("commit");
    index
        .commit_batch(&[new(&second, "f12")], Existing::Keep)
        .expect("commit");
    drop(index);
    let index = open(dir.path());
    let meta = |level: Level, id: &str| {
        index
            .get(level, id)
            .expect("get")
            .expect("exists")
            .metadata
            .get("ModifiedFrom")
            .cloned()
    };
    assert_eq!(
        meta(Level::Instance, &first.ids.instance).as_deref(),
        Some("a-Instance")
    );
    assert_eq!(
        meta(Level::Instance, &second.ids.instance).as_deref(),
        Some("b-Instance")
    );
    // Seeds 0 and 12 share their series: the second import did not create it.
    assert_eq!(first.ids.series, second.ids.series);
    assert_eq!(
        meta(Level::Series, &first.ids.series).as_deref(),
        Some("a-Series")
    );
    assert_eq!(
        meta(Level::Patient, &first.ids.patient).as_deref(),
        Some("a-Patient")
    );
}

/// After a modification that kept a resource's identifier, its parents take the new tags.
fn reconstruct_rewrites_the_parents_main_tags_and_logs_it(
    open: &dyn Fn(&Path) -> Arc<dyn IndexStore>,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = open(dir.path());
    let first = header(0);
    index
        .commit_batch(&[new(&first, "f0")], Existing::Keep)
        .expect("commit");
    let mut changed = first.clone();
    changed
        .study
        .insert("StudyDescription".into(), "TOTO".into());
    changed
        .patient
        .insert("PatientName".into(), "NEW^NAME".into());
    let before = index.statistics().expect("stats").last_change;
    index.reconstruct(&changed, false).expect("reconstruct");
    let study = index
        .get(Level::Study, &first.ids.study)
        .expect("get")
        .expect("study");
    assert_eq!(study.main_tags["StudyDescription"], "TOTO");
    assert_eq!(study.patient_tags["PatientName"], "NEW^NAME");
    let patient = index
        .get(Level::Patient, &first.ids.patient)
        .expect("get")
        .expect("patient");
    assert_eq!(patient.main_tags["PatientName"], "NEW^NAME");
    let (changes, _) = index.changes(before, 10).expect("changes");
    let types: Vec<ChangeType> = changes.iter().map(|c| c.change_type).collect();
    assert_eq!(
        types,
        vec![
            ChangeType::ModifiedSeries,
            ChangeType::ModifiedStudy,
            ChangeType::ModifiedPatient
        ]
    );
    // A header whose parents are not indexed changes nothing.
    index.reconstruct(&header(1), true).expect("nothing to do");
    assert!(
        index
            .get(Level::Patient, &header(1).ids.patient)
            .expect("get")
            .is_none()
    );
}
