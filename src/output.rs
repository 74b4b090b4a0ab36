//! Where output goes: data on stdout (tables, IDs, JSON), everything else on stderr. Colours
//! and progress bars only on a terminal, never with `--json` or `--quiet`.
//!
//! Nothing a file or a client wrote reaches a terminal raw: every human-readable line goes
//! through [`escape_controls`] (a PatientName holding `ESC ] 0 ; title BEL` would set the window
//! title, `ESC [ 2 J` clear the screen). Control characters are shown as escapes, the way
//! tracing-subscriber shows them in logs: C0 controls and DEL as `\x1b`, `\x07`, `\x7f`, and
//! C1 controls as `\u{9b}`. JSON keeps its own escapes (serde writes C0 as `\u001b`; DEL and
//! C1, which serde leaves raw, are written as `\u007f`, `\u009b`: the same JSON value).

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

use serde::Serialize;

use crate::error::{Error, Result};

/// When to use colours (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub json: bool,
    pub quiet: bool,
    color: bool,
    /// Colours on stdout (a terminal there, `--color`, `NO_COLOR`).
    color_stdout: bool,
    /// stdout is a terminal: a person reads it (the rule of `ls` and ripgrep).
    stdout_tty: bool,
    stderr_tty: bool,
}

impl Output {
    pub fn new(json: bool, quiet: bool, choice: ColorChoice) -> Self {
        let stdout_tty = std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let wanted = |tty: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && tty,
        };
        Output {
            json,
            quiet,
            color: wanted(stderr_tty),
            color_stdout: wanted(stdout_tty) && !json,
            stdout_tty,
            stderr_tty,
        }
    }

    /// A person reads stdout (a terminal, no `--json`): views for people (a summary instead of
    /// one line per file, relative times). Otherwise stdout keeps its data lines for scripts.
    pub fn for_person(&self) -> bool {
        self.stdout_tty && !self.json
    }

    /// `text` in the ANSI colour `code` ("32" green, "1;31" bold red...) when stdout takes
    /// colours; unchanged otherwise.
    pub fn paint_stdout(&self, text: &str, code: &str) -> String {
        if self.color_stdout {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Writes text to stdout, its control characters escaped but for its line breaks and tabs;
    /// a closed pipe surfaces as a BrokenPipe I/O error.
    pub fn data(&self, text: &str) -> Result<()> {
        self.raw(escape_controls_but_layout(text).as_bytes())
    }

    /// Writes text whose values were escaped where they were put in ([`escape_controls`]) and
    /// whose only escape sequences are the colours of [`Output::paint_stdout`].
    pub fn data_painted(&self, text: &str) -> Result<()> {
        self.raw(text.as_bytes())
    }

    fn raw(&self, bytes: &[u8]) -> Result<()> {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(bytes)
            .and_then(|()| stdout.flush())
            .map_err(|e| Error::io("stdout", e))
    }

    pub fn json_value<T: Serialize>(&self, value: &T) -> Result<()> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| Error::Internal(format!("JSON: {e}")))?;
        let mut text = json_escape_del_and_c1(&text).into_owned();
        text.push('\n');
        self.raw(text.as_bytes())
    }

    /// A note on stderr (suppressed by --quiet).
    pub fn note(&self, msg: &str) {
        if !self.quiet {
            eprintln!("{}", escape_controls(msg));
        }
    }

    pub fn warn(&self, msg: &str) {
        eprintln!("{}: {}", self.paint("warning", "33"), escape_controls(msg));
    }

    pub fn error_line(&self, msg: &str) {
        eprintln!("{}: {}", self.paint("error", "31"), escape_controls(msg));
    }

    pub fn hint_line(&self, msg: &str) {
        eprintln!("{}: {}", self.paint("hint", "36"), escape_controls(msg));
    }

    fn paint(&self, word: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[1;{code}m{word}\x1b[0m")
        } else {
            word.to_string()
        }
    }

    /// Whether a progress bar may be drawn (on stderr): a person reads stdout, stderr is a
    /// terminal too, and neither `--quiet` nor `--json` was given.
    pub fn progress_allowed(&self) -> bool {
        !self.quiet && self.for_person() && self.stderr_tty
    }
}

/// A table of rows for stdout, built with tabled.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut builder = tabled::builder::Builder::default();
    builder.push_record(header.iter().map(|s| s.to_string()));
    for r in rows {
        builder.push_record(r.iter().map(|cell| escape_controls(cell).into_owned()));
    }
    let mut t = builder.build();
    t.with(tabled::settings::Style::blank());
    let mut s = t.to_string();
    s.push('\n');
    s
}

/// `text` with its control characters (C0, DEL, C1) written as visible escapes: `\x1b`,
/// `\x7f`, `\u{9b}`. The result holds no control character, so escaping it again changes
/// nothing. Used for every value and message shown to a person.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    escape(text, &[])
}

/// [`escape_controls`], keeping line breaks and tabs: for text laid out in lines (a tag dump,
/// a table), whose values were escaped where they were put in.
pub fn escape_controls_but_layout(text: &str) -> Cow<'_, str> {
    escape(text, &['\n', '\t'])
}

fn is_control(c: char) -> bool {
    c.is_control() // C0, DEL and C1: Unicode's Cc category
}

fn escape<'a>(text: &'a str, keep: &[char]) -> Cow<'a, str> {
    if !text.chars().any(|c| is_control(c) && !keep.contains(&c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c as u32 {
            _ if !is_control(c) || keep.contains(&c) => out.push(c),
            n @ (0..=0x1f | 0x7f) => out.push_str(&format!("\\x{n:02x}")),
            n => out.push_str(&format!("\\u{{{n:x}}}")),
        }
    }
    Cow::Owned(out)
}

/// Serialised JSON with DEL and C1 characters written as `\u00XX` escapes (serde escapes only
/// C0). They can only occur inside strings, where the escape is the same character.
fn json_escape_del_and_c1(json: &str) -> Cow<'_, str> {
    if !json.chars().any(is_control) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_control(c) && !matches!(c, '\n' | ' ') {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A size for a note: bytes, KB or MB (whole units).
pub fn human_size(bytes: u64) -> String {
    if bytes >= 10 << 20 {
        format!("{} MB", bytes >> 20)
    } else if bytes >= 10 << 10 {
        format!("{} KB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// How long ago `then_us` was (microseconds since the epoch), for a person: "just now",
/// "42 s ago", "3 min ago", "5 h ago", "2 days ago"; "in the future" for a clock ahead.
pub fn ago(then_us: i64, now_us: i64) -> String {
    let secs = now_us.saturating_sub(then_us) / 1_000_000;
    match secs {
        ..0 => "in the future".into(),
        0 => "just now".into(),
        _ => format!("{} ago", duration_words(secs as u64)),
    }
}

/// A duration for a person: "42 s", "3 min", "5 h", "2 days" (whole units, rounded down).
pub fn duration_words(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..86400 => format!("{} h", secs / 3600),
        86400..172800 => "1 day".into(),
        _ => format!("{} days", secs / 86400),
    }
}

/// A local date and time for a person ("2026-12-01 05:20:01").
pub fn local_time(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}

/// A size for a person, in binary units with one decimal ("1.2 GiB").
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        let name = "Evil\x1b]0;title\x07^Name\x1b[2J\r\n\t\x7f\u{9b}31m Müller\\山田";
        assert_eq!(
            escape_controls(name),
            "Evil\\x1b]0;title\\x07^Name\\x1b[2J\\x0d\\x0a\\x09\\x7f\\u{9b}31m Müller\\山田"
        );
        assert_eq!(escape_controls_but_layout("a\x1bb\tc\nd"), "a\\x1bb\tc\nd");
        // Escaping twice changes nothing; clean text is not copied.
        let once = escape_controls(name).into_owned();
        assert_eq!(escape_controls(&once), once);
        assert!(matches!(escape_controls("Müller^Hans"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_keeps_its_value_and_loses_raw_del_and_c1() {
        let value = serde_json::json!({"PatientName": "a\x1b[2J\x7f\u{9b}b\n"});
        let text = serde_json::to_string_pretty(&value).expect("json");
        let safe = json_escape_del_and_c1(&text);
        assert!(!safe.chars().any(|c| c.is_control() && c != '\n'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back, value);
    }

    #[test]
    fn times_and_sizes_for_people() {
        let now = 1_000_000_000_000_000;
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now - 42_000_000, now), "42 s ago");
        assert_eq!(ago(now - 10_000_000, now), "10 s ago");
        assert_eq!(ago(now - 3 * 60_000_000 - 5, now), "3 min ago");
        assert_eq!(ago(now - 5 * 3_600_000_000, now), "5 h ago");
        assert_eq!(ago(now - 90_000_000_000, now), "1 day ago");
        assert_eq!(ago(now - 3 * 86_400_000_000, now), "3 days ago");
        assert_eq!(ago(now + 5_000_000, now), "in the future");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 << 30), "5.0 GiB");
    }

    #[test]
    fn table_cells_are_escaped() {
        let t = table(&["Name"], vec![vec!["x\x1b[2J\ny".to_string()]]);
        assert!(t.contains("x\\x1b[2J\\x0ay"), "{t}");
        assert!(!t.contains('\x1b'));
    }
}
