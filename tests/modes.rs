//! The same CLI session, inline and through a daemon: every answer (exit code, stdout, stderr)
//! must be the same. Only what must differ between two runs is normalised, each rule saying why.

mod common;

use std::process::Output;

use common::{Home, fixtures};

/// One step's answer, normalised.
#[derive(Debug, PartialEq)]
struct Answer {
    args: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Whether `s` at `i` starts a run of `n` lowercase hex digits.
fn hex_run(s: &[u8], i: usize, n: usize) -> bool {
    s.len() >= i + n
        && s[i..i + n]
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// Replaces what two runs of the same session cannot share:
/// - job IDs (UUID v4, `8-4-4-4-12` hex, and their 8-digit short form in `jobs ls`): random by
///   design;
/// - timestamps (`20261130T183512.123456`, and the 15-character `Created` column): the clock;
/// - runtimes (`0.123s` in `jobs ls`, `EffectiveRuntime`): the machine's speed.
fn normalise(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let uuid = hex_run(b, i, 8)
            && b.get(i + 8) == Some(&b'-')
            && hex_run(b, i + 9, 4)
            && b.get(i + 13) == Some(&b'-')
            && hex_run(b, i + 14, 4)
            && b.get(i + 18) == Some(&b'-')
            && hex_run(b, i + 19, 4)
            && b.get(i + 23) == Some(&b'-')
            && hex_run(b, i + 24, 12)
            && !b.get(i + 36).is_some_and(u8::is_ascii_hexdigit);
        if uuid {
            out.push_str("<job>");
            i += 36;
            continue;
        }
        let stamp = b.len() >= i + 15
            && b[i..i + 8].iter().all(u8::is_ascii_digit)
            && b[i + 8] == b'T'
            && b[i + 9..i + 15].iter().all(u8::is_ascii_digit);
        if stamp {
            out.push_str("<time>");
            i += 15;
            while i < b.len() && (b[i] == b'.' || b[i].is_ascii_digit()) {
                i += 1;
            }
            continue;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out.lines()
        .map(|l| {
            let parts: Vec<&str> = l.split(' ').collect();
            let words: Vec<String> = parts
                .iter()
                .enumerate()
                .map(|(k, w)| {
                    // `jobs ls`: the short job ID and the runtime column.
                    let short_id = w.len() == 8 && hex_run(w.as_bytes(), 0, 8);
                    let runtime =
                        w.ends_with('s') && w.len() > 1 && w[..w.len() - 1].parse::<f64>().is_ok();
                    // `store`'s summary: "(19 files in 0.22 s)", the time it took.
                    let elapsed = w.parse::<f64>().is_ok()
                        && parts.get(k + 1).is_some_and(|n| n.starts_with("s)"));
                    if short_id {
                        "<job>".into()
                    } else if runtime || elapsed {
                        "<runtime>".into()
                    } else {
                        w.to_string()
                    }
                })
                .collect();
            words.join(" ")
        })
        .map(|l| {
            // `EffectiveRuntime` in a job's JSON.
            match l.find("\"EffectiveRuntime\":") {
                Some(at) => format!("{}\"EffectiveRuntime\": <runtime>,", &l[..at]),
                None => l,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn answer(args: &[&str], o: Output) -> Answer {
    Answer {
        args: args.join(" "),
        code: o.status.code(),
        stdout: normalise(&String::from_utf8_lossy(&o.stdout)),
        stderr: normalise(&String::from_utf8_lossy(&o.stderr)),
    }
}

/// The session: store, ls at each level, show, show --tags, archive (sync), jobs ls/show after
/// it, metrics status, the errors of an unknown ID, create-dicom without storing, rm.
fn session(home: &Home) -> Vec<Answer> {
    let mut answers = Vec::new();
    let mut step = |args: &[&str]| {
        // The archive is written relative to the home, so its path reads the same in both.
        let o = home
            .cmd()
            .current_dir(home.path())
            .args(args)
            .output()
            .expect("runs");
        let a = answer(args, o);
        answers.push(a);
        answers.last().map(|a| a.stdout.clone()).unwrap_or_default()
    };
    let fixtures = fixtures();
    step(&["store", fixtures.to_str().expect("utf8")]);
    step(&["--json", "ls", "patients"]);
    let studies = step(&["--json", "ls", "studies"]);
    step(&["ls", "studies"]);
    step(&["ls", "series"]);
    let instances = step(&["--json", "ls", "instances"]);
    let first = |listing: &str| -> String {
        let list: serde_json::Value = serde_json::from_str(listing).expect("JSON");
        list[0]["ID"].as_str().expect("an ID").to_string()
    };
    let instance = first(&instances);
    let study = first(&studies);
    step(&["show", &instance]);
    step(&["show", "--tags", &instance]);
    step(&["show", &study[..8]]);
    step(&["ls", "series", "--parent", &study]);
    step(&["archive", &study, "-o", "study.zip"]);
    step(&["jobs", "ls"]);
    let rows = step(&["--json", "jobs", "ls"]);
    assert!(
        rows.contains("Success"),
        "the archive job is listed: {rows}"
    );
    step(&["metrics", "status"]);
    step(&["show", "0123456789abcdef"]);
    step(&["show", "zz"]);
    step(&["rm", "01234567-89abcdef-01234567-89abcdef-01234567"]);
    step(&["jobs", "show", "ffffffff"]);
    step(&[
        "--json",
        "create-dicom",
        "--no-store",
        "--tag",
        "PatientName=Modes^Test",
        "--tag",
        "PatientID=MODES1",
        "--tag",
        "StudyInstanceUID=1.2.826.0.1.3680043.10.1234.1",
        "--tag",
        "SeriesInstanceUID=1.2.826.0.1.3680043.10.1234.2",
        "--tag",
        "SOPInstanceUID=1.2.826.0.1.3680043.10.1234.3",
    ]);
    step(&["rm", &study]);
    step(&["ls", "studies"]);
    step(&["show", &study]);
    answers
}

#[test]
fn inline_and_daemon_answer_the_same() {
    let inline = Home::new();
    let inline_answers = session(&inline);
    let served = Home::new();
    let mut daemon = served.daemon(&[]);
    let daemon_answers = session(&served);
    daemon.terminate(20);
    assert_eq!(inline_answers.len(), daemon_answers.len());
    // Something real was compared: the store worked, an error was an error.
    assert_eq!(inline_answers[0].code, Some(0), "{:?}", inline_answers[0]);
    assert!(
        inline_answers.iter().any(|a| a.code == Some(1)),
        "the session holds errors"
    );
    for (a, d) in inline_answers.iter().zip(&daemon_answers) {
        assert_eq!(a, d, "inline (left) and through the daemon (right) differ");
    }
}
