//! Runs `tests/book_session.sh`, the Orthanc Book's curl session, against a temporary daemon.

mod common;

use common::{Home, fixtures, free_port, have_tool, poll, stderr, stdout};

#[test]
fn the_books_curl_session_works_unchanged() {
    assert!(have_tool("curl") && have_tool("python3"));
    let home = Home::new();
    let addr = format!("127.0.0.1:{}", free_port());
    let _d = home.daemon(&["--http", &addr]);
    poll(10, "the HTTP port", || {
        std::net::TcpStream::connect(&addr).ok().map(|_| ())
    });
    assert!(
        home.run(&["store", fixtures().to_str().expect("utf8")])
            .status
            .success()
    );
    let work = tempfile::tempdir().expect("tempdir");
    let o = std::process::Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/book_session.sh"
        ))
        .env("ORTHANC", format!("http://{addr}"))
        .env("STUDY", "b89ca719-1fea81fa-5868adf8-448926c1-a5a8efe9")
        .env("WORK", work.path())
        .output()
        .expect("bash");
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("book session: ok"));
}
