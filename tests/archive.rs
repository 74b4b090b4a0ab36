//! Archive and media jobs: end-to-end through the binary (layout, validators, bad inputs,
//! `jobs output`) and in-process through the library (pause, resume, cancel, restart, ZIP64).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Home, check_zip, extract_zip_entry, have_tool, stderr, stdout};
use dicomq::config::Config;
use dicomq::home::Home as DataHome;
use dicomq::jobs::kinds::KindContext;
use dicomq::jobs::{Action, ArchiveParams, JobInfo, JobSpec, JobState};
use dicomq::node::{JobRequest, Node};
use dicomq::store::import::{ImportItem, ImportSource};
use dicomq_testdata as testdata;

// ---- helpers ---------------------------------------------------------------------------------

/// The DICOMDIR passes dciodvfy (no error line), dcmdump and dcdirdmp.
fn check_dicomdir(path: &Path) {
    if have_tool("dciodvfy") {
        let o = Command::new("dciodvfy")
            .arg(path)
            .output()
            .expect("dciodvfy");
        let text = format!("{}{}", stdout(&o), stderr(&o));
        let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("Error")).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}\n{text}", path.display());
        assert!(text.contains("BasicDirectory"), "{text}");
    }
    if have_tool("dcmdump") {
        let o = Command::new("dcmdump").arg(path).output().expect("dcmdump");
        assert!(o.status.success(), "dcmdump: {}", stderr(&o));
        assert!(stdout(&o).contains("DirectoryRecordSequence"));
    }
    if have_tool("dcdirdmp") {
        let o = Command::new("dcdirdmp")
            .arg(path)
            .output()
            .expect("dcdirdmp");
        let text = format!("{}{}", stdout(&o), stderr(&o));
        assert!(o.status.success(), "dcdirdmp: {text}");
        assert!(text.contains("IMAGE"), "{text}");
    }
}

/// Writes the test corpus (golden samples A–G plus edge cases I–K) into a folder.
fn corpus_dir(root: &Path) -> PathBuf {
    let dir = root.join("corpus");
    fs::create_dir_all(&dir).expect("mkdir");
    for (name, spec) in testdata::corpus() {
        fs::write(dir.join(name), spec.to_bytes()).expect("write");
    }
    dir
}

fn patient_ids(home: &Home) -> Vec<String> {
    home.json(&["ls", "patients"])
        .as_array()
        .expect("array")
        .iter()
        .map(|p| p["ID"].as_str().expect("ID").to_string())
        .collect()
}

/// Files in HOME/outputs.
fn outputs(home: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(home.join("outputs"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// A job's output copied to a file of its own (the Node hands out readers, not paths).
fn output_file(node: &Node, id: &str) -> tempfile::TempPath {
    let mut out = node.job_output(id).expect("output");
    let mut tmp = tempfile::NamedTempFile::new().expect("temp file");
    std::io::copy(&mut out.file, &mut tmp).expect("copy the output");
    tmp.into_temp_path()
}

fn open_node(home: &Path, keep: usize) -> Node {
    let config = Config {
        media_archive_size: keep,
        ..Config::default()
    };
    Node::open(DataHome::at(home), config).expect("node")
}

/// Stores `n` generated instances of about `size` bytes; returns the node.
fn node_with(home: &Path, n: usize, size: usize, keep: usize) -> Node {
    let node = open_node(home, keep);
    let items = (0..n)
        .map(|i| {
            ImportItem::new(
                format!("bulk{i}"),
                ImportSource::Bytes(testdata::small_instance(i as u64, size)),
            )
        })
        .collect();
    node.import(items, &mut |_| {}).expect("import");
    node
}

fn all_patients(node: &Node) -> Vec<String> {
    node.list_level(dicomq::store::ids::Level::Patient)
        .expect("list")
        .iter()
        .map(|v| v.id().to_string())
        .collect()
}

/// Submits an archive (or media) job of `resources` to a served Node, each step slowed by
/// `delay_ms`.
fn submit(node: &Node, media: bool, resources: Vec<String>, delay_ms: u64) -> String {
    let params = ArchiveParams {
        resources,
        step_delay_ms: delay_ms,
        ..ArchiveParams::default()
    };
    let spec = if media {
        JobSpec::Media(params)
    } else {
        JobSpec::Archive(params)
    };
    node.submit_job(JobRequest::new(spec, 0)).expect("submit")
}

/// Waits for the job's end.
fn wait(node: &Node, id: &str) -> JobInfo {
    node.wait_job(id, None, &mut |_| Ok(())).expect("wait")
}

fn control(node: &Node, id: &str, action: Action) {
    node.control_job(id, action).expect("control");
}

/// Polls until `cond` holds (deadline 30 s).
fn eventually(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Polls until `pred` holds for the job (deadline 30 s).
fn wait_for(node: &Node, id: &str, pred: impl Fn(&JobInfo) -> bool) -> JobInfo {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let info = node.job(id).expect("job");
        if pred(&info) {
            return info;
        }
        assert!(Instant::now() < deadline, "timed out: {info:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

// ---- through the binary ----------------------------------------------------------------------

/// Two series of one study with the same number, modality and description (`-2`).
fn write_duplicates(dir: &Path) {
    let uid = |l: &str| testdata::deterministic_uid(&format!("dicomq-archive-test/{l}"));
    for n in 1..=2 {
        let mut x = testdata::InstanceSpec::new_mr(
            "PAT-H",
            "Dup^Names",
            &uid("H/study"),
            &uid(&format!("H/s{n}")),
            &uid(&format!("H/s{n}/i1")),
        );
        x.series_description = Some("dup".into());
        fs::write(dir.join(format!("H_s{n}.dcm")), x.to_bytes()).expect("write");
    }
}

fn archive_names(home: &Home, extra: &[&str], name: &str) -> Vec<String> {
    let out = home.path().join(name);
    let ids = patient_ids(home);
    let mut args: Vec<&str> = vec!["archive"];
    args.extend(ids.iter().map(String::as_str));
    args.extend(extra);
    let out_text = out.to_string_lossy().into_owned();
    args.extend(["-o", &out_text]);
    let o = home.run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "stdout is for data only");
    check_zip(&out)
}

#[test]
fn layout_follows_orthanc_113_and_every_archive_is_valid() {
    let home = Home::new();
    let dir = corpus_dir(home.path());
    write_duplicates(&dir);
    assert!(
        home.run(&["store", dir.to_str().expect("utf8")])
            .status
            .success()
    );
    let names = archive_names(&home, &[], "all.zip");
    let mut expected = vec![
        // golden samples A-G (Orthanc 1.13 rules: " - ", SeriesNumber, InstanceNumber names)
        "PAT-A - Müller^Jürgen/Unknown Study/7 - CT/CT000001.dcm",
        "PAT-A - Müller^Jürgen/Unknown Study/7 - CT/CT000002.dcm",
        "PAT-A - Müller^Jürgen/ACC-A1 - Brain MRI/1 - MR - T1 axial/MR000001.dcm",
        "PAT-A - Müller^Jürgen/ACC-A1 - Brain MRI/1 - MR - T1 axial/MR000002.dcm",
        "PAT-A - Müller^Jürgen/ACC-A1 - Brain MRI/1 - MR - T1 axial/MR000003.dcm",
        "PAT-A - Müller^Jürgen/ACC-A1 - Brain MRI/1 - MR - T1 axial/MR000004.dcm",
        "PAT-A - Müller^Jürgen/ACC-A1 - Brain MRI/1 - MR - T1 axial/MR000005.dcm",
        "PAT-A - Müller^Jürgen/ACC-A1 - Brain MRI/2 - MR - T2 sagittal/MR000001.dcm",
        "PAT-A - Müller^Jürgen/ACC-A1 - Brain MRI/2 - MR - T2 sagittal/MR000002.dcm",
        "PAT-A - Müller^Jürgen/ACC-A1 - Brain MRI/2 - MR - T2 sagittal/MR000003.dcm",
        "PAT-A - Müller^Jürgen/ACC-A1 - Brain MRI/2 - MR - T2 sagittal/MR000004.dcm",
        "PAT-A - Müller^Jürgen/ACC-A1 - Brain MRI/2 - MR - T2 sagittal/MR000005.dcm",
        // slashes and punctuation become spaces
        "PAT B-01 - Smith Jones^Anna/ACC B - Head Neck CT test/3 - CT - Axial 5mm soft/CT000001.dcm",
        "PAT B-01 - Smith Jones^Anna/ACC B - Head Neck CT test/3 - CT - Axial 5mm soft/CT000002.dcm",
        "PAT B-01 - Smith Jones^Anna/ACC B - Head Neck CT test/3 - CT - Axial 5mm soft/CT000003.dcm",
        // non-ASCII kept (UTF-8 names)
        "PAT-D - 山田^太郎/頭部 CT/1 - CT - シリーズ/CT000001.dcm",
        "PÄT-Ü1 - Größe^Renée/ACC-1 - Übersicht Thorax Abdomen/1 - MR - Coronal ½ dose/MR000001.dcm",
        // empty descriptions
        "ABC - Odd^Len/Unknown Study/1 - OT/OT000001.dcm",
        "SP ID - Space^Id/spaces/1 - OT/OT000001.dcm",
        // empty and missing PatientID: one patient, folder "- Name"
        "- Empty^Id/empty id/1 - OT/OT000001.dcm",
        "- Empty^Id/ACC-1 - missing id/1 - MR - T1 axial/MR000001.dcm",
        // `\` in descriptions, missing InstanceNumber (0), one-letter and missing modality
        "PAT-I - Van Der Berg^Piet/ACC-I - Knee^Left Right MRI/1 - MR - T1 T2/MR000000.dcm",
        "PAT-I - Van Der Berg^Piet/ACC-I - Knee^Left Right MRI/1 - MR - T1 T2/MR000001.dcm",
        "PAT-I - Van Der Berg^Piet/ACC-I - Knee^Left Right MRI/1 - MR - T1 T2/MR000002.dcm",
        "PAT-I - Van Der Berg^Piet/ACC-I - Knee^Left Right MRI/2 - X/X0000001.dcm",
        "PAT-I - Van Der Berg^Piet/ACC-I - Knee^Left Right MRI/Unknown Series/00000001.dcm",
        // duplicate folder names
        "PAT-H - Dup^Names/ACC-1 - Brain MRI/1 - MR - dup/MR000001.dcm",
        "PAT-H - Dup^Names/ACC-1 - Brain MRI/1 - MR - dup-2/MR000001.dcm",
    ];
    let mut sorted = names.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected, "{names:#?}");
    // Within a series, instances come in IndexInSeries order.
    let i = |n: &str| names.iter().position(|x| x.ends_with(n)).expect(n);
    assert!(i("T1 axial/MR000001.dcm") < i("T1 axial/MR000002.dcm"));
    assert!(i("T1 T2/MR000000.dcm") < i("T1 T2/MR000002.dcm"));

    // --ascii-names drops non-ASCII characters, as Orthanc does by default.
    let ascii = archive_names(&home, &["--ascii-names"], "ascii.zip");
    for n in [
        "PAT-A - Mller^Jrgen/ACC-A1 - Brain MRI/1 - MR - T1 axial/MR000001.dcm",
        // Orthanc joins, then sanitises: the separator before a dropped part stays
        "PAT-D - ^/CT/1 - CT -/CT000001.dcm",
    ] {
        assert!(ascii.iter().any(|x| x == n), "{n} not in {ascii:#?}");
    }
    assert!(ascii.iter().all(|n| n.is_ascii()), "{ascii:#?}");
}

#[test]
fn media_dicomdir_passes_the_validators() {
    let home = Home::new();
    let dir = corpus_dir(home.path());
    assert!(
        home.run(&["store", dir.to_str().expect("utf8")])
            .status
            .success()
    );
    // First the well-formed patients, plain and extended; the whole corpus with its edge
    // cases (patients G/J without PatientID, I with a multi-valued description and a series
    // without SeriesNumber) is checked below.
    let well_formed: Vec<String> = home
        .json(&["ls", "patients"])
        .as_array()
        .expect("array")
        .iter()
        .filter(|p| {
            let pid = p["MainDicomTags"]["PatientID"].as_str().unwrap_or("");
            !pid.is_empty() && pid != "PAT-I"
        })
        .map(|p| p["ID"].as_str().expect("ID").to_string())
        .collect();
    let count: usize = well_formed
        .iter()
        .map(|p| {
            home.json(&["ls", "instances", "--parent", p])
                .as_array()
                .map_or(0, Vec::len)
        })
        .sum();
    for extended in [false, true] {
        let mut args = vec!["archive".to_string(), "--media".into()];
        if extended {
            args.push("--extended".into());
        }
        args.extend(well_formed.iter().cloned());
        let out = home.path().join(format!("media-{extended}.zip"));
        args.extend(["-o".into(), out.to_string_lossy().into_owned()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = home.run(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let names = check_zip(&out);
        let n = count;
        assert_eq!(names.len(), n + 1);
        assert_eq!(names.last().map(String::as_str), Some("DICOMDIR"));
        for (i, name) in names[..n].iter().enumerate() {
            assert_eq!(name, &format!("IMAGES/IM{i}"));
        }
        let dicomdir = home.path().join(format!("DICOMDIR-{extended}"));
        extract_zip_entry(&out, "DICOMDIR", &dicomdir);
        check_dicomdir(&dicomdir);
    }
    // The whole corpus, edge cases included (no PatientID, no SeriesNumber, a multi-valued
    // description): the DICOMDIR fills or joins what a record needs, and validates too.
    let all = archive_names(&home, &["--media"], "all-media.zip");
    assert_eq!(all.len(), testdata::corpus().len() + 1);
    let dicomdir = home.path().join("DICOMDIR-all");
    extract_zip_entry(&home.path().join("all-media.zip"), "DICOMDIR", &dicomdir);
    check_dicomdir(&dicomdir);

    let jobs = home.json(&["jobs", "ls"]);
    let types: Vec<&str> = jobs
        .as_array()
        .expect("array")
        .iter()
        .map(|j| j["Type"].as_str().expect("Type"))
        .collect();
    assert_eq!(types, ["Media", "Media", "Media"]);
    let job = &jobs[0];
    assert_eq!(job["State"], "Success");
    assert_eq!(job["Content"]["InstancesCount"], count);
    assert!(job["Content"]["ArchiveSize"].is_string(), "{job}");
    assert!(job["Content"]["UncompressedSize"].is_string(), "{job}");
    assert!(job["Content"]["ArchiveSizeMB"].is_u64(), "{job}");
    assert!(job["Content"]["UncompressedSizeMB"].is_u64(), "{job}");
    // A sync archive's output went to its caller.
    let id = job["ID"].as_str().expect("ID");
    let o = home.run(&["jobs", "output", id, "-o", "x.zip"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("synchronous"), "{}", stderr(&o));
}

#[test]
fn stdout_default_name_store_compression_and_merging() {
    let home = Home::new();
    let dir = corpus_dir(home.path());
    assert!(
        home.run(&["store", dir.to_str().expect("utf8")])
            .status
            .success()
    );
    let patients = patient_ids(&home);
    // A patient plus one of its studies: merged, no duplicates.
    let study = home.json(&["ls", "studies", "--parent", &patients[0]])[0]["ID"]
        .as_str()
        .expect("study")
        .to_string();
    let o = home
        .cmd()
        .current_dir(home.path())
        .args([
            "archive",
            &patients[0][..8],
            &study,
            "--compression",
            "store",
        ])
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", stderr(&o));
    let default = home.path().join(format!("{}.zip", &patients[0][..8]));
    let names = check_zip(&default);
    let unique: std::collections::BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "{names:#?}");

    let o = home.run(&["archive", &study, "-o", "-"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let piped = home.path().join("piped.zip");
    fs::write(&piped, &o.stdout).expect("write");
    assert!(!check_zip(&piped).is_empty());
    // Sync archives leave nothing in HOME/outputs but their job records.
    assert!(
        outputs(home.path()).is_empty(),
        "{:?}",
        outputs(home.path())
    );
}

#[test]
fn bad_inputs_fail_cleanly_and_leave_nothing() {
    let home = Home::new();
    let dir = corpus_dir(home.path());
    assert!(
        home.run(&["store", dir.to_str().expect("utf8")])
            .status
            .success()
    );
    let patients = patient_ids(&home);
    let work = home.path().join("work");
    fs::create_dir_all(&work).expect("mkdir");
    let listing = || {
        let mut v: Vec<_> = fs::read_dir(&work)
            .expect("ls")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        v.sort();
        v
    };
    let run = |args: &[&str]| {
        home.cmd()
            .current_dir(&work)
            .args(args)
            .output()
            .expect("runs")
    };

    // No ID.
    let o = run(&["archive"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing to archive"), "{}", stderr(&o));
    // Unknown ID.
    let o = run(&["archive", "deadbeef-00000000"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("deadbeef-00000000"), "{}", stderr(&o));
    // -o naming a directory, or in a missing directory.
    let o = run(&["archive", &patients[0], "-o", "."]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
    let o = run(&["archive", &patients[0], "-o", "missing/out.zip"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    assert!(listing().is_empty(), "{:?}", listing());

    // A stored file deleted behind dicomq's back: the job fails naming the instance.
    let victim = home.json(&["ls", "instances", "--parent", &patients[0]])[1]["ID"]
        .as_str()
        .expect("instance")
        .to_string();
    let stored = home.path().join("storage");
    let mut files = Vec::new();
    let mut stack = vec![stored];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).expect("ls").flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    let victim_file = files
        .iter()
        .find(|f| {
            let bytes = fs::read(f).expect("read");
            let uid = home.json(&["show", &victim])["MainDicomTags"]["SOPInstanceUID"]
                .as_str()
                .expect("uid")
                .to_string();
            bytes.windows(uid.len()).any(|w| w == uid.as_bytes())
        })
        .expect("the victim's file")
        .clone();
    fs::remove_file(&victim_file).expect("rm");
    let o = run(&["archive", &patients[0], "-o", "out.zip"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(&victim), "{}", stderr(&o));
    assert!(listing().is_empty(), "{:?}", listing());
    assert!(
        outputs(home.path()).is_empty(),
        "{:?}",
        outputs(home.path())
    );
    let failed = home.json(&["jobs", "ls", "--state", "Failure"]);
    let failed_id = failed[0]["ID"].as_str().expect("ID").to_string();
    let o = run(&["jobs", "output", &failed_id, "-o", "out.zip"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("failed"), "{}", stderr(&o));

    // A job type without outputs.
    let o = run(&["debug", "sleep-job"]);
    assert!(o.status.success());
    let sleep = stdout(&o).trim().to_string();
    let o = run(&["jobs", "output", &sleep, "-o", "out.zip"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("has no output"), "{}", stderr(&o));
    assert!(listing().is_empty(), "{:?}", listing());
}

#[test]
fn full_disk_fails_the_job_and_leaves_nothing() {
    if !have_tool("bash") {
        return;
    }
    let home = Home::new();
    let src = home.path().join("src");
    testdata::write_files(&src, 40, 100_000).expect("files");
    assert!(
        home.run(&["store", src.to_str().expect("utf8")])
            .status
            .success()
    );
    let patients = patient_ids(&home);
    let db = fs::metadata(home.path().join("index.redb"))
        .expect("db")
        .len();
    // A file-size limit a little above the database: the ~4 MB archive cannot be written.
    // (RLIMIT_FSIZE stands in for a full disk: the write fails with EFBIG instead of ENOSPC.)
    let limit_kb = db / 1024 + 1024;
    let bin = assert_cmd::cargo::cargo_bin("dicomq");
    let work = home.path().join("work");
    fs::create_dir_all(&work).expect("mkdir");
    let mut script = format!(
        "trap '' XFSZ; ulimit -f {limit_kb}; exec '{}' --home '{}' archive --compression store",
        bin.display(),
        home.path().display()
    );
    for p in &patients {
        script.push_str(&format!(" {p}"));
    }
    script.push_str(" -o out.zip");
    let o = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(&work)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .expect("bash");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("too large"), "{}", stderr(&o));
    assert_eq!(fs::read_dir(&work).expect("ls").count(), 0);
    assert!(
        outputs(home.path()).is_empty(),
        "{:?}",
        outputs(home.path())
    );
    let failed = home.json(&["jobs", "ls", "--state", "Failure"]);
    assert_eq!(failed[0]["ErrorCode"], 14, "{failed}");
}

// ---- in-process, through the library ---------------------------------------------------------

#[test]
fn async_outputs_are_kept_evicted_and_reported() {
    let home = Home::new();
    let dir = home.path();
    fs::write(dir.join("config.json"), r#"{"MediaArchiveSize": 1}"#).expect("config");
    let (first, second) = {
        let node = node_with(dir, 6, 2000, 1);
        let patients = all_patients(&node);
        node.serve(true).expect("serve");
        let a = submit(&node, false, patients.clone(), 0);
        wait(&node, &a);
        let b = submit(&node, true, patients, 0);
        let info = wait(&node, &b);
        assert_eq!(info.state, JobState::Success, "{info:?}");
        node.stop();
        (a, b)
    };
    let paused = {
        let node = open_node(dir, 1);
        node.serve(true).expect("serve");
        // Slow steps: the pause lands long before the end.
        let c = submit(&node, false, all_patients(&node), 300);
        control(&node, &c, Action::Pause);
        wait_for(&node, &c, |j| j.state == JobState::Paused);
        node.stop();
        c
    };
    let run = |args: &[&str]| {
        home.cmd()
            .current_dir(dir)
            .args(args)
            .output()
            .expect("runs")
    };
    let o = run(&["jobs", "output", &second, "-o", "media.zip"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let names = check_zip(&dir.join("media.zip"));
    assert_eq!(names.last().map(String::as_str), Some("DICOMDIR"));
    // stdout when it is not a terminal
    let o = run(&["jobs", "output", &second[..8]]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(o.stdout, fs::read(dir.join("media.zip")).expect("read"));
    // The first was evicted by the second (MediaArchiveSize 1).
    let o = run(&["jobs", "output", &first, "-o", "first.zip"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("evicted"), "{}", stderr(&o));
    assert!(!dir.join("first.zip").exists());
    // Not finished.
    let o = run(&["jobs", "output", &paused, "-o", "paused.zip"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not ready"), "{}", stderr(&o));
    assert!(!dir.join("paused.zip").exists());
}

#[test]
fn pause_resume_and_cancel_in_the_middle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = node_with(dir.path(), 30, 3000, 10);
    let patients = all_patients(&node);
    node.serve(true).expect("serve");
    let id = submit(&node, false, patients.clone(), 15);
    wait_for(&node, &id, |j| j.progress >= 20);
    control(&node, &id, Action::Pause);
    let paused = wait_for(&node, &id, |j| j.state == JobState::Paused);
    assert!(paused.progress < 100, "{paused:?}");
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(node.job(&id).expect("job").progress, paused.progress);
    control(&node, &id, Action::Resume);
    let done = wait(&node, &id);
    assert_eq!(done.state, JobState::Success, "{done:?}");
    let path = output_file(&node, &id);
    assert_eq!(check_zip(&path).len(), 30);

    let id = submit(&node, true, patients, 15);
    wait_for(&node, &id, |j| j.progress >= 20);
    control(&node, &id, Action::Cancel);
    let canceled = wait(&node, &id);
    assert_eq!(canceled.state, JobState::Failure);
    assert_eq!(canceled.error_code, 37);
    // The output is discarded right after the state change is committed.
    eventually("the canceled job's files to go", || {
        outputs(dir.path()).iter().all(|f| !f.starts_with(&id))
    });
    node.stop();
}

#[test]
fn a_job_resumed_by_another_process_or_recovered_after_a_stop_is_complete() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (paused, running) = {
        let node = node_with(dir.path(), 25, 3000, 10);
        let patients = all_patients(&node);
        node.serve(true).expect("serve");
        let paused = submit(&node, true, patients.clone(), 10);
        wait_for(&node, &paused, |j| j.progress >= 30);
        control(&node, &paused, Action::Pause);
        wait_for(&node, &paused, |j| j.state == JobState::Paused);
        let running = submit(&node, false, patients, 10);
        wait_for(&node, &running, |j| j.progress >= 30);
        // Like a daemon stopping (or killed) mid-job: the job stays Running in the database.
        node.stop();
        assert_eq!(node.job(&running).expect("job").state, JobState::Running);
        (paused, running)
    };
    let node = open_node(dir.path(), 10);
    // A daemon's start: recovery, then the workers.
    node.serve(true).expect("serve");
    control(&node, &paused, Action::Resume);
    for id in [&paused, &running] {
        let info = wait(&node, id);
        assert_eq!(info.state, JobState::Success, "{info:?}");
        let names = check_zip(&output_file(&node, id));
        let expected = if id == &paused { 26 } else { 25 };
        assert_eq!(names.len(), expected, "{names:#?}");
        assert_eq!(info.content["InstancesCount"], 25, "{:?}", info.content);
    }
    let dicomdir = dir.path().join("DICOMDIR");
    extract_zip_entry(&output_file(&node, &paused), "DICOMDIR", &dicomdir);
    check_dicomdir(&dicomdir);
    node.stop();
}

#[test]
fn a_failed_archive_can_be_resubmitted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = node_with(dir.path(), 8, 2000, 10);
    let patients = all_patients(&node);
    let victim = node
        .list_level(dicomq::store::ids::Level::Instance)
        .expect("instances")[0]
        .id()
        .to_string();
    let file = stored_file(dir.path(), &node.instance_bytes(&victim).expect("bytes"));
    let saved = dir.path().join("saved.dcm");
    fs::rename(&file, &saved).expect("hide");
    node.serve(true).expect("serve");
    let id = submit(&node, false, patients, 0);
    let failed = wait(&node, &id);
    assert_eq!(failed.state, JobState::Failure);
    assert!(failed.error_details.contains(&victim), "{failed:?}");
    eventually("the failed job's files to go", || {
        outputs(dir.path()).is_empty()
    });
    fs::rename(&saved, &file).expect("restore");
    control(&node, &id, Action::Resubmit);
    let ok = wait(&node, &id);
    assert_eq!(ok.state, JobState::Success, "{ok:?}");
    assert_eq!(check_zip(&output_file(&node, &id)).len(), 8);
    node.stop();
}

/// The file under the home's storage that holds exactly `bytes` (the Node hands out
/// contents, not paths).
fn stored_file(home: &Path, bytes: &[u8]) -> PathBuf {
    let mut dirs = vec![DataHome::at(home).storage_dir()];
    while let Some(d) = dirs.pop() {
        for e in fs::read_dir(&d).expect("read storage").flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if fs::read(&p).is_ok_and(|b| b == bytes) {
                return p;
            }
        }
    }
    panic!("no stored file holds these {} bytes", bytes.len())
}

/// The job's writer path (plan and steps of the `Archive` kind) without the engine around it,
/// to keep the 65 600 steps fast.
#[test]
fn zip64_with_more_than_65535_entries() {
    use dicomq::jobs::{ArchiveJob, JobKind, JobOutputs, StepContext, StepOutcome};
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 65_600;
    let home = DataHome::at(dir.path());
    home.ensure().expect("home");
    let db = dicomq::node::open_database(&home).expect("db");
    let store = Arc::new(
        dicomq::store::Store::open(db, home.storage_dir(), Default::default()).expect("store"),
    );
    let started = Instant::now();
    let items = (0..n)
        .map(|i| {
            ImportItem::new(
                format!("bulk{i}"),
                ImportSource::Bytes(testdata::small_instance(i as u64, 300)),
            )
        })
        .collect();
    store.import(items, &mut |_| {}).expect("import");
    eprintln!("import of {n}: {:?}", started.elapsed());
    let patients: Vec<String> = store
        .list(dicomq::store::ids::Level::Patient, None)
        .expect("list")
        .iter()
        .map(|v| v.id().to_string())
        .collect();
    let outputs = Arc::new(JobOutputs::new(home.outputs_dir(), 10));
    let kind = ArchiveJob::new(
        false,
        &KindContext {
            store,
            outputs: outputs.clone(),
            anonymization_key: home.anonymization_key(),
            network: Default::default(),
        },
    );
    let params = ArchiveParams {
        resources: patients,
        compression: dicomq::archive::zip_writer::Compression::Store,
        ..ArchiveParams::default()
    }
    .to_json();
    let started = Instant::now();
    let plan = kind.plan("zip64-job", &params).expect("plan");
    assert_eq!(plan.steps, n as u64 + 1);
    let mut ctx = StepContext {
        job_id: "zip64-job".into(),
        params,
        position: 0,
        steps: plan.steps,
        checkpoint: serde_json::Value::Null,
        content: plan.content,
        progress: None,
    };
    while ctx.position < ctx.steps {
        assert_eq!(kind.step(&mut ctx), StepOutcome::Continue);
        ctx.position += 1;
    }
    eprintln!("archive of {n}: {:?}", started.elapsed());
    let path = outputs.output("zip64-job", false);
    assert_eq!(check_zip(&path).len(), n);
    // ZIP64 end of central directory record.
    let bytes = fs::read(&path).expect("read");
    assert!(bytes.windows(4).any(|w| w == [0x50, 0x4b, 0x06, 0x06]));
}

/// Issue 11, defect 14: sources without the Type 1 keys of the directory records (StudyID,
/// StudyDate/Time, SeriesNumber, Modality, InstanceNumber, PatientID), or with values that are
/// not valid for the record's VR, still give a DICOMDIR without dciodvfy errors.
#[test]
fn media_of_sources_missing_type1_keys_passes_dciodvfy() {
    let home = Home::new();
    let dir = home.path().join("sparse");
    fs::create_dir_all(&dir).expect("mkdir");
    let uid = |l: &str| testdata::deterministic_uid(&format!("dicomq-archive-test/sparse/{l}"));
    let bare = |n: u32| {
        let mut x = testdata::InstanceSpec::new_mr(
            "PAT-S",
            "Sparse^Keys",
            &uid(&format!("st{}", n % 2)),
            &uid(&format!("se{n}")),
            &uid(&format!("i{n}")),
        );
        x.study_id = None;
        x.study_date = None;
        x.study_time = None;
        x.series_number = None;
        x.modality = None;
        x.instance_number = None;
        x
    };
    let mut specs = vec![bare(0), bare(1)];
    let mut bad = bare(2);
    bad.study_id = Some("STUDY-ID-TOO-LONG".into()); // 17 > 16 characters of SH
    bad.study_date = Some("2024-01-15".into());
    bad.study_time = Some("25:61".into());
    bad.modality = Some("mr".into());
    bad.study_description = Some("D".repeat(80)); // LO: 64 characters at most
    bad.study_uid = uid("st-bad-values");
    bad.accession = Some("ACCESSION-NUMBER-20".into()); // SH: 16
    specs.push(bad);
    let mut empty = bare(3);
    empty.patient_id = None;
    empty.study_uid = uid("st-without-patient-id");
    empty.study_id = Some(String::new());
    empty.study_date = Some(String::new());
    specs.push(empty);
    for (i, s) in specs.iter().enumerate() {
        fs::write(dir.join(format!("s{i}.dcm")), s.to_bytes()).expect("write");
    }
    let o = home.run(&["store", dir.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let names = archive_names(&home, &["--media"], "sparse.zip");
    assert_eq!(names.len(), specs.len() + 1, "{names:?}");
    let dicomdir = home.path().join("DICOMDIR-sparse");
    extract_zip_entry(&home.path().join("sparse.zip"), "DICOMDIR", &dicomdir);
    check_dicomdir(&dicomdir);
    // The invented and fallback values are the ones documented in src/archive/dicomdir.rs.
    let f = dicom_object::open_file(&dicomdir).expect("DICOMDIR parses");
    let records = f
        .element(dicom_dictionary_std::tags::DIRECTORY_RECORD_SEQUENCE)
        .expect("records")
        .items()
        .expect("items")
        .to_vec();
    let values = |tag| -> Vec<String> {
        records
            .iter()
            .filter_map(|r| r.element(tag).ok())
            .filter_map(|e| e.value().to_str().ok().map(|s| s.trim().to_string()))
            .collect()
    };
    let study_ids = values(dicom_dictionary_std::tags::STUDY_ID);
    assert_eq!(study_ids.len(), 4, "{study_ids:?}"); // 3 studies of PAT-S, 1 without PatientID
    assert!(
        study_ids.iter().all(|s| s.starts_with("DICOMQSTUDY")),
        "{study_ids:?}"
    );
    assert!(
        values(dicom_dictionary_std::tags::MODALITY)
            .iter()
            .all(|m| m == "OT")
    );
    assert!(
        values(dicom_dictionary_std::tags::STUDY_DATE)
            .iter()
            .all(|d| d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()))
    );
}

/// Orthanc's `test_media_encodings` sources: one instance each in ASCII, ISO_IR 100 and ISO_IR
/// 101, stored in `home`.
fn store_encoding_sources(home: &Home) -> Vec<testdata::InstanceSpec> {
    let dir = home.path().join("encodings");
    fs::create_dir_all(&dir).expect("mkdir");
    let uid = |l: &str| testdata::deterministic_uid(&format!("dicomq-archive-test/enc/{l}"));
    let source = |n: &str, name: &str, charset| {
        let mut x = testdata::InstanceSpec::new_mr(
            &format!("PAT-{n}"),
            name,
            &uid(&format!("st-{n}")),
            &uid(&format!("se-{n}")),
            &uid(&format!("i-{n}")),
        );
        x.charset = charset;
        x
    };
    let mut latin2 = source("L2", "Dvořák^Jiří", testdata::Charset::Latin2);
    latin2.study_description = Some("Mozek řez".into());
    let specs = vec![
        source("A", "Doe^John", testdata::Charset::Ascii),
        source("L1", "Müller^Hans", testdata::Charset::Latin1),
        latin2,
    ];
    for (i, s) in specs.iter().enumerate() {
        fs::write(dir.join(format!("s{i}.dcm")), s.to_bytes()).expect("write");
    }
    let on_disk = fs::read(dir.join("s2.dcm")).expect("read");
    assert!(
        on_disk.windows(6).any(|w| w == b"Dvo\xf8\xe1k"),
        "the source really is Latin-2"
    );
    let o = home.run(&["store", dir.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    specs
}

/// What Orthanc's `test_media_encodings` asks of the DICOMDIR of those sources, and more:
/// dciodvfy without errors, dcentvfy silent, `dcm2xml` (no options) reading it into UTF-8 XML
/// with every name and SOP instance UID, and dicomq's own reader decoding each record.
fn check_encodings_dicomdir(dicomdir: &Path, specs: &[testdata::InstanceSpec]) {
    check_dicomdir(dicomdir);
    if have_tool("dcentvfy") {
        let o = Command::new("dcentvfy")
            .arg(dicomdir)
            .output()
            .expect("dcentvfy");
        let text = format!("{}{}", stdout(&o), stderr(&o));
        assert!(text.trim().is_empty(), "dcentvfy: {text}");
    }
    if have_tool("dcm2xml") {
        let o = Command::new("dcm2xml")
            .arg(dicomdir)
            .output()
            .expect("dcm2xml");
        assert!(o.status.success(), "dcm2xml: {}", stderr(&o));
        let xml = String::from_utf8(o.stdout).expect("UTF-8, as the XML declares");
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{xml}"
        );
        for s in specs {
            assert!(xml.contains(&s.patient_name), "{} in {xml}", s.patient_name);
            assert!(xml.contains(s.sop_uid.as_deref().expect("uid")), "{xml}");
        }
        assert!(xml.contains("Mozek řez"), "{xml}");
    }
    let f = dicom_object::open_file(dicomdir).expect("DICOMDIR parses");
    let text = |o: &dicom_object::InMemDicomObject, tag| {
        o.element(tag)
            .ok()
            .and_then(|e| e.to_str().ok().map(|v| v.trim().to_string()))
    };
    use dicom_dictionary_std::tags;
    assert_eq!(
        text(&f, tags::SPECIFIC_CHARACTER_SET).as_deref(),
        Some("ISO_IR 192")
    );
    let mut patients: Vec<String> = f
        .element(tags::DIRECTORY_RECORD_SEQUENCE)
        .expect("records")
        .items()
        .expect("items")
        .iter()
        .filter_map(|r| text(r, tags::PATIENT_NAME))
        .collect();
    patients.sort();
    assert_eq!(patients, ["Doe^John", "Dvořák^Jiří", "Müller^Hans"]);
}

const LATIN2_UTF8_PATH: &str =
    "PAT-L2 - Dvořák^Jiří/ACC-1 - Mozek řez/1 - MR - T1 axial/MR000001.dcm";
const LATIN2_ASCII_PATH: &str = "PAT-L2 - Dvok^Ji/ACC-1 - Mozek ez/1 - MR - T1 axial/MR000001.dcm";
const LATIN1_ASCII_PATH: &str =
    "PAT-L1 - Mller^Hans/ACC-1 - Brain MRI/1 - MR - T1 axial/MR000001.dcm";

/// Issue 13 (Orthanc's `test_media_encodings`), through the CLI: sources in ASCII, ISO_IR 100
/// and ISO_IR 101 make a DICOMDIR that the standard tools read, the non-ASCII names kept
/// (Orthanc strips them); the plain ZIP names their folders in UTF-8, or in ASCII with
/// `--ascii-names` (Orthanc's `test_archive_utf8`).
#[test]
fn media_of_ascii_latin1_and_latin2_sources_reads_in_dcm2xml() {
    let home = Home::new();
    let specs = store_encoding_sources(&home);
    let names = archive_names(&home, &["--media"], "encodings.zip");
    assert_eq!(
        names,
        ["IMAGES/IM0", "IMAGES/IM1", "IMAGES/IM2", "DICOMDIR"]
    );
    let dicomdir = home.path().join("DICOMDIR-encodings");
    extract_zip_entry(&home.path().join("encodings.zip"), "DICOMDIR", &dicomdir);
    check_encodings_dicomdir(&dicomdir, &specs);

    let utf8 = archive_names(&home, &[], "utf8.zip");
    assert!(utf8.iter().any(|n| n == LATIN2_UTF8_PATH), "{utf8:#?}");
    let ascii = archive_names(&home, &["--ascii-names"], "ascii.zip");
    for n in [LATIN2_ASCII_PATH, LATIN1_ASCII_PATH] {
        assert!(ascii.iter().any(|x| x == n), "{n} not in {ascii:#?}");
    }
}

/// The same through Orthanc's routes: `POST /tools/create-media` with a bare array (as
/// `test_media_encodings` posts it) and `POST /tools/create-archive` with `Utf8` false (the
/// default: accents dropped) and true (UTF-8 names), as `test_archive_utf8`.
#[test]
fn orthanc_encoding_routes_over_http() {
    let home = Home::new();
    let specs = store_encoding_sources(&home);
    let addr = format!("127.0.0.1:{}", common::free_port());
    let _d = home.daemon(&["--http", &addr]);
    common::poll(10, "the HTTP port", || {
        std::net::TcpStream::connect(&addr).ok().map(|_| ())
    });
    let base = format!("http://{addr}");
    let ids = common::curl(&[&format!("{base}/instances")]).json();
    let ids = serde_json::to_string(&ids).expect("JSON");
    let post = |route: &str, body: &str, name: &str| -> (PathBuf, Vec<String>) {
        let a = common::curl(&["-X", "POST", "-d", body, &format!("{base}{route}")]);
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
        let path = home.path().join(name);
        fs::write(&path, &a.body).expect("write");
        let names = check_zip(&path);
        (path, names)
    };

    let (zip, names) = post("/tools/create-media", &ids, "http-media.zip");
    assert_eq!(
        names,
        ["IMAGES/IM0", "IMAGES/IM1", "IMAGES/IM2", "DICOMDIR"]
    );
    let dicomdir = home.path().join("DICOMDIR-http");
    extract_zip_entry(&zip, "DICOMDIR", &dicomdir);
    check_encodings_dicomdir(&dicomdir, &specs);

    let body = |utf8: bool| format!(r#"{{"Resources": {ids}, "Utf8": {utf8}}}"#);
    let (_, ascii) = post("/tools/create-archive", &body(false), "http-ascii.zip");
    assert_eq!(ascii.len(), 3, "{ascii:#?}");
    for n in [LATIN2_ASCII_PATH, LATIN1_ASCII_PATH] {
        assert!(ascii.iter().any(|x| x == n), "{n} not in {ascii:#?}");
    }
    let (_, default) = post("/tools/create-archive", &ids, "http-default.zip");
    assert_eq!(default, ascii, "Utf8 is false by default, as in Orthanc");
    let (_, utf8) = post("/tools/create-archive", &body(true), "http-utf8.zip");
    assert!(utf8.iter().any(|n| n == LATIN2_UTF8_PATH), "{utf8:#?}");
    assert!(
        utf8.iter().any(|n| n.starts_with("PAT-L1 - Müller^Hans/")),
        "{utf8:#?}"
    );
}

/// Issue 11, defect 14: an instance with neither SOPClassUID nor MediaStorageSOPClassUID cannot
/// get an IMAGE record: the media job fails as Orthanc's does (Bad file format, naming the
/// instance), never as an internal error printing Rust's `Some(..)`; a plain archive of it works.
#[test]
fn media_of_an_instance_without_sop_class_fails_cleanly() {
    use dicom_dictionary_std::tags;
    let home = Home::new();
    let spec = testdata::InstanceSpec::new_mr(
        "PAT-NC",
        "No^Class",
        "1.2.3.77",
        "1.2.3.77.1",
        "1.2.3.77.1.1",
    );
    let mut obj = spec.to_object();
    obj.remove_element(tags::SOP_CLASS_UID);
    let file = obj
        .with_meta(
            dicom_object::FileMetaTableBuilder::new()
                .transfer_syntax(dicom_dictionary_std::uids::EXPLICIT_VR_LITTLE_ENDIAN)
                .media_storage_sop_class_uid("")
                .implementation_class_uid(testdata::IMPLEMENTATION_CLASS_UID),
        )
        .expect("meta");
    let path = home.path().join("noclass.dcm");
    file.write_to_file(&path).expect("write");
    let o = home.run(&["store", path.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let instance =
        dicomq::store::ids::orthanc_id(&["PAT-NC", "1.2.3.77", "1.2.3.77.1", "1.2.3.77.1.1"]);
    let patient = dicomq::store::ids::orthanc_id(&["PAT-NC"]);

    let media = home.path().join("media.zip");
    let o = home.run(&[
        "archive",
        "--media",
        &patient,
        "-o",
        media.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("Bad file format"), "{err}");
    assert!(
        err.contains(&instance) && err.contains("SOPClassUID"),
        "{err}"
    );
    assert!(
        !err.contains("Some(") && !err.contains("Internal error"),
        "{err}"
    );
    assert!(!media.exists());
    let failed = home.json(&["jobs", "ls", "--state", "Failure"]);
    let job = home.json(&["jobs", "show", failed[0]["ID"].as_str().expect("ID")]);
    assert_eq!(job["ErrorCode"], 15, "{job}");
    assert!(
        outputs(home.path()).is_empty(),
        "{:?}",
        outputs(home.path())
    );

    let plain = home.path().join("plain.zip");
    let o = home.run(&["archive", &patient, "-o", plain.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A small archive's plan rides in the job's checkpoint (no `<job>.plan.json`, no fsync of its
/// own at submit); a large one has its file. Either way, a process that did not plan the job
/// (fresh memory, as after a daemon restart) writes the complete output from what is stored.
#[test]
fn a_small_plan_rides_in_the_checkpoint_and_a_large_one_in_its_file() {
    use dicomq::jobs::{ArchiveJob, JobKind, JobOutputs, StepContext, StepOutcome};
    let dir = tempfile::tempdir().expect("tempdir");
    let home = DataHome::at(dir.path());
    home.ensure().expect("home");
    let db = dicomq::node::open_database(&home).expect("db");
    let store = Arc::new(
        dicomq::store::Store::open(db, home.storage_dir(), Default::default()).expect("store"),
    );
    let items = (0..40)
        .map(|i| {
            ImportItem::new(
                format!("i{i}"),
                ImportSource::Bytes(testdata::small_instance(i, 300)),
            )
        })
        .collect();
    store.import(items, &mut |_| {}).expect("import");
    let instances: Vec<String> = store
        .list(dicomq::store::ids::Level::Instance, None)
        .expect("list")
        .iter()
        .map(|v| v.id().to_string())
        .collect();
    assert_eq!(instances.len(), 40);
    let outputs = Arc::new(JobOutputs::new(home.outputs_dir(), 10));
    let ctx = KindContext {
        store,
        outputs: outputs.clone(),
        anonymization_key: home.anonymization_key(),
        network: Default::default(),
    };
    let planner = ArchiveJob::new(false, &ctx);
    let runner = ArchiveJob::new(false, &ctx);
    for (job, resources, embedded) in [
        ("small-job", instances[..1].to_vec(), true),
        ("large-job", instances.clone(), false),
    ] {
        let params = ArchiveParams {
            resources,
            ..ArchiveParams::default()
        }
        .to_json();
        let plan = planner.plan(job, &params).expect("plan");
        assert_eq!(plan.checkpoint.get("Plan").is_some(), embedded, "{job}");
        assert_eq!(outputs.plan(job).exists(), !embedded, "{job}");
        let mut ctx = StepContext {
            job_id: job.into(),
            params,
            position: 0,
            steps: plan.steps,
            checkpoint: plan.checkpoint,
            content: plan.content,
            progress: None,
        };
        while ctx.position < ctx.steps {
            assert_eq!(runner.step(&mut ctx), StepOutcome::Continue, "{job}");
            ctx.position += 1;
        }
        let entries = check_zip(&outputs.output(job, false)).len();
        assert_eq!(entries, plan.steps as usize - 1, "{job}");
    }
}
