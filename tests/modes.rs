//! Inline and daemon modes give the same answers: every scenario runs once on a home without a
//! daemon (the command does the work itself) and once on a home with a running daemon (the
//! command is a client), and the normalised outputs (exit code, stdout, stderr) must be equal.
//! Only what must differ is normalised; each rule says why.

mod common;

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::process::Output;

use common::Home;

/// One command of a scenario and what it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    label: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// The inputs both modes store: four generated instances of two patients, one broken file,
/// and two patients whose IDs share their first 8 hex digits (for the ambiguous prefix).
struct Inputs {
    dir: tempfile::TempDir,
    png: std::path::PathBuf,
    pdf: std::path::PathBuf,
    twin_prefix: String,
}

fn inputs() -> Inputs {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = dir.path().join("files");
    fs::create_dir(&files).expect("mkdir");
    for n in 0..4u64 {
        fs::write(
            files.join(format!("{n}.dcm")),
            dicomq_testdata::small_instance(n, 3000),
        )
        .expect("write");
    }
    fs::write(files.join("broken.dcm"), b"DICM? not a DICOM file").expect("write");
    // Two PatientIDs whose Orthanc IDs share 8 hex digits (a 32-bit birthday search).
    let mut seen = HashMap::new();
    let (a, b) = (0u32..)
        .find_map(|n| {
            let pid = format!("P{n}");
            let id = dicomq::store::ids::orthanc_id(&[pid.as_str()]);
            seen.insert(id[..8].to_string(), pid.clone())
                .map(|other| (other, pid))
        })
        .expect("a shared prefix");
    for (n, pid) in [&a, &b].into_iter().enumerate() {
        let uid = |level: &str| format!("1.2.826.0.1.3680043.10.1078.9{level}.{n}");
        let spec = dicomq_testdata::InstanceSpec::new_mr(
            pid,
            "TWIN^PREFIX",
            &uid("1"),
            &uid("2"),
            &uid("3"),
        );
        fs::write(files.join(format!("twin{n}.dcm")), spec.to_bytes()).expect("write");
    }
    let twin_prefix = dicomq::store::ids::orthanc_id(&[a.as_str()])[..8].to_string();
    let pdf = dir.path().join("report.pdf");
    fs::write(&pdf, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").expect("write");
    Inputs {
        png: Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/orthanc/create-dicom/inputs/rgb_64x48.png"),
        pdf,
        dir,
        twin_prefix,
    }
}

/// The metrics that only a long-lived process has: file storage times and bytes "since start"
/// and the daemon's uptime are fed by the process doing the work, and an inline command is a
/// fresh process that stored nothing itself. Counts and sizes (from the index) stay compared.
fn without_process_metrics(text: &str) -> String {
    let own = |l: &str| {
        let name = l
            .trim_start_matches("# HELP ")
            .trim_start_matches("# TYPE ")
            .split([' ', '{'])
            .next()
            .unwrap_or("");
        name.starts_with("orthanc_storage_")
            || name == "orthanc_store_dicom_duration_ms"
            || name == "orthanc_up_time_s"
    };
    text.split_inclusive('\n').filter(|l| !own(l)).collect()
}

/// Makes an output comparable across the two runs.
fn normalise(text: &str, home: &Path) -> String {
    // Each run has its own temporary home.
    let mut s = text.replace(&home.to_string_lossy().into_owned(), "<home>");
    // Job IDs are random UUIDs (8-4-4-4-12); resource IDs (5 × 8 hex) are kept.
    s = replace_all(&s, uuid_at, "<job-id>");
    // When a resource or a job changed ("LastUpdate": "20261130T193454", Orthanc's format):
    // the clock, not the mode.
    s = replace_all(&s, timestamp_at, "<time>");
    // A job's run time in seconds is the machine's, not the mode's; create-dicom stamps its
    // instance with the clock (DICOM DA/TM values, not in the timestamp form above).
    for key in [
        "EffectiveRuntime",
        "InstanceCreationDate",
        "InstanceCreationTime",
    ] {
        s = json_value_hidden(&s, key);
    }
    // How long a command took ("7 files in 0.07 s") depends on the machine and the mode.
    durations(&s)
}

/// Replaces the value of every `"key": value` line with `<clock>`.
fn json_value_hidden(s: &str, key: &str) -> String {
    let pattern = format!("\"{key}\": ");
    s.split_inclusive('\n')
        .map(|l| match l.split_once(&pattern) {
            Some((indent, rest)) => {
                let comma = if rest.trim_end().ends_with(',') {
                    ","
                } else {
                    ""
                };
                let end = if rest.ends_with('\n') { "\n" } else { "" };
                format!("{indent}{pattern}<clock>{comma}{end}")
            }
            None => l.to_string(),
        })
        .collect()
}

/// Replaces `<number> s` and `<number> ms` (a number not glued to a word) with `<duration>`.
fn durations(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        let starts = b[i].is_ascii_digit()
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.'));
        if starts {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
                j += 1;
            }
            let k = if b.get(j) == Some(&b' ') { j + 1 } else { j };
            let unit = [&b"ms"[..], &b"s"[..]].into_iter().find(|u| {
                b[k..].starts_with(u)
                    && b.get(k + u.len())
                        .is_none_or(|c| !c.is_ascii_alphanumeric())
            });
            if let Some(u) = unit {
                out.push_str(&s[copied..i]);
                out.push_str("<duration>");
                i = k + u.len();
                copied = i;
                continue;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    out.push_str(&s[copied..]);
    out
}

/// 36 if a UUID (lowercase 8-4-4-4-12 hex, not inside a longer hex run) starts at `i`.
fn uuid_at(b: &[u8], i: usize) -> Option<usize> {
    is_uuid_at(b, i).then_some(36)
}

fn is_uuid_at(b: &[u8], i: usize) -> bool {
    let hex = |c: u8| c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
    if i + 36 > b.len() || (i > 0 && (hex(b[i - 1]) || b[i - 1] == b'-')) {
        return false;
    }
    let ok = b[i..i + 36].iter().enumerate().all(|(k, &c)| match k {
        8 | 13 | 18 | 23 => c == b'-',
        _ => hex(c),
    });
    ok && b.get(i + 36).is_none_or(|&c| !hex(c) && c != b'-')
}

/// The length of the `YYYYMMDDTHHMMSS[.ffffff]` starting at `i`, if one does.
fn timestamp_at(b: &[u8], i: usize) -> Option<usize> {
    let ok = i + 15 <= b.len()
        && (i == 0 || !b[i - 1].is_ascii_digit())
        && b[i..i + 8].iter().all(u8::is_ascii_digit)
        && b[i + 8] == b'T'
        && b[i + 9..i + 15].iter().all(u8::is_ascii_digit);
    if !ok {
        return None;
    }
    let fraction = match b.get(i + 15) {
        Some(b'.') => {
            1 + b[i + 16..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count()
        }
        _ => 0,
    };
    Some(15 + fraction)
}

fn replace_all(s: &str, at: fn(&[u8], usize) -> Option<usize>, with: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if let Some(len) = at(b, i) {
            out.push_str(with);
            i += len;
        } else {
            let ch = s[i..].chars().next().expect("char boundary");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn step(label: &str, o: &Output, home: &Path) -> Step {
    Step {
        label: label.to_string(),
        code: o.status.code(),
        stdout: normalise(&String::from_utf8_lossy(&o.stdout), home),
        stderr: normalise(&String::from_utf8_lossy(&o.stderr), home),
    }
}

/// The ZIP's entries as `name size` lines (the bytes may differ: entry times).
fn zip_entries(path: &Path) -> String {
    let file = fs::File::open(path).expect("archive written");
    let mut zip = zip::ZipArchive::new(file).expect("a ZIP");
    (0..zip.len())
        .map(|i| {
            let e = zip.by_index(i).expect("entry");
            format!("{} {}\n", e.name().expect("entry name"), e.size())
        })
        .collect()
}

/// Runs every scenario on `home` and returns what each command answered.
fn scenario(home: &Home, inp: &Inputs) -> Vec<Step> {
    let h = home.path();
    let mut steps = Vec::new();
    let mut run = |label: &str, args: &[&str]| {
        let o = home.run(args);
        steps.push(step(label, &o, h));
        o
    };
    let files = inp.dir.path().join("files");
    run("store", &["store", files.to_str().expect("utf8")]);
    for level in ["patients", "studies", "series", "instances"] {
        run(&format!("ls {level}"), &["ls", level]);
        run(&format!("ls {level} --json"), &["--json", "ls", level]);
    }
    let ids = |level: &str| -> Vec<String> {
        home.json(&["ls", level])
            .as_array()
            .expect("a list")
            .iter()
            .map(|r| r["ID"].as_str().expect("ID").to_string())
            .collect()
    };
    let patients = ids("patients");
    let instances = ids("instances");
    run("show patient", &["--json", "show", &patients[0]]);
    run("show instance", &["--json", "show", &instances[0]]);
    run("show --tags", &["show", "--tags", &instances[0]]);
    run(
        "show --tags --json",
        &["--json", "show", "--tags", &instances[0]],
    );
    // create-dicom gives fixed UIDs, so that both modes create the same resources.
    let uids = |n: &str| {
        [
            format!("StudyInstanceUID=1.2.826.0.1.3680043.10.1078.7.{n}"),
            format!("SeriesInstanceUID=1.2.826.0.1.3680043.10.1078.7.{n}.1"),
            format!("SOPInstanceUID=1.2.826.0.1.3680043.10.1078.7.{n}.1.1"),
        ]
    };
    let [st, se, sop] = uids("1");
    run(
        "create-dicom png",
        &[
            "--json",
            "create-dicom",
            "--force",
            "--image",
            inp.png.to_str().expect("utf8"),
            "--tag",
            "PatientID=CREATED",
            "--tag",
            &st,
            "--tag",
            &se,
            "--tag",
            &sop,
        ],
    );
    let [st, se, sop] = uids("2");
    run(
        "create-dicom pdf",
        &[
            "--json",
            "create-dicom",
            "--force",
            "--pdf",
            inp.pdf.to_str().expect("utf8"),
            "--tag",
            "PatientID=CREATED",
            "--tag",
            &st,
            "--tag",
            &se,
            "--tag",
            &sop,
        ],
    );
    run("changes", &["changes"]);
    run(
        "changes --json page",
        &["--json", "changes", "--since", "2", "--limit", "3"],
    );
    run("changes bad limit", &["changes", "--limit", "0"]);
    let zip = h.join("out.zip");
    let o = run(
        "archive sync",
        &["archive", &patients[0], "-o", zip.to_str().expect("utf8")],
    );
    if o.status.success() {
        steps.push(Step {
            label: "archive entries".into(),
            code: None,
            stdout: zip_entries(&zip),
            stderr: String::new(),
        });
    }
    let mut run = |label: &str, args: &[&str]| {
        let o = home.run(args);
        steps.push(step(label, &o, h));
        o
    };
    run("jobs ls", &["--json", "jobs", "ls"]);
    let jobs = home.json(&["jobs", "ls"]);
    let job = jobs
        .as_array()
        .and_then(|j| j.first())
        .and_then(|j| j["ID"].as_str())
        .unwrap_or("none")
        .to_string();
    run("jobs show", &["--json", "jobs", "show", &job]);
    run("metrics", &["metrics"]);
    if let Some(m) = steps.last_mut() {
        m.stdout = without_process_metrics(&m.stdout);
    }
    let mut run = |label: &str, args: &[&str]| {
        let o = home.run(args);
        steps.push(step(label, &o, h));
        o
    };
    run("metrics status", &["metrics", "status"]);
    run("jobs ls table", &["jobs", "ls"]);
    // The table shows a job's short ID (its first 8 characters): a fresh UUID in each run.
    if let Some(m) = steps.last_mut() {
        m.stdout = m.stdout.replace(&job[..job.len().min(8)], "<job-id>");
    }
    let mut run = |label: &str, args: &[&str]| {
        let o = home.run(args);
        steps.push(step(label, &o, h));
        o
    };
    run("show by prefix", &["show", &patients[0][..8]]);
    run("ls --parent", &["ls", "studies", "--parent", &patients[0]]);
    // Before rm: the instance removed may be a twin's only one.
    run("unknown ID", &["show", "ffffffff-0000"]);
    run("ambiguous prefix", &["show", &inp.twin_prefix]);
    run("unknown job", &["jobs", "show", "ffffffff"]);
    run(
        "rm unknown",
        &["rm", "01234567-89abcdef-01234567-89abcdef-01234567"],
    );
    run("rm instance", &["rm", &instances[1]]);
    run("ls instances after rm", &["--json", "ls", "instances"]);
    run("show after rm", &["show", &instances[1]]);
    let study = ids("studies")[0].clone();
    run(
        "modify refused",
        &["modify", &patients[0], "--replace", "PatientName=X"],
    );
    run(
        "modify unknown tag",
        &["modify", &study, "--replace", "NoSuchTag=X"],
    );
    run(
        "modify study",
        &[
            "--json",
            "modify",
            &study,
            "--replace",
            "StudyDescription=Modes",
        ],
    );
    redact_new_ids(&mut steps);
    let mut run = |label: &str, args: &[&str]| {
        let o = home.run(args);
        steps.push(step(label, &o, h));
    };
    run(
        "anonymize 2008",
        &["anonymize", &study, "--profile", "2008"],
    );
    run("anonymize study", &["--json", "anonymize", &study]);
    redact_new_ids(&mut steps);
    steps
}

/// The new resources' IDs come from UIDs derived from the job's ID, fresh in each run.
fn redact_new_ids(steps: &mut [Step]) {
    if let Some(m) = steps.last_mut()
        && let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&m.stdout)
        && let Some(o) = v.as_object_mut()
    {
        for key in ["ID", "Path", "PatientID"] {
            o.insert(key.into(), "<new>".into());
        }
        m.stdout = v.to_string();
    }
}

/// The first step where the two runs differ, as a readable report.
fn differences(inline: &[Step], daemon: &[Step]) -> Option<String> {
    for (a, b) in inline.iter().zip(daemon) {
        if a != b {
            return Some(format!(
                "step {:?} differs\n--- inline (exit {:?})\n{}{}\n--- daemon (exit {:?})\n{}{}",
                a.label, a.code, a.stdout, a.stderr, b.code, b.stdout, b.stderr
            ));
        }
    }
    (inline.len() != daemon.len()).then(|| {
        format!(
            "{} steps inline, {} through the daemon",
            inline.len(),
            daemon.len()
        )
    })
}

#[test]
fn inline_and_daemon_answer_the_same() {
    let inp = inputs();
    let inline_home = Home::new();
    let inline = scenario(&inline_home, &inp);
    let daemon_home = Home::new();
    let mut daemon = daemon_home.daemon(&[]);
    let through_daemon = scenario(&daemon_home, &inp);
    assert!(daemon.terminate(20).success());
    // The scenarios did run as meant (a command failing the same way in both modes would
    // compare equal too): only the broken file's store and the error cases exit 1.
    for st in &inline {
        let expected = match st.label.as_str() {
            "store" | "unknown ID" | "ambiguous prefix" | "unknown job" | "rm unknown"
            | "show after rm" | "changes bad limit" | "modify refused" | "modify unknown tag"
            | "anonymize 2008" => Some(1),
            "archive entries" => None,
            _ => Some(0),
        };
        assert_eq!(st.code, expected, "{st:?}");
    }
    let stderr_of = |label: &str| {
        &inline
            .iter()
            .find(|s| s.label == label)
            .expect(label)
            .stderr
    };
    assert!(stderr_of("unknown ID").contains("no resource matches"));
    assert!(stderr_of("ambiguous prefix").contains("hint: give more characters"));
    assert!(
        inline
            .iter()
            .any(|s| s.label == "archive entries" && !s.stdout.is_empty())
    );
    if let Some(diff) = differences(&inline, &through_daemon) {
        panic!("{diff}");
    }
}

#[test]
fn the_comparison_catches_a_difference() {
    let s = |stdout: &str, code| Step {
        label: "ls".into(),
        code: Some(code),
        stdout: stdout.into(),
        stderr: String::new(),
    };
    assert_eq!(differences(&[s("a", 0)], &[s("a", 0)]), None);
    assert!(differences(&[s("a", 0)], &[s("b", 0)]).is_some());
    assert!(differences(&[s("a", 0)], &[s("a", 1)]).is_some());
    assert!(differences(&[s("a", 0)], &[s("a", 0), s("a", 0)]).is_some());
    // Normalisation hides job IDs and the home, nothing else.
    let home = Path::new("/tmp/h1");
    assert_eq!(
        normalise(
            "job 0b3f5f8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b in /tmp/h1/x",
            home
        ),
        "job <job-id> in <home>/x"
    );
    assert_eq!(
        without_process_metrics(
            "# HELP orthanc_up_time_s S.\n# TYPE orthanc_up_time_s gauge\northanc_up_time_s 3\n\
             orthanc_count_instances 4\n"
        ),
        "orthanc_count_instances 4\n"
    );
    let resource = "6816cb19-844d5aee-85245eba-3c6a5a57-11e8ee36";
    assert_eq!(normalise(resource, home), resource);
}
