//! Certificates for the TLS tests (HTTPS, DICOM TLS), made by the openssl CLI in a temporary
//! directory in each test: no key is committed.

use std::path::PathBuf;
use std::process::Command;

use super::{have_tool, stderr};

/// Certificates made with the openssl CLI in a temporary directory.
pub struct Pki {
    pub dir: tempfile::TempDir,
}

impl Pki {
    pub fn new() -> Option<Pki> {
        if !have_tool("openssl") {
            return None;
        }
        Some(Pki {
            dir: tempfile::tempdir().expect("tempdir"),
        })
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn openssl(&self, args: &[&str]) {
        let o = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("openssl runs");
        assert!(o.status.success(), "openssl {args:?}: {}", stderr(&o));
    }

    fn key(&self, name: &str) {
        self.openssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-out",
            &format!("{name}.key"),
        ]);
    }

    /// A self-signed CA: `{name}.pem`, `{name}.key`.
    pub fn ca(&self, name: &str) -> PathBuf {
        self.key(name);
        self.openssl(&[
            "req",
            "-x509",
            "-new",
            "-key",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.pem"),
            "-days",
            "2",
            "-subj",
            &format!("/CN={name}"),
        ]);
        self.path(&format!("{name}.pem"))
    }

    /// A leaf signed by `ca` for `host` (DNS and 127.0.0.1), valid `days` from now (negative:
    /// expired): `{name}.crt`, `{name}.key`, and `{name}.pem` holding both, as Orthanc wants it.
    pub fn leaf(&self, name: &str, ca: &str, host: &str, days: i32) -> PathBuf {
        self.key(name);
        self.openssl(&[
            "req",
            "-new",
            "-key",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
            "-subj",
            &format!("/CN={host}"),
        ]);
        std::fs::write(
            self.path(&format!("{name}.ext")),
            format!("subjectAltName=DNS:{host},IP:127.0.0.1\n"),
        )
        .expect("ext");
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-out",
            &format!("{name}.crt"),
            "-days",
            &days.to_string(),
            "-extfile",
            &format!("{name}.ext"),
        ]);
        let both = [
            std::fs::read(self.path(&format!("{name}.crt"))).expect("crt"),
            std::fs::read(self.path(&format!("{name}.key"))).expect("key"),
        ]
        .concat();
        let pem = self.path(&format!("{name}.pem"));
        std::fs::write(&pem, both).expect("pem");
        pem
    }
}
