//! A real Prometheus server (Debian's `prometheus`) scrapes a running daemon over HTTP, and
//! its query API returns the right `orthanc_count_instances`. Also the metrics routes.

mod common;

use common::{Home, curl, fixtures, free_port, have_tool, poll};

#[test]
fn metrics_routes() {
    let home = Home::new();
    let addr = format!("127.0.0.1:{}", free_port());
    let _d = home.daemon(&["--http", &addr]);
    poll(10, "the HTTP port", || {
        std::net::TcpStream::connect(&addr).ok().map(|_| ())
    });
    let base = format!("http://{addr}");
    let m = curl(&[&format!("{base}/tools/metrics-prometheus")]);
    assert_eq!(m.status, 200);
    assert_eq!(m.header("content-type"), Some("text/plain; version=0.0.4"));
    let text = String::from_utf8_lossy(&m.body).into_owned();
    assert!(
        text.contains("# TYPE orthanc_count_instances gauge"),
        "{text}"
    );
    assert!(
        text.contains("orthanc_rest_api_active_requests 1"),
        "{text}"
    );
    let plain = String::from_utf8_lossy(&curl(&[&format!("{base}/metrics")]).body).into_owned();
    assert!(plain.contains("# HELP orthanc_count_instances"), "{plain}");
    assert_eq!(curl(&[&format!("{base}/tools/metrics")]).body, b"1");
    let off = curl(&["-X", "PUT", "-d", "0", &format!("{base}/tools/metrics")]);
    assert_eq!((off.status, off.body.len()), (200, 0));
    assert_eq!(curl(&[&format!("{base}/tools/metrics")]).body, b"0");
    assert!(
        curl(&[&format!("{base}/tools/metrics-prometheus")])
            .body
            .is_empty()
    );
    for bad in ["yes", "2", ""] {
        let r = curl(&["-X", "PUT", "-d", bad, &format!("{base}/tools/metrics")]);
        assert_eq!(r.status, 400, "PUT {bad:?}");
    }
    assert_eq!(
        curl(&[
            "-X",
            "PUT",
            "-d",
            " true\n",
            &format!("{base}/tools/metrics")
        ])
        .status,
        200
    );
    let post = curl(&["-X", "POST", &format!("{base}/tools/metrics")]);
    assert_eq!(post.status, 405);
    let allow = post.header("allow").unwrap_or("");
    assert!(allow.contains("GET") && allow.contains("PUT"), "{allow}");
    assert_eq!(curl(&[&format!("{base}/no/such/route")]).status, 404);
}

#[test]
fn a_real_prometheus_scrapes_the_daemon() {
    if !have_tool("prometheus") {
        return;
    }
    let home = Home::new();
    let addr = format!("127.0.0.1:{}", free_port());
    let _d = home.daemon(&["--http", &addr]);
    poll(10, "the HTTP port", || {
        std::net::TcpStream::connect(&addr).ok().map(|_| ())
    });
    let o = home.run(&["store", fixtures().to_str().expect("utf8")]);
    assert!(o.status.success());

    let prom_dir = tempfile::tempdir().expect("tempdir");
    let config = prom_dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: dicomq\n    metrics_path: /metrics\n    static_configs:\n      - targets: ['{addr}']\n"
        ),
    )
    .expect("config");
    let prom_port = free_port();
    let prom = std::process::Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            prom_dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("prometheus starts");
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _prom = Kill(prom);
    let query = format!("http://127.0.0.1:{prom_port}/api/v1/query?query=orthanc_count_instances");
    let value = poll(60, "Prometheus to scrape the daemon", || {
        let r = std::process::Command::new("curl")
            .args(["-s", "--max-time", "2", &query])
            .output()
            .ok()?;
        let v: serde_json::Value = serde_json::from_slice(&r.stdout).ok()?;
        let result = v["data"]["result"].as_array()?.first()?.clone();
        result["value"][1].as_str().map(str::to_string)
    });
    assert_eq!(value, "19");
}
