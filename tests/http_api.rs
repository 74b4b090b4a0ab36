//! The REST API through a real HTTP client (curl) against a temporary daemon.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{Daemon, Home, curl, fixture, free_port, stderr, stdout};

fn start() -> (Home, Daemon, String) {
    let home = Home::new();
    let (d, base) = home.http_daemon();
    (home, d, base)
}

#[test]
fn resources_routes() {
    let (_home, _d, base) = start();
    let file = fixture("A_s1_i1.dcm");
    let data = format!("@{}", file.display());
    let up = curl(&[
        "-X",
        "POST",
        "--data-binary",
        &data,
        &format!("{base}/instances"),
    ]);
    assert_eq!(up.status, 200);
    assert_eq!(
        up.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let id = "38d8c43a-40d39fd3-461c3c6c-ddad7157-5bf5f872";
    assert_eq!(up.json()["ID"], id);
    assert_eq!(up.json()["Status"], "Success");
    let again = curl(&[
        "-X",
        "POST",
        "--data-binary",
        &data,
        &format!("{base}/instances"),
    ]);
    assert_eq!(again.json()["Status"], "AlreadyStored");
    let garbage = curl(&[
        "-X",
        "POST",
        "--data-binary",
        "not dicom at all",
        &format!("{base}/instances"),
    ]);
    assert_eq!(garbage.status, 400);
    assert_eq!(garbage.json()["OrthancStatus"], 15);
    assert_eq!(
        garbage.header("content-type"),
        None,
        "Orthanc's error bodies have no type"
    );
    let empty = curl(&[
        "-X",
        "POST",
        "--data-binary",
        "",
        &format!("{base}/instances"),
    ]);
    assert_eq!(empty.status, 400);

    let patients = curl(&[&format!("{base}/patients")]).json();
    assert_eq!(
        patients,
        serde_json::json!(["21656b59-b4d37a49-76daa8ba-cb774515-26fcb1aa"])
    );
    let expanded = curl(&[&format!("{base}/studies?expand")]).json();
    assert_eq!(
        expanded[0]["MainDicomTags"]["StudyDescription"],
        "Brain MRI"
    );
    assert_eq!(curl(&[&format!("{base}/studies?expand=maybe")]).status, 400);
    let study = curl(&[&format!(
        "{base}/studies/b89ca719-1fea81fa-5868adf8-448926c1-a5a8efe9"
    )]);
    assert_eq!(
        study.json()["PatientMainDicomTags"]["PatientName"],
        "Müller^Jürgen"
    );
    let unknown = curl(&[&format!(
        "{base}/studies/ffffffff-ffffffff-ffffffff-ffffffff-ffffffff"
    )]);
    assert_eq!((unknown.status, unknown.body.len()), (404, 0));
    // Prefixes and IDs with path characters are not resources.
    assert_eq!(curl(&[&format!("{base}/studies/b89ca719")]).status, 404);
    assert_eq!(
        curl(&[&format!("{base}/studies/..%2F..%2Fetc%2Fpasswd")]).status,
        404
    );
    assert_eq!(
        curl(&["--path-as-is", &format!("{base}/studies/../../etc/passwd")]).status,
        404
    );

    // Tags as Orthanc 1.10.1 answered them for this file, in its three formats.
    let golden = |name: &str| -> serde_json::Value {
        let path = common::fixture_root().join("tags").join(name);
        serde_json::from_str(&std::fs::read_to_string(&path).expect("golden")).expect("json")
    };
    let full = golden("A_s1_i1.full.json");
    let simplified = golden("A_s1_i1.simplified.json");
    assert_eq!(curl(&[&format!("{base}/instances/{id}/tags")]).json(), full);
    assert_eq!(
        curl(&[&format!("{base}/instances/{id}/simplified-tags")]).json(),
        simplified
    );
    assert_eq!(
        curl(&[&format!("{base}/instances/{id}/tags?simplify")]).json(),
        simplified
    );
    let short = curl(&[&format!("{base}/instances/{id}/tags?short")]).json();
    assert_eq!(short["0010,0010"], "Müller^Jürgen");
    assert_eq!(short["7fe0,0010"], serde_json::Value::Null);
    assert_eq!(
        short.as_object().map(|o| o.len()),
        full.as_object().map(|o| o.len())
    );
    assert_eq!(
        curl(&[&format!("{base}/instances/{id}/tags?simplify=maybe")]).status,
        400
    );
    // The file meta group, in the same formats.
    let header = curl(&[&format!("{base}/instances/{id}/header")]).json();
    assert_eq!(header["0002,0003"]["Name"], "MediaStorageSOPInstanceUID");
    assert_eq!(header["0002,0003"]["Value"], full["0008,0018"]["Value"]);
    assert_eq!(header["0002,0001"]["Type"], "Null", "OB is binary");
    let simple_header = curl(&[&format!("{base}/instances/{id}/header?simplify")]).json();
    assert_eq!(
        simple_header["TransferSyntaxUID"]
            .as_str()
            .map(|s| s.starts_with("1.2.840.10008.1.2")),
        Some(true),
        "{simple_header}"
    );
    assert!(
        header
            .as_object()
            .is_some_and(|o| o.keys().all(|k| k.starts_with("0002,"))),
        "{header}"
    );
    assert_eq!(
        curl(&[&format!(
            "{base}/instances/ffffffff-ffffffff-ffffffff-ffffffff-ffffffff/tags"
        )])
        .status,
        404
    );

    let f = curl(&[&format!("{base}/instances/{id}/file")]);
    assert_eq!(f.body, std::fs::read(&file).expect("read"));
    assert_eq!(f.header("content-type"), Some("application/dicom"));
    assert_eq!(curl(&[&format!("{base}/instances/{id}/pdf")]).status, 404);
    let del = curl(&["-X", "DELETE", &format!("{base}/instances/{id}")]);
    assert_eq!(del.json()["RemainingAncestor"], serde_json::Value::Null);
    assert_eq!(
        curl(&[&format!("{base}/patients")]).json(),
        serde_json::json!([])
    );

    let system = curl(&[&format!("{base}/system")]).json();
    assert_eq!(system["Name"], "dicomq");
    let nope = curl(&[&format!("{base}/tools/nope")]);
    assert_eq!(nope.status, 404);
    assert_eq!(nope.json()["Uri"], "/tools/nope");
    let wrong_method = curl(&["-X", "PUT", &format!("{base}/patients")]);
    assert_eq!(wrong_method.status, 405);
    assert!(
        wrong_method
            .header("allow")
            .is_some_and(|a| a.contains("GET"))
    );
}

/// Orthanc's hierarchy walks and statistics on one patient, one study, two series (2 + 1
/// instances).
#[test]
fn hierarchy_routes() {
    let (_home, _d, base) = start();
    let ids = common::orthanc_ids();
    for f in ["A_s1_i1.dcm", "A_s1_i2.dcm", "A_s2_i1.dcm"] {
        let data = format!("@{}", fixture(f).display());
        let up = curl(&[
            "-X",
            "POST",
            "--data-binary",
            &data,
            &format!("{base}/instances"),
        ]);
        assert_eq!(up.status, 200, "{f}");
    }
    let [p, st, s1, i1] = [0, 1, 2, 3].map(|k| ids["A_s1_i1.dcm"][k].clone());
    let (s2, i2, i3) = (
        ids["A_s2_i1.dcm"][2].clone(),
        ids["A_s1_i2.dcm"][3].clone(),
        ids["A_s2_i1.dcm"][3].clone(),
    );
    let get = |path: &str| curl(&[&format!("{base}{path}")]);
    let sorted_ids = |v: &serde_json::Value| {
        let mut out: Vec<String> = v
            .as_array()
            .expect("array")
            .iter()
            .map(|x| {
                x["ID"]
                    .as_str()
                    .map_or_else(|| x.as_str().expect("id").to_string(), str::to_string)
            })
            .collect();
        out.sort();
        out
    };
    let mut all = vec![i1.clone(), i2.clone(), i3.clone()];
    all.sort();
    // Children: full objects by default, IDs with ?expand=false.
    let studies = get(&format!("/patients/{p}/studies")).json();
    assert_eq!(studies[0]["ID"], st.as_str());
    assert_eq!(studies[0]["Type"], "Study");
    assert_eq!(
        sorted_ids(&get(&format!("/patients/{p}/instances")).json()),
        all
    );
    let bare = get(&format!("/patients/{p}/instances?expand=false")).json();
    assert!(bare[0].is_string(), "{bare}");
    assert_eq!(sorted_ids(&bare), all);
    let mut series = vec![s1.clone(), s2.clone()];
    series.sort();
    assert_eq!(
        sorted_ids(&get(&format!("/studies/{st}/series")).json()),
        series
    );
    assert_eq!(
        sorted_ids(&get(&format!("/patients/{p}/series")).json()),
        series
    );
    assert_eq!(
        sorted_ids(&get(&format!("/studies/{st}/instances")).json()),
        all
    );
    let mut in_s1 = vec![i1.clone(), i2.clone()];
    in_s1.sort();
    assert_eq!(
        sorted_ids(&get(&format!("/series/{s1}/instances")).json()),
        in_s1
    );
    // Ancestors: one object.
    for (path, id, kind) in [
        (format!("/instances/{i3}/patient"), &p, "Patient"),
        (format!("/instances/{i3}/study"), &st, "Study"),
        (format!("/instances/{i3}/series"), &s2, "Series"),
        (format!("/series/{s1}/patient"), &p, "Patient"),
        (format!("/series/{s1}/study"), &st, "Study"),
        (format!("/studies/{st}/patient"), &p, "Patient"),
    ] {
        let v = get(&path).json();
        assert_eq!(
            (v["ID"].as_str(), v["Type"].as_str()),
            (Some(id.as_str()), Some(kind)),
            "{path}"
        );
    }
    // Statistics.
    let size_of = |i: &str| get(&format!("/instances/{i}/file")).body.len() as u64;
    let total = size_of(&i1) + size_of(&i2) + size_of(&i3);
    let study = get(&format!("/studies/{st}/statistics")).json();
    assert_eq!(study["CountSeries"], 2);
    assert_eq!(study["CountInstances"], 3);
    assert!(study.get("CountStudies").is_none());
    assert_eq!(study["DiskSize"], total.to_string());
    assert_eq!(study["DicomDiskSize"], total.to_string());
    assert_eq!(study["DiskSizeMB"], 0);
    let patient = get(&format!("/patients/{p}/statistics")).json();
    assert_eq!(patient["CountStudies"], 1);
    let s1_stats = get(&format!("/series/{s1}/statistics")).json();
    assert_eq!(s1_stats["CountInstances"], 2);
    assert_eq!(
        s1_stats["UncompressedSize"],
        (size_of(&i1) + size_of(&i2)).to_string()
    );
    let one = get(&format!("/instances/{i1}/statistics")).json();
    assert_eq!(one["DiskSize"], size_of(&i1).to_string());
    assert!(one.get("CountInstances").is_none());
    let store = get("/statistics").json();
    assert_eq!(
        (
            &store["CountPatients"],
            &store["CountStudies"],
            &store["CountSeries"],
            &store["CountInstances"]
        ),
        (
            &serde_json::json!(1),
            &serde_json::json!(1),
            &serde_json::json!(2),
            &serde_json::json!(3)
        )
    );
    assert_eq!(store["TotalDiskSize"], total.to_string());
    // Unknown resources, and a resource of another level, are Orthanc's 404.
    let unknown = "ffffffff-ffffffff-ffffffff-ffffffff-ffffffff";
    for path in [
        format!("/studies/{unknown}/series"),
        format!("/instances/{unknown}/patient"),
        format!("/series/{unknown}/statistics"),
        format!("/studies/{s1}/instances"),
        format!("/patients/{p}/studies?expand=maybe"),
    ] {
        let r = get(&path);
        assert!(matches!(r.status, 400 | 404), "{path}: {}", r.status);
    }
    assert_eq!(get(&format!("/studies/{s1}/instances")).status, 404);
    // instances-tags: every instance below, by ID, in the format asked for.
    let tags = get(&format!("/studies/{st}/instances-tags?simplify")).json();
    let mut keys: Vec<String> = tags.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, all);
    let one = get(&format!("/instances/{i2}/tags?simplify")).json();
    assert_eq!(tags[i2.as_str()], one);
    let short = get(&format!("/series/{s2}/instances-tags?short")).json();
    assert_eq!(short.as_object().map(|o| o.len()), Some(1));
    assert!(one["PatientID"].is_string(), "{one}");
    assert_eq!(short[i3.as_str()]["0010,0020"], one["PatientID"]);
    assert_eq!(get(&format!("/patients/{st}/instances-tags")).status, 404);
    // The list routes page as Orthanc 1.12.5, in insertion order: skip `since`, at most `limit`
    // (0: no limit).
    let listed = |q: &str| get(&format!("/instances?expand=false{q}")).json();
    assert_eq!(listed(""), serde_json::json!([i1, i2, i3]));
    assert_eq!(listed("&since=1&limit=1"), serde_json::json!([i2]));
    assert_eq!(listed("&since=1&limit=0"), serde_json::json!([i2, i3]));
    assert_eq!(listed("&since=5"), serde_json::json!([]));
    assert_eq!(get("/instances?limit=x").status, 400);
    // Empty path components are dropped, as Orthanc's URI parser drops them.
    for path in ["/instances/", "//instances", "/instances//"] {
        let r = curl(&["--path-as-is", &format!("{base}{path}?expand=false")]);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.json(), serde_json::json!([i1, i2, i3]), "{path}");
    }
    let r = curl(&["--path-as-is", &format!("{base}/instances//{i1}/")]);
    assert_eq!(r.json()["ID"], i1.as_str());
}

/// Orthanc's changes log: what a store logs, paging with `since`/`limit`, `last`, deletions,
/// `DELETE /changes`, and clear errors for bad arguments.
#[test]
fn changes_route() {
    let (_home, _d, base) = start();
    let get = |q: &str| curl(&[&format!("{base}/changes{q}")]);
    let empty = get("").json();
    assert_eq!(
        empty,
        serde_json::json!({"Changes": [], "Done": true, "Last": 0})
    );
    let ids = common::orthanc_ids();
    for f in ["A_s1_i1.dcm", "A_s1_i2.dcm"] {
        let data = format!("@{}", fixture(f).display());
        curl(&[
            "-X",
            "POST",
            "--data-binary",
            &data,
            &format!("{base}/instances"),
        ]);
    }
    let a = &ids["A_s1_i1.dcm"];
    let all = get("").json();
    let kinds: Vec<(&str, &str, &str)> = all["Changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["ChangeType"].as_str().expect("type"),
                c["ResourceType"].as_str().expect("level"),
                c["ID"].as_str().expect("id"),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("NewInstance", "Instance", a[3].as_str()),
            ("NewSeries", "Series", a[2].as_str()),
            ("NewStudy", "Study", a[1].as_str()),
            ("NewPatient", "Patient", a[0].as_str()),
            ("NewInstance", "Instance", ids["A_s1_i2.dcm"][3].as_str()),
        ]
    );
    assert_eq!(
        (&all["Done"], &all["Last"]),
        (&serde_json::json!(true), &serde_json::json!(5))
    );
    let first = &all["Changes"][0];
    assert_eq!(first["Seq"], 1);
    assert_eq!(first["Path"], format!("/instances/{}", a[3]));
    assert_eq!(first["Date"].as_str().map(str::len), Some(15), "{first}");
    let page = get("?since=2&limit=2").json();
    let seqs: Vec<u64> = page["Changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["Seq"].as_u64().expect("seq"))
        .collect();
    assert_eq!(seqs, vec![3, 4]);
    assert_eq!(
        (&page["Done"], &page["Last"]),
        (&serde_json::json!(false), &serde_json::json!(4))
    );
    let last = get("?last").json();
    assert_eq!(last["Changes"].as_array().map(Vec::len), Some(1));
    assert_eq!(last["Last"], 5);
    let beyond = get("?since=99").json();
    assert_eq!(
        beyond,
        serde_json::json!({"Changes": [], "Done": true, "Last": 5})
    );
    for bad in ["?limit=0", "?limit=10001", "?limit=abc", "?since=-3"] {
        let r = get(bad);
        assert_eq!(r.status, 400, "{bad}");
        assert!(
            r.json()["Details"].as_str().is_some_and(|d| !d.is_empty()),
            "{bad}"
        );
    }
    // A deletion is logged, one `Deleted` per resource it removed.
    let del = curl(&["-X", "DELETE", &format!("{base}/series/{}", a[2])]);
    assert_eq!(del.status, 200);
    let after = get("?since=5").json();
    let deleted: Vec<&str> = after["Changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["ChangeType"].as_str().expect("type"))
        .collect();
    assert_eq!(
        deleted.len(),
        5,
        "2 instances, the series, its study and patient: {after}"
    );
    assert!(deleted.iter().all(|t| *t == "Deleted"));
    // DELETE /changes empties the log; numbering goes on.
    let cleared = curl(&["-X", "DELETE", &format!("{base}/changes")]);
    assert_eq!(cleared.status, 200);
    assert_eq!(
        get("").json(),
        serde_json::json!({"Changes": [], "Done": true, "Last": 10})
    );
    // A job's submission and end are logged too (beyond Orthanc, whose log has no jobs).
    let data = format!("@{}", fixture("A_s1_i1.dcm").display());
    curl(&[
        "-X",
        "POST",
        "--data-binary",
        &data,
        &format!("{base}/instances"),
    ]);
    let job = curl(&[
        "-X",
        "POST",
        "-d",
        r#"{"Asynchronous": true}"#,
        &format!("{base}/studies/{}/archive", a[1]),
    ])
    .json();
    let job = job["ID"].as_str().expect("job id").to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let jobs = loop {
        let page = get("?since=10").json();
        let jobs: Vec<(String, String, String)> = page["Changes"]
            .as_array()
            .expect("changes")
            .iter()
            .filter(|c| c["ResourceType"] == "Job")
            .map(|c| {
                let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                (text("ChangeType"), text("ID"), text("Path"))
            })
            .collect();
        if jobs.len() == 2 || std::time::Instant::now() > deadline {
            break jobs;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let path = format!("/jobs/{job}");
    assert_eq!(
        jobs,
        vec![
            ("JobSubmitted".into(), job.clone(), path.clone()),
            ("JobSuccess".into(), job.clone(), path),
        ]
    );
}

/// Orthanc's `/tools/find` over the sample files (7 studies, 6 patients), and `dicomq find`
/// answering the same.
#[test]
fn find_route() {
    let (home, _d, base) = start();
    let samples = common::fixtures();
    let o = home.run(&["store", samples.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ids = common::orthanc_ids();
    let study = |f: &str| ids[f][1].clone();
    let find = |body: serde_json::Value| {
        curl(&[
            "-X",
            "POST",
            "-d",
            &body.to_string(),
            &format!("{base}/tools/find"),
        ])
    };
    let sorted = |v: serde_json::Value| {
        let mut out: Vec<String> = v
            .as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_str().expect("id").to_string())
            .collect();
        out.sort();
        out
    };
    let mut a_and_c = vec![study("A_s1_i1.dcm"), study("C_s1_i1.dcm")];
    a_and_c.sort();
    // A wildcard on a patient tag at the study level (the study keeps its patient's tags).
    let r = find(serde_json::json!({"Level": "Study", "Query": {"PatientName": "Müller*"}}));
    assert_eq!(sorted(r.json()), a_and_c);
    // Case: sensitive by default, as Orthanc.
    let r = find(serde_json::json!({"Level": "Study", "Query": {"PatientName": "müller*"}}));
    assert_eq!(sorted(r.json()), Vec::<String>::new());
    let r = find(
        serde_json::json!({"Level": "Study", "Query": {"PatientName": "müller*"}, "CaseSensitive": false}),
    );
    assert_eq!(sorted(r.json()), a_and_c);
    // A date range, a list, `?`, and a tag by number.
    let r =
        find(serde_json::json!({"Level": "Study", "Query": {"StudyDate": "20240201-20240331"}}));
    let mut b_and_c = vec![study("B_s1_i1.dcm"), study("C_s1_i1.dcm")];
    b_and_c.sort();
    assert_eq!(sorted(r.json()), b_and_c);
    let r = find(serde_json::json!({"Level": "Study", "Query": {"0010,0020": "PAT-D\\ABC"}}));
    let mut d_and_e = vec![study("D_s1_i1.dcm"), study("E_s1_i1.dcm")];
    d_and_e.sort();
    assert_eq!(sorted(r.json()), d_and_e);
    let r = find(
        serde_json::json!({"Level": "Series", "Query": {"Modality": "C?", "PatientID": "PAT-A"}}),
    );
    assert_eq!(sorted(r.json()), vec![ids["C_s1_i1.dcm"][2].clone()]);
    let r = find(
        serde_json::json!({"Level": "Instance", "Query": {"SeriesInstanceUID": "", "StudyDescription": "Brain*"}}),
    );
    assert_eq!(r.json().as_array().map(Vec::len), Some(10));
    // Limit and Since page the same order.
    let all = find(serde_json::json!({"Level": "Study", "Query": {}})).json();
    assert_eq!(all.as_array().map(Vec::len), Some(7));
    let page =
        find(serde_json::json!({"Level": "Study", "Query": {}, "Since": 2, "Limit": 3})).json();
    assert_eq!(
        page,
        serde_json::json!(all.as_array().expect("array")[2..5])
    );
    // Expand, with RequestedTags from the level and above.
    let r = find(serde_json::json!({
        "Level": "Series", "Query": {"PatientID": "PAT-D"}, "Expand": true,
        "RequestedTags": ["PatientName", "StudyDate", "Modality", "PixelData"]
    }))
    .json();
    assert_eq!(r[0]["Type"], "Series");
    assert_eq!(r[0]["ID"], ids["D_s1_i1.dcm"][2].as_str());
    assert_eq!(
        r[0]["RequestedTags"],
        serde_json::json!({"PatientName": "山田^太郎", "StudyDate": "20240404", "Modality": "CT"})
    );
    // A tag that is not a main tag is checked in the file of one instance of each resource
    // (Orthanc's "isSimpleLookup_ == false"); absent, it has the empty value.
    let r = find(serde_json::json!({"Level": "Study",
        "Query": {"PatientName": "Müller*", "PhotometricInterpretation": "MONO*"}}));
    assert_eq!(sorted(r.json()), a_and_c);
    let r = find(serde_json::json!({"Level": "Series", "Query": {"0028,0004": "RGB"}}));
    assert_eq!(sorted(r.json()), Vec::<String>::new());
    let r = find(serde_json::json!({"Level": "Instance", "Query": {"PatientPosition": "*"}}));
    assert_eq!(r.json().as_array().map(Vec::len), Some(19));
    let r = find(serde_json::json!({"Level": "Instance", "Query": {"PatientPosition": "HFS"}}));
    assert_eq!(sorted(r.json()), Vec::<String>::new());
    // Bad bodies: Orthanc's 400 with a Details that says what is wrong.
    for (body, says) in [
        (serde_json::json!({"Level": "Nope", "Query": {}}), "Nope"),
        (serde_json::json!({"Query": {}}), "Level"),
        (serde_json::json!({"Level": "Study"}), "Query"),
        (
            serde_json::json!({"Level": "Study", "Query": {"PatientName": 3}}),
            "PatientName",
        ),
        (
            serde_json::json!({"Level": "Study", "Query": {"NoSuchTag": "x"}}),
            "NoSuchTag",
        ),
        (
            serde_json::json!({"Level": "Study", "Query": {"StudyDate": "2024-01-01"}}),
            "range",
        ),
        (
            serde_json::json!({"Level": "Study", "Query": {"Modality": "CT"}}),
            "series",
        ),
        (
            serde_json::json!({"Level": "Study", "Query": {}, "Limit": -1}),
            "Limit",
        ),
    ] {
        let r = find(body.clone());
        assert_eq!(r.status, 400, "{body}");
        let details = r.json()["Details"].as_str().unwrap_or_default().to_string();
        assert!(details.contains(says), "{body}: {details}");
    }
    // /tools/lookup: a DICOM identifier (plain text body) to the resources that have it,
    // trimmed and without regard to case, as Orthanc normalises identifiers.
    let lookup = |text: &str| {
        curl(&[
            "-X",
            "POST",
            "--data-binary",
            text,
            &format!("{base}/tools/lookup"),
        ])
        .json()
    };
    let a = &ids["A_s1_i1.dcm"];
    let by_pid = lookup("pat-a \n");
    let mut found: Vec<(String, String)> = by_pid
        .as_array()
        .expect("array")
        .iter()
        .map(|x| {
            assert_eq!(
                x["Path"],
                format!(
                    "/{}/{}",
                    if x["Type"] == "Patient" {
                        "patients"
                    } else {
                        "?"
                    },
                    x["ID"].as_str().expect("ID")
                )
            );
            (
                x["Type"].as_str().expect("type").to_string(),
                x["ID"].as_str().expect("ID").to_string(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(found, vec![("Patient".to_string(), a[0].clone())]);
    let sop =
        curl(&[&format!("{base}/instances/{}/simplified-tags", a[3])]).json()["SOPInstanceUID"]
            .as_str()
            .expect("uid")
            .to_string();
    assert_eq!(
        lookup(&sop),
        serde_json::json!([{"ID": a[3], "Path": format!("/instances/{}", a[3]), "Type": "Instance"}])
    );
    let study_uid =
        curl(&[&format!("{base}/studies/{}", a[1])]).json()["MainDicomTags"]["StudyInstanceUID"]
            .as_str()
            .expect("uid")
            .to_string();
    assert_eq!(lookup(&study_uid)[0]["Type"], "Study");
    assert_eq!(lookup("no such identifier"), serde_json::json!([]));
    // The CLI: the same search, table or JSON.
    let cli = home.json(&["find", "--level", "studies", "-i", "PatientName=MÜLLER*"]);
    let mut from_cli: Vec<String> = cli
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v["ID"].as_str().expect("ID").to_string())
        .collect();
    from_cli.sort();
    assert_eq!(from_cli, a_and_c);
    let o = home.run(&["find", "StudyDate=20240404"]);
    assert!(stdout(&o).contains("山田^太郎"), "{}", stdout(&o));
    let o = home.run(&["find", "PatientName"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("TAG=VALUE"), "{}", stderr(&o));
}

#[test]
fn jobs_routes() {
    let (home, _d, base) = start();
    let o = home.run(&[
        "debug",
        "sleep-job",
        "--steps",
        "30",
        "--step-ms",
        "50",
        "--async",
        "--priority",
        "4",
    ]);
    let id = stdout(&o).trim().to_string();
    let ids = curl(&[&format!("{base}/jobs")]).json();
    assert_eq!(ids, serde_json::json!([id]));
    let expanded = curl(&[&format!("{base}/jobs?expand")]).json();
    assert_eq!(expanded[0]["Priority"], 4);
    let job = curl(&[&format!("{base}/jobs/{id}")]).json();
    assert_eq!(job["Type"], "Sleep");
    let paused = curl(&["-X", "POST", &format!("{base}/jobs/{id}/pause")]);
    assert_eq!((paused.status, paused.json()), (200, serde_json::json!({})));
    common::poll(10, "the pause", || {
        (curl(&[&format!("{base}/jobs/{id}")]).json()["State"] == "Paused").then_some(())
    });
    let refused = curl(&["-X", "POST", &format!("{base}/jobs/{id}/resubmit")]);
    assert_eq!((refused.status, refused.body.len()), (400, 0));
    assert_eq!(
        curl(&["-X", "POST", &format!("{base}/jobs/{id}/resume")]).status,
        200
    );
    let unknown = curl(&[
        "-X",
        "POST",
        &format!("{base}/jobs/00000000-0000-4000-8000-000000000000/pause"),
    ]);
    assert_eq!((unknown.status, unknown.body.len()), (400, 0));
    assert_eq!(
        curl(&[&format!("{base}/jobs/00000000-0000-4000-8000-000000000000")]).status,
        404
    );
    assert_eq!(
        curl(&["-X", "POST", &format!("{base}/jobs/{id}/foo")]).status,
        405
    );
    // Orthanc 1.12: only a finished job can be deleted; a running one is "not found".
    let delete = curl(&["-X", "DELETE", &format!("{base}/jobs/{id}")]);
    assert_eq!(delete.status, 404);
    assert_eq!(delete.json()["Details"], "No job found with this id");
    let no_output = curl(&[&format!("{base}/jobs/{id}/pause")]);
    assert_eq!(no_output.status, 404);
    assert_eq!(no_output.json()["Details"], "Job has no such output: pause");
    common::poll(20, "the job's end", || {
        (curl(&[&format!("{base}/jobs/{id}")]).json()["State"] == "Success").then_some(())
    });
    let deleted = curl(&["-X", "DELETE", &format!("{base}/jobs/{id}")]);
    assert_eq!((deleted.status, deleted.body.len()), (200, 0));
    assert_eq!(curl(&[&format!("{base}/jobs/{id}")]).status, 404);
    assert_eq!(
        curl(&[&format!("{base}/jobs")]).json(),
        serde_json::json!([])
    );
    assert_eq!(
        curl(&["-X", "DELETE", &format!("{base}/jobs/{id}")]).status,
        404,
        "deleted once"
    );
    // Gone for the CLI too, after a restart of nothing: it is not in the database.
    let o = home.run(&["jobs", "show", &id]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn create_dicom_route() {
    let (home, _d, base) = start();
    assert!(
        home.run(&["store", fixture("A_s1_i1.dcm").to_str().expect("utf8")])
            .status
            .success()
    );
    // The Orthanc Book's example: a PDF attached to a study.
    let body = r#"{"Tags": {"Modality": "OT"}, "Content": "data:application/pdf;base64,JVBERi0xLjQKJSVFT0YK", "Parent": "b89ca719-1fea81fa-5868adf8-448926c1-a5a8efe9"}"#;
    let a = curl(&[
        "-X",
        "POST",
        "-d",
        body,
        &format!("{base}/tools/create-dicom"),
    ]);
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let a = a.json();
    assert_eq!(
        a["ParentStudy"],
        "b89ca719-1fea81fa-5868adf8-448926c1-a5a8efe9"
    );
    let pdf = curl(&[&format!(
        "{base}/instances/{}/pdf",
        a["ID"].as_str().expect("ID")
    )]);
    assert_eq!(pdf.body, b"%PDF-1.4\n%%EOF\n");
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    let bad_parent = curl(&[
        "-X",
        "POST",
        "-d",
        r#"{"Tags": {}, "Parent": "nope"}"#,
        &format!("{base}/tools/create-dicom"),
    ]);
    assert_eq!(
        (
            bad_parent.status,
            bad_parent.json()["OrthancStatus"].clone()
        ),
        (400, serde_json::json!(2024))
    );
    let on_instance = format!(
        r#"{{"Tags": {{}}, "Parent": "{}"}}"#,
        "38d8c43a-40d39fd3-461c3c6c-ddad7157-5bf5f872"
    );
    let r = curl(&[
        "-X",
        "POST",
        "-d",
        &on_instance,
        &format!("{base}/tools/create-dicom"),
    ]);
    assert_eq!(r.json()["OrthancStatus"], 2025);
    let malformed = curl(&[
        "-X",
        "POST",
        "-d",
        "{not json",
        &format!("{base}/tools/create-dicom"),
    ]);
    assert_eq!(malformed.status, 400);
    // Orthanc's legacy body (test_create): every member a tag, PixelData the content
    let v1 = curl(&[
        "-X",
        "POST",
        "-d",
        r#"{"PatientName": "V1^Format", "Modality": "CT", "TimeRange": "3.12\\4.12"}"#,
        &format!("{base}/tools/create-dicom"),
    ]);
    assert_eq!(v1.status, 200, "{}", String::from_utf8_lossy(&v1.body));
    let tags = curl(&[&format!(
        "{base}/instances/{}/tags?short",
        v1.json()["ID"].as_str().expect("ID")
    )])
    .json();
    assert_eq!(tags["0010,0010"], "V1^Format");
    assert_eq!(tags["0008,1163"], "3.12\\4.12");
    assert!(tags.get("0008,0005").is_none(), "{tags}");
    // Issue 11, defect 11: a meta-group tag, a truncated JPEG and an over-deep body are 400s
    // that say why; nothing is stored and the daemon keeps answering.
    let before = curl(&[&format!("{base}/instances")]).json();
    let meta = curl(&[
        "-X",
        "POST",
        "-d",
        r#"{"Tags": {"TransferSyntaxUID": "1.2.840.10008.1.2"}}"#,
        &format!("{base}/tools/create-dicom"),
    ]);
    assert_eq!(meta.status, 400);
    assert!(
        String::from_utf8_lossy(&meta.body).contains("TransferSyntaxUID (0002,0010)"),
        "{}",
        String::from_utf8_lossy(&meta.body)
    );
    use base64::Engine;
    let jpg = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/orthanc/create-dicom/inputs/rgb_64x48.jpg"),
    )
    .expect("jpg");
    let half = base64::engine::general_purpose::STANDARD.encode(&jpg[..jpg.len() - 2]);
    let cut = curl(&[
        "-X",
        "POST",
        "-d",
        &format!(r#"{{"Tags": {{}}, "Content": "data:image/jpeg;base64,{half}"}}"#),
        &format!("{base}/tools/create-dicom"),
    ]);
    assert_eq!(cut.status, 400);
    assert!(
        String::from_utf8_lossy(&cut.body).contains("premature end of JPEG data"),
        "{}",
        String::from_utf8_lossy(&cut.body)
    );
    let deep = format!(
        r#"{{"Tags": {}{}}}"#,
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let deep = curl(&[
        "-X",
        "POST",
        "--data-binary",
        &deep,
        &format!("{base}/tools/create-dicom"),
    ]);
    assert_eq!(deep.status, 400);
    // Issue 13: wrong types, a sequence on a non-SQ tag, sequences too deep, an unknown
    // character set, bad base64: 400 naming the tag, nothing stored.
    let mut too_deep = serde_json::json!("x");
    for _ in 0..65 {
        too_deep = serde_json::json!([{ "ReferencedStudySequence": too_deep }]);
    }
    let too_deep = serde_json::json!({"Tags": {"ReferencedStudySequence": too_deep}}).to_string();
    for (body, needle) in [
        (
            r#"{"PatientName": 7}"#,
            "\"PatientName\": value must be a string",
        ),
        (r#"{"Tags": {"PatientName": true}}"#, "\"PatientName\""),
        (
            r#"{"Tags": {"PatientName": [{"StudyDescription": "x"}]}}"#,
            "PatientName (0010,0010)",
        ),
        // serde_json's limit (128 levels, 2 per sequence) comes before the 64 sequences
        (too_deep.as_str(), "recursion limit"),
        (
            r#"{"Tags": {"SpecificCharacterSet": "KLINGON"}}"#,
            "\"KLINGON\"",
        ),
        (
            r#"{"Tags": {"SpecificCharacterSet": "ISO_IR 100", "PatientName": "山田"}}"#,
            "PatientName (0010,0010)",
        ),
        (
            r#"{"Tags": {"0009,1001": "data:application/octet-stream;base64,@@"}, "PrivateCreator": "Me"}"#,
            "bad base64",
        ),
    ] {
        let r = curl(&[
            "-X",
            "POST",
            "--data-binary",
            body,
            &format!("{base}/tools/create-dicom"),
        ]);
        let text = String::from_utf8_lossy(&r.body).to_string();
        assert_eq!(r.status, 400, "{body}: {text}");
        let details = r.json()["Details"].as_str().unwrap_or("").to_string();
        assert!(details.contains(needle), "{body}: {text}");
    }
    assert_eq!(curl(&[&format!("{base}/instances")]).json(), before);
}

/// Issue 13: sequences, binary values of undeclared private tags, and
/// `/tools/default-encoding` (Orthanc's test_create_sequence, test_create_binary and
/// test_anonymize_nested bodies).
#[test]
fn create_dicom_tags_and_default_encoding() {
    let (_home, _d, base) = start();
    let post = |body: &serde_json::Value| {
        let r = curl(&[
            "-X",
            "POST",
            "--data-binary",
            &body.to_string(),
            &format!("{base}/tools/create-dicom"),
        ]);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let id = r.json()["ID"].as_str().expect("ID").to_string();
        curl(&[&format!("{base}/instances/{id}/tags?short")]).json()
    };
    let tags = post(&serde_json::json!({"Tags": {
        "SpecificCharacterSet": "ISO_IR 100",
        "PatientName": "Jodogne^",
        "ReferencedStudySequence": [
            {"StudyDescription": "Hello^", "ReferencedStudySequence": [
                {"StudyDescription": "Toto"}, {"StudyDescription": "Tata"}]},
            {"StudyDescription": "Sébastien^"}
        ]
    }}));
    assert_eq!(tags["0008,0005"], "ISO_IR 100");
    let seq = &tags["0008,1110"];
    assert_eq!(seq[0]["0008,1030"], "Hello^", "{tags}");
    assert_eq!(seq[0]["0008,1110"][1]["0008,1030"], "Tata", "{tags}");
    assert_eq!(seq[1]["0008,1030"], "Sébastien^", "{tags}");

    use base64::Engine;
    let binary: Vec<u8> = (0..=255u8).collect();
    let uri = format!(
        "data:application/octet-stream;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&binary)
    );
    let tags = post(&serde_json::json!({
        "Tags": {"PatientName": "Jodogne", "8899-8899": uri},
        "PrivateCreator": "TestBinary"
    }));
    assert_eq!(tags["8899,0088"], "TestBinary", "{tags}");
    assert!(tags.get("8899,8899").is_some(), "{tags}");

    // the default encoding: Latin1 as in Orthanc, changed until the daemon stops
    let get = || curl(&[&format!("{base}/tools/default-encoding")]);
    assert_eq!(get().body, b"Latin1");
    let tags = post(&serde_json::json!({"Tags": {"PatientName": "Müller"}}));
    assert_eq!(tags["0008,0005"], "ISO_IR 100");
    let put = |name: &str| {
        curl(&[
            "-X",
            "PUT",
            "-d",
            name,
            &format!("{base}/tools/default-encoding"),
        ])
    };
    assert_eq!(put("Utf8").status, 200);
    assert_eq!(get().body, b"Utf8");
    let tags = post(&serde_json::json!({"Tags": {"PatientName": "Müller"}}));
    assert_eq!(tags["0008,0005"], "ISO_IR 192");
    let bad = put("Klingon");
    assert_eq!(bad.status, 400);
    assert!(
        String::from_utf8_lossy(&bad.body).contains("Klingon"),
        "{}",
        String::from_utf8_lossy(&bad.body)
    );
    assert_eq!(get().body, b"Utf8");
    // a value that does not fit the default goes to UTF-8
    assert_eq!(put("Latin1").status, 200);
    let tags = post(&serde_json::json!({"Tags": {"PatientName": "山田^太郎"}}));
    assert_eq!(tags["0008,0005"], "ISO_IR 192");
    assert_eq!(tags["0010,0010"], "山田^太郎");
}

/// Issue 13: Orthanc's test_create_series (series answer, ExpectedNumberOfInstances and
/// Status), test_embed_jpeg (the JPEG as the fragment, byte for byte) and test_encapsulate_stl;
/// bad contents are 400s naming the item, with nothing stored.
#[test]
fn create_dicom_series_encapsulated_jpeg_and_models() {
    use base64::Engine;
    let (home, _d, base) = start();
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let post = |body: &str| {
        curl(&[
            "-X",
            "POST",
            "--data-binary",
            body,
            &format!("{base}/tools/create-dicom"),
        ])
    };
    let red = "iVBORw0KGgoAAAANSUhEUgAAAAUAAAAFCAYAAACNbyblAAAAHElEQVQI12P4//8/w38GIAXDIBKE0DHxgljNBAAO9TXL0Y4OHwAAAABJRU5ErkJggg==";
    let body = format!(
        r#"{{"Tags": {{"PatientName": "Series^Test", "Modality": "CT"}},
            "Content": [{{"Content": "data:image/png;base64,{red}", "Tags": {{"ImageComments": "Tutu"}}}},
                        "data:image/png;base64,{red}"]}}"#
    );
    let a = post(&body);
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let a = a.json();
    let path = a["Path"].as_str().expect("Path").to_string();
    assert!(path.starts_with("/series/"), "{a}");
    let series = curl(&[&format!("{base}{path}")]).json();
    assert_eq!(series["Type"], "Series");
    assert_eq!(series["ID"], a["ID"]);
    assert_eq!(series["Instances"].as_array().map(Vec::len), Some(2));
    assert_eq!(series["ExpectedNumberOfInstances"], 2);
    assert_eq!(series["Status"], "Complete");
    // the same fields in every series view
    let expanded = curl(&[&format!("{base}/series?expand")]).json();
    let listed = expanded
        .as_array()
        .expect("array")
        .iter()
        .find(|s| s["ID"] == a["ID"])
        .expect("listed")
        .clone();
    assert_eq!(listed["Status"], "Complete");
    let shown = home.json(&["show", a["ID"].as_str().expect("ID")]);
    assert_eq!(shown["ExpectedNumberOfInstances"], 2);
    assert_eq!(shown["Status"], "Complete");

    // Encapsulate: the JPEG, byte for byte, as fragment 1 after the offset table
    let jpg = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/orthanc/create-dicom/inputs/rgb_64x48.jpg"),
    )
    .expect("jpg");
    let r = post(&format!(
        r#"{{"Tags": {{"SOPClassUID": "1.2.840.10008.5.1.4.1.1.7"}}, "Encapsulate": true,
            "Content": "data:image/jpeg;base64,{}"}}"#,
        b64(&jpg)
    ));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["ID"].as_str().expect("ID").to_string();
    let file = curl(&[&format!("{base}/instances/{id}/file")]).body;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("jpeg.dcm");
    std::fs::write(&path, &file).expect("write");
    let obj = dicom_object::open_file(&path).expect("open");
    assert_eq!(
        obj.meta().transfer_syntax().trim_end_matches('\0'),
        "1.2.840.10008.1.2.4.50"
    );
    match obj
        .get(dicom_dictionary_std::tags::PIXEL_DATA)
        .map(|e| e.value())
    {
        Some(dicom_core::value::Value::PixelSequence(seq)) => {
            let fragment = seq.fragments()[0].as_slice();
            assert_eq!(&fragment[..jpg.len()], jpg.as_slice());
            assert_eq!(fragment.len(), jpg.len() + jpg.len() % 2);
        }
        other => panic!("not encapsulated: {other:?}"),
    }

    // STL, OBJ and MTL (Orthanc's own test stores "Hello, world" under each)
    for (mime, class) in [
        ("model/stl", "1.2.840.10008.5.1.4.1.1.104.3"),
        ("model/obj", "1.2.840.10008.5.1.4.1.1.104.4"),
        ("model/mtl", "1.2.840.10008.5.1.4.1.1.104.5"),
    ] {
        let r = post(&format!(
            r#"{{"Tags": {{}}, "Content": "data:{mime};base64,{}"}}"#,
            b64(b"Hello, world")
        ));
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let id = r.json()["ID"].as_str().expect("ID").to_string();
        let tags = curl(&[&format!("{base}/instances/{id}/file")]).body;
        let path = dir.path().join("model.dcm");
        std::fs::write(&path, &tags).expect("write");
        let obj = dicom_object::open_file(&path).expect("open");
        let text = |tag| {
            obj.get(tag)
                .and_then(|e| e.value().to_str().ok())
                .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
        };
        use dicom_dictionary_std::tags as t;
        assert_eq!(text(t::SOP_CLASS_UID).as_deref(), Some(class));
        assert_eq!(text(t::MODALITY).as_deref(), Some("M3D"));
        assert_eq!(
            text(t::MIME_TYPE_OF_ENCAPSULATED_DOCUMENT).as_deref(),
            Some(mime)
        );
    }

    // bad contents: 400 naming the item and the reason; a series fails whole
    let before = curl(&[&format!("{base}/instances")]).json();
    let no_sof = b64(&[0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x02, 0xFF, 0xD9]);
    let mut lying = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    lying.extend_from_slice(&[0, 1, 0, 0, 0, 1, 0, 0, 8, 2, 0, 0, 0, 0, 0, 0, 0]);
    let cases = [
        (
            format!(
                r#"{{"Tags": {{}}, "Encapsulate": true, "Content": "data:image/jpeg;base64,{no_sof}"}}"#
            ),
            "no frame header",
        ),
        (
            format!(
                r#"{{"Tags": {{}}, "Encapsulate": true, "Content": "data:image/png;base64,{red}"}}"#
            ),
            "Encapsulate",
        ),
        (
            format!(
                r#"{{"Tags": {{}}, "Content": "data:model/stl;base64,{}"}}"#,
                b64(&[1, 2, 3])
            ),
            "STL",
        ),
        (
            r#"{"Tags": {}, "Content": "data:model/obj;base64,"}"#.to_string(),
            "empty",
        ),
        (
            format!(
                r#"{{"Tags": {{}}, "Content": ["data:image/png;base64,{red}", "data:image/png;base64,{}"]}}"#,
                b64(&lying)
            ),
            "item 2",
        ),
    ];
    for (body, needle) in cases {
        let r = post(&body);
        let text = String::from_utf8_lossy(&r.body).to_string();
        assert_eq!(r.status, 400, "{text}");
        assert!(text.contains(needle), "{needle}: {text}");
    }
    assert_eq!(curl(&[&format!("{base}/instances")]).json(), before);
}

#[test]
fn oversized_and_stalled_requests() {
    let home = Home::new();
    std::fs::write(
        home.path().join("config.json"),
        r#"{"HttpBodyLimit": 1000}"#,
    )
    .expect("config");
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let _d = home.daemon(&["--http", &addr]);
    common::poll(10, "the HTTP port", || {
        std::net::TcpStream::connect(&addr).ok().map(|_| ())
    });
    let big = "x".repeat(5000);
    let r = curl(&[
        "-X",
        "POST",
        "--data-binary",
        &big,
        &format!("http://{addr}/instances"),
    ]);
    assert_eq!(r.status, 413);
    // A client that sends half a request and stalls does not stop the others.
    let mut stalled = std::net::TcpStream::connect(&addr).expect("connect");
    stalled
        .write_all(b"POST /instances HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nabc")
        .expect("write");
    let mut stalled_headers = std::net::TcpStream::connect(&addr).expect("connect");
    stalled_headers
        .write_all(b"GET /system HTTP/1.1\r\nHo")
        .expect("write");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(curl(&[&format!("http://{addr}/system")]).status, 200);
}

#[test]
fn address_in_use_fails_before_touching_anything() {
    let home = Home::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let o = home.run(&["daemon", "--http", &addr]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        common::stderr(&o).contains("cannot listen"),
        "{}",
        common::stderr(&o)
    );
    assert!(
        !home.path().join("index.redb").exists(),
        "the database was not created"
    );
}

#[test]
fn archive_routes() {
    let (home, _d, base) = start();
    assert!(
        home.run(&["store", common::fixtures().to_str().expect("utf8")])
            .status
            .success()
    );
    let study = "b89ca719-1fea81fa-5868adf8-448926c1-a5a8efe9";
    let dir = tempfile::tempdir().expect("tempdir");
    let zip_count = |bytes: &[u8]| -> usize {
        let path = dir.path().join(format!("{}.zip", bytes.len()));
        std::fs::write(&path, bytes).expect("write");
        let o = std::process::Command::new("python3")
            .args(["-c", "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(len(z.namelist()))"])
            .arg(&path)
            .output()
            .expect("python3");
        assert!(o.status.success(), "{}", common::stderr(&o));
        stdout(&o).trim().parse().expect("count")
    };
    let get = curl(&[&format!("{base}/studies/{study}/archive")]);
    assert_eq!(get.status, 200);
    assert_eq!(get.header("content-type"), Some("application/zip"));
    assert_eq!(
        get.header("content-disposition"),
        Some(format!("filename=\"{study}.zip\"").as_str())
    );
    assert_eq!(zip_count(&get.body), 10);
    let media = curl(&[&format!("{base}/studies/{study}/media?extended")]);
    assert_eq!(zip_count(&media.body), 11, "IMAGES/IM0..9 and DICOMDIR");
    let post = curl(&[
        "-X",
        "POST",
        "-d",
        r#"{"Synchronous": true}"#,
        &format!("{base}/series/0cfd7b50-33dc1413-fe591add-840d0cce-0ff9dc34/archive"),
    ]);
    assert_eq!(zip_count(&post.body), 5);
    let batch = curl(&[
        "-X",
        "POST",
        "-d",
        &format!(r#"{{"Resources": ["{study}", "38d8c43a-40d39fd3-461c3c6c-ddad7157-5bf5f872"]}}"#),
        &format!("{base}/tools/create-archive"),
    ]);
    assert_eq!(
        batch.header("content-disposition"),
        Some("filename=\"Archive.zip\"")
    );
    assert_eq!(zip_count(&batch.body), 10, "overlapping resources merged");
    let empty = curl(&[
        "-X",
        "POST",
        "-d",
        r#"{"Resources": []}"#,
        &format!("{base}/tools/create-archive"),
    ]);
    assert_eq!(zip_count(&empty.body), 0);
    // Async, then the job's output, twice.
    let a = curl(&[
        "-X",
        "POST",
        "-d",
        r#"{"Asynchronous": true, "Priority": 3}"#,
        &format!("{base}/tools/create-media-extended"),
    ]);
    assert_eq!(a.status, 400, "create-media without Resources");
    let a = curl(&[
        "-X",
        "POST",
        "-d",
        &format!(r#"{{"Resources": ["{study}"], "Asynchronous": true, "Priority": 3}}"#),
        &format!("{base}/tools/create-media"),
    ]);
    let job = a.json()["ID"].as_str().expect("ID").to_string();
    assert_eq!(a.json()["Path"], format!("/jobs/{job}"));
    common::poll(20, "the media job", || {
        (curl(&[&format!("{base}/jobs/{job}")]).json()["State"] == "Success").then_some(())
    });
    let out = curl(&[&format!("{base}/jobs/{job}/archive")]);
    assert_eq!(
        out.header("content-disposition"),
        Some("filename=\"archive.zip\"")
    );
    assert_eq!(zip_count(&out.body), 11);
    assert_eq!(
        curl(&[&format!("{base}/jobs/{job}/archive")]).body,
        out.body
    );
    // `Filename` (Orthanc 1.13): the sync answer's name, and the async output's; `?filename=`
    // on GET; quotes and line breaks are dropped from the header.
    let named = curl(&[
        "-X",
        "POST",
        "-d",
        r#"{"Filename": "CT \"head\".zip"}"#,
        &format!("{base}/studies/{study}/archive"),
    ]);
    assert_eq!(
        named.header("content-disposition"),
        Some("filename=\"CT head.zip\"")
    );
    assert_eq!(zip_count(&named.body), 10);
    let got = curl(&[&format!("{base}/studies/{study}/archive?filename=mine.zip")]);
    assert_eq!(
        got.header("content-disposition"),
        Some("filename=\"mine.zip\"")
    );
    let a = curl(&[
        "-X",
        "POST",
        "-d",
        &format!(
            r#"{{"Resources": ["{study}"], "Asynchronous": true, "Filename": "later.zip", "UserData": {{"batch": 7, "who": ["a", "é"]}}}}"#
        ),
        &format!("{base}/tools/create-archive"),
    ]);
    let named_job = a.json()["ID"].as_str().expect("ID").to_string();
    common::poll(20, "the named archive job", || {
        (curl(&[&format!("{base}/jobs/{named_job}")]).json()["State"] == "Success").then_some(())
    });
    // Orthanc 1.12.10's `UserData`: any JSON, shown top-level as given; absent when not given.
    assert_eq!(
        curl(&[&format!("{base}/jobs/{named_job}")]).json()["UserData"],
        serde_json::json!({"batch": 7, "who": ["a", "é"]})
    );
    assert!(
        curl(&[&format!("{base}/jobs/{job}")])
            .json()
            .get("UserData")
            .is_none(),
        "a job without UserData shows none"
    );
    assert_eq!(
        curl(&[&format!("{base}/jobs/{named_job}/archive")]).header("content-disposition"),
        Some("filename=\"later.zip\"")
    );
    // DELETE of the output: the job stays, its output is gone; then DELETE of the job.
    let outputs_dir = home.path().join("outputs");
    let files_of = |job: &str| {
        std::fs::read_dir(&outputs_dir)
            .expect("outputs")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(job))
            .count()
    };
    assert_eq!(files_of(&named_job), 1);
    let gone = curl(&["-X", "DELETE", &format!("{base}/jobs/{named_job}/archive")]);
    assert_eq!((gone.status, gone.body.len()), (200, 0));
    assert_eq!(files_of(&named_job), 0);
    let again = curl(&[&format!("{base}/jobs/{named_job}/archive")]);
    assert_eq!(again.status, 404);
    let twice = curl(&["-X", "DELETE", &format!("{base}/jobs/{named_job}/archive")]);
    assert_eq!(twice.status, 404);
    assert_eq!(twice.json()["Details"], "Job has no such output: archive");
    assert_eq!(
        curl(&[&format!("{base}/jobs/{named_job}")]).json()["State"],
        "Success"
    );
    // DELETE of a job with its output: both go.
    assert_eq!(files_of(&job), 1);
    assert_eq!(
        curl(&["-X", "DELETE", &format!("{base}/jobs/{job}")]).status,
        200
    );
    assert_eq!(files_of(&job), 0);
    assert_eq!(curl(&[&format!("{base}/jobs/{job}")]).status, 404);
    let wrong = curl(&[
        "-X",
        "POST",
        "-d",
        r#"{"Filename": 3}"#,
        &format!("{base}/studies/{study}/archive"),
    ]);
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.json()["Message"], "Bad file format");
    // Transcoding is refused, never silently skipped.
    for (args, url) in [
        (
            vec![
                "-X",
                "POST",
                "-d",
                r#"{"Transcode": "1.2.840.10008.1.2.4.50"}"#,
            ],
            format!("{base}/studies/{study}/archive"),
        ),
        (
            vec![
                "-X",
                "POST",
                "-d",
                r#"{"Resources": [], "Transcode": "1.2.840.10008.1.2.4.50"}"#,
            ],
            format!("{base}/tools/create-archive"),
        ),
        (
            vec![],
            format!("{base}/studies/{study}/media?transcode=1.2.840.10008.1.2.4.50"),
        ),
    ] {
        let mut all = args.clone();
        all.push(&url);
        let r = curl(&all);
        assert_eq!(r.status, 501, "{url}");
        assert_eq!(r.json()["OrthancStatus"], 2);
        assert!(
            r.json()["Details"]
                .as_str()
                .is_some_and(|d| d.contains("Transcode is not supported")),
            "{}",
            r.json()
        );
    }
    // Orthanc's validation of the job fields.
    for bad in [
        r#"{"Priority": "5"}"#,
        r#"{"Priority": 2.7}"#,
        r#"{"Priority": 3000000000}"#,
        r#"{"Asynchronous": "yes"}"#,
        "{malformed",
    ] {
        let r = curl(&[
            "-X",
            "POST",
            "-d",
            bad,
            &format!("{base}/studies/{study}/archive"),
        ]);
        assert_eq!(r.status, 400, "{bad}");
    }
    assert_eq!(
        curl(&[&format!(
            "{base}/studies/ffffffff-ffffffff-ffffffff-ffffffff-ffffffff/archive"
        )])
        .status,
        404
    );
    let unknown = curl(&[
        "-X",
        "POST",
        "-d",
        r#"{"Resources": ["nope"]}"#,
        &format!("{base}/tools/create-archive"),
    ]);
    assert_eq!(unknown.status, 404);
    assert_eq!(
        curl(&[&format!(
            "{base}/instances/38d8c43a-40d39fd3-461c3c6c-ddad7157-5bf5f872/archive"
        )])
        .status,
        404
    );
}

#[test]
fn concurrent_sync_archives_do_not_evict_each_other() {
    let home = Home::new();
    std::fs::write(
        home.path().join("config.json"),
        r#"{"MediaArchiveSize": 1, "ConcurrentJobs": 4}"#,
    )
    .expect("config");
    let addr = format!("127.0.0.1:{}", free_port());
    let _d = home.daemon(&["--http", &addr]);
    common::poll(10, "the HTTP port", || {
        std::net::TcpStream::connect(&addr).ok().map(|_| ())
    });
    assert!(
        home.run(&["store", common::fixtures().to_str().expect("utf8")])
            .status
            .success()
    );
    let url =
        format!("http://{addr}/patients/21656b59-b4d37a49-76daa8ba-cb774515-26fcb1aa/archive");
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6).map(|_| s.spawn(|| curl(&[&url]).status)).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    assert_eq!(statuses, vec![200; 6]);
}

#[test]
fn metadata_routes_answer_as_orthanc() {
    let home = Home::new();
    let (_d, base) = home.http_daemon();
    let file = common::any_fixture();
    let up = curl(&[
        "-X",
        "POST",
        "--data-binary",
        &format!("@{}", file.display()),
        &format!("{base}/instances"),
    ]);
    assert_eq!(up.status, 200);
    let v = up.json();
    let (i, series, patient) = (
        v["ID"].as_str().expect("ID").to_string(),
        v["ParentSeries"].as_str().expect("series").to_string(),
        v["ParentPatient"].as_str().expect("patient").to_string(),
    );
    // Orthanc's test_metadata_origin, for what dicomq records.
    let m = curl(&[&format!("{base}/instances/{i}/metadata?expand")]).json();
    assert_eq!(m["Origin"], "RestApi");
    assert_eq!(m["RemoteAET"], "");
    assert_eq!(m["RemoteIP"], "127.0.0.1");
    assert!(m.get("CalledAET").is_none());
    assert_eq!(m["HttpUsername"], "", "no authentication");
    assert_eq!(
        curl(&[&format!("{base}/plugins")]).json(),
        serde_json::json!([])
    );
    assert!(
        m["ReceptionDate"].is_string() && m["TransferSyntax"].is_string(),
        "{m}"
    );
    let names = curl(&[&format!("{base}/instances/{i}/metadata")]).json();
    assert!(names.as_array().expect("names").contains(&"Origin".into()));
    let one = curl(&[&format!("{base}/instances/{i}/metadata/Origin")]);
    assert_eq!(
        (one.status, one.body.as_slice()),
        (200, b"RestApi".as_slice())
    );
    assert_eq!(
        curl(&[&format!("{base}/series/{series}/metadata/RemoteAET")]).body,
        b""
    );
    let p = curl(&[&format!("{base}/patients/{patient}/metadata")]).json();
    assert!(
        p.as_array().expect("names").contains(&"LastUpdate".into()),
        "{p}"
    );
    // The wrong level, an unknown resource, an absent name: 404.
    for path in [
        format!("/studies/{patient}/metadata"),
        format!("/instances/{patient}/metadata"),
        "/patients/ffffffff-ffffffff-ffffffff-ffffffff-ffffffff/metadata".to_string(),
        format!("/instances/{i}/metadata/CalledAET"),
    ] {
        assert_eq!(curl(&[&format!("{base}{path}")]).status, 404, "{path}");
    }
}
