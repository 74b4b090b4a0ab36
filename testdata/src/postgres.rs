//! A private PostgreSQL server for tests: `initdb` into a temporary directory, started on a
//! Unix socket only (no TCP port, nothing shared with a system server), as the `postgres` user
//! when the tests run as root (initdb refuses root), and stopped when its owner drops it or the
//! test process ends (a watchdog shell stops it when its stdin, held by the test, closes).
//!
//! `shared()` is one server per test process with a fresh database per caller; a test that
//! restarts PostgreSQL starts its own with `PgServer::start`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

const PORT: u16 = 5432;

pub struct PgServer {
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
    /// The watchdog: stops the server and removes `dir` when its stdin closes.
    watchdog: Mutex<Option<Child>>,
    databases: AtomicU64,
}

/// The process's shared server, started on first use. `None` when PostgreSQL's server
/// programs are not installed; a server that is installed but does not start panics.
pub fn shared() -> Option<&'static PgServer> {
    static SERVER: OnceLock<Option<PgServer>> = OnceLock::new();
    SERVER.get_or_init(PgServer::start).as_ref()
}

/// Where `initdb`, `pg_ctl` and `postgres` are: Debian's newest `/usr/lib/postgresql/N/bin`,
/// else `pg_config --bindir`.
pub fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    bin.join("initdb").exists().then_some(bin)
}

impl PgServer {
    /// Starts a server of its own; `None` when PostgreSQL is not installed.
    pub fn start() -> Option<PgServer> {
        let bin = bin_dir()?;
        static STARTED: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "dicomq-pg-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the server's directory");
        let as_postgres = is_root();
        if as_postgres {
            run(Command::new("chown").arg("postgres:").arg(&dir), "chown");
        }
        let server = PgServer {
            dir,
            bin,
            as_postgres,
            watchdog: Mutex::new(None),
            databases: AtomicU64::new(0),
        };
        let data = server.dir.join("data");
        let mut initdb = server.command("initdb");
        initdb
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .arg("-D")
            .arg(&data);
        run(&mut initdb, "initdb");
        server.start_again();
        // The watchdog: when the test process ends (its pipe closes), stop and clean up.
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg(format!(
                "read _; {} -D '{}' -m immediate stop >/dev/null 2>&1; rm -rf '{}'",
                server.prefix(&server.bin.join("pg_ctl")),
                data.display(),
                server.dir.display()
            ))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = sh.spawn().expect("start the server's watchdog");
        *server.watchdog.lock().expect("watchdog") = Some(child);
        Some(server)
    }

    /// Starts the server (again, after `stop`), waiting until it accepts connections.
    pub fn start_again(&self) {
        let data = self.dir.join("data");
        let options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -p {PORT} \
             -c max_connections=300 -c shared_buffers=32MB",
            self.dir.display()
        );
        let mut start = self.command("pg_ctl");
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .args(["-s", "-w", "-t", "60", "-o", &options, "start"]);
        if !start.status().is_ok_and(|s| s.success()) {
            let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
            panic!("PostgreSQL did not start:\n{log}");
        }
    }

    /// Stops the server at once (`immediate`: as if it crashed; nothing is lost that was
    /// committed).
    pub fn stop(&self) {
        let mut stop = self.command("pg_ctl");
        stop.arg("-D")
            .arg(self.dir.join("data"))
            .args(["-s", "-m", "immediate", "-w", "stop"]);
        run(&mut stop, "pg_ctl stop");
    }

    /// A new, empty database; returns its connection string (libpq's `key=value` form).
    pub fn new_database(&self) -> String {
        let name = format!("t{}", self.databases.fetch_add(1, Ordering::SeqCst));
        self.psql(&self.url("postgres"), &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// Runs `sql` on the database of `url` (a string `new_database` returned) with psql;
    /// returns what it printed (unaligned, tuples only).
    pub fn psql(&self, url: &str, sql: &str) -> String {
        let psql = self.bin.join("psql");
        let program = if psql.exists() {
            psql
        } else {
            PathBuf::from("psql")
        };
        let out = Command::new(program)
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                url,
                "-c",
                sql,
            ])
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The connection string of database `name` on this server.
    pub fn url(&self, name: &str) -> String {
        format!(
            "host={} port={PORT} user=postgres dbname={name}",
            self.dir.display()
        )
    }

    /// The directory holding the server's socket, data and log.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn prefix(&self, program: &Path) -> String {
        if self.as_postgres {
            format!("runuser -u postgres -- '{}'", program.display())
        } else {
            format!("'{}'", program.display())
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Ok(mut guard) = self.watchdog.lock()
            && let Some(mut child) = guard.take()
        {
            if let Some(stdin) = child.stdin.as_mut() {
                let _ = stdin.write_all(b"\n");
            }
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn run(command: &mut Command, what: &str) {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
