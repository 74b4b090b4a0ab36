//! Unit tests' certificates, made by `openssl` in a temporary directory (never committed keys):
//! `ca.pem`/`ca.key`, a leaf for localhost (`s.crt`, `s.key`, and `server.pem`
//! with both) and a client leaf (`c.crt`, `c.key`), both signed by the CA.

use std::path::Path;

/// openssl in `dir`; false when it is not installed (an error under
/// `DICOMQ_REQUIRE_VALIDATORS=1`).
fn openssl(dir: &Path, args: &[&str]) -> bool {
    match std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
    {
        Ok(o) => {
            assert!(o.status.success(), "openssl {args:?}");
            true
        }
        Err(_) => {
            assert!(
                std::env::var("DICOMQ_REQUIRE_VALIDATORS").as_deref() != Ok("1"),
                "openssl is required"
            );
            false
        }
    }
}

const EC: [&str; 5] = [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
];

/// A leaf `name` (`name.crt`, `name.key`) signed by `ca.pem`.
fn leaf(d: &Path, name: &str, ext: &str) {
    let (key, csr, crt, extfile) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.crt"),
        format!("{name}.ext"),
    );
    let subject = format!("/CN={name}");
    let req = [
        &["req"][..],
        &EC,
        &["-keyout", &key, "-out", &csr, "-subj", &subject],
    ];
    openssl(d, &req.concat());
    std::fs::write(d.join(&extfile), ext).expect("ext");
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &crt,
            "-days",
            "1",
            "-extfile",
            &extfile,
        ],
    );
}

/// The CA and its two leaves; None without openssl.
pub fn pki() -> Option<tempfile::TempDir> {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let ca = [
        &["req", "-x509"][..],
        &EC,
        &["-keyout", "ca.key", "-out", "ca.pem"],
        &["-days", "1", "-subj", "/CN=ca"],
    ];
    if !openssl(d, &ca.concat()) {
        return None;
    }
    leaf(d, "s", "subjectAltName=DNS:localhost\n");
    leaf(d, "c", "extendedKeyUsage=clientAuth\n");
    let both = [
        std::fs::read(d.join("s.crt")).expect("crt"),
        std::fs::read(d.join("s.key")).expect("key"),
    ]
    .concat();
    std::fs::write(d.join("server.pem"), both).expect("pem");
    Some(dir)
}
