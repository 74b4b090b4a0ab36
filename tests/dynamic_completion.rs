//! Dynamic completion (`source <(COMPLETE=bash dicomq)`): at a TAB the shell runs dicomq with
//! clap_complete's variables, and job and resource IDs come from the daemon or the home.

mod common;

use common::{Home, ids, stderr, stdout};

/// What dicomq answers for the last word of `words` (bash's protocol, one candidate a line).
fn complete(home: &Home, words: &[&str]) -> Vec<String> {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("dicomq"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", words.len().to_string())
        .env("_CLAP_IFS", "\n")
        .env("DICOMQ_HOME", home.path())
        .arg("--")
        .arg("dicomq")
        .args(words);
    let o = c.output().expect("runs");
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).lines().map(str::to_string).collect()
}

#[test]
fn job_and_resource_ids_complete_inline_and_through_the_daemon() {
    let home = Home::new();
    let o = home.run(&["debug", "sleep-job", "--steps", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let job = ids(&home.json(&["jobs", "ls"]))[0].clone();
    let store = home.run(&["-q", "store", common::fixtures().to_str().expect("utf8")]);
    assert!(store.status.success(), "{}", stderr(&store));
    let studies = ids(&home.json(&["ls", "studies"]));

    let check = |home: &Home| {
        assert_eq!(
            complete(home, &["jobs", "cancel", &job[..4]]),
            vec![job.clone()]
        );
        assert_eq!(
            complete(home, &["jobs", "show", "zz"]),
            Vec::<String>::new()
        );
        let got = complete(home, &["modify", &studies[0][..6]]);
        assert!(got.contains(&studies[0]), "{got:?}");
        assert!(
            got.iter().all(|id| id.starts_with(&studies[0][..6])),
            "{got:?}"
        );
        let all = complete(home, &["show", ""]);
        for s in &studies {
            assert!(all.contains(s), "{s} in {all:?}");
        }
    };
    check(&home);
    let _daemon = home.daemon(&[]);
    check(&home);
}

#[test]
fn a_missing_home_completes_nothing_and_is_not_created() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope");
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("dicomq"));
    let o = c
        .env_clear()
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "5")
        .env("_CLAP_IFS", "\n")
        .args(["--", "dicomq", "--home"])
        .arg(&missing)
        .args(["jobs", "cancel", ""])
        .output()
        .expect("runs");
    assert!(o.status.success());
    let out = stdout(&o);
    let ids: Vec<&str> = out.lines().filter(|l| !l.starts_with('-')).collect();
    assert!(ids.is_empty(), "{ids:?}");
    assert!(!missing.exists(), "completion created the home");
}
