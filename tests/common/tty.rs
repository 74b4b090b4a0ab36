//! The real binary in a pseudo-terminal: a tmux session of its own (one server per screen, on
//! its own socket), read with `capture-pane` as a person would see it.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::have_tool;

/// A tmux server running one shell command in a window of `width` × `height`.
pub struct Screen {
    socket: String,
}

/// Quotes for sh.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl Screen {
    /// None when tmux is missing (a failure under DICOMQ_REQUIRE_VALIDATORS=1). `script` runs
    /// under sh with a cleared environment plus `env`; it ends by printing `EXIT=<code>`.
    pub fn start(script: &str, env: &[(&str, &str)], width: u16, height: u16) -> Option<Screen> {
        if !have_tool("tmux") {
            return None;
        }
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let socket = format!(
            "dicomq-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let mut vars = format!(
            "PATH={} TERM=xterm-256color",
            sh_quote(&std::env::var("PATH").unwrap_or_default())
        );
        for (k, v) in env {
            vars.push_str(&format!(" {k}={}", sh_quote(v)));
        }
        // The shell stays after the command so that the screen can still be read; like an
        // interactive shell it outlives a Ctrl-C meant for the command (a trap, unlike an
        // ignored signal, is not inherited).
        let line = format!(
            "exec env -i {vars} sh -c {}",
            sh_quote(&format!("trap : INT; {script}; echo EXIT=$?; sleep 600"))
        );
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .arg(line)
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        Some(Screen { socket })
    }

    /// The visible screen, as text (`escapes`: with colours and attributes).
    pub fn capture(&self, escapes: bool) -> String {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "capture-pane", "-p"]);
        if escapes {
            c.arg("-e");
        }
        let out = c.output().expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen holds `text`, giving the screen.
    pub fn wait_for(&self, text: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let screen = self.capture(false);
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The command's exit code, once it printed it.
    pub fn exit_code(&self, secs: u64) -> i32 {
        let screen = self.wait_for("EXIT=", secs);
        let code = screen
            .split("EXIT=")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok());
        code.unwrap_or_else(|| panic!("no exit code on the screen:\n{screen}"))
    }

    pub fn send_keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys"])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(status.success());
    }

    /// Lines on screen that are not blank.
    pub fn lines(screen: &str) -> Vec<&str> {
        screen.lines().filter(|l| !l.trim().is_empty()).collect()
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// `dicomq --home HOME` for a script, quoted.
pub fn dicomq(home: &Path) -> String {
    format!(
        "{} --home {}",
        sh_quote(&assert_cmd::cargo::cargo_bin("dicomq").display().to_string()),
        sh_quote(&home.display().to_string())
    )
}
