//! Where output goes: data on stdout (tables, IDs, JSON), everything else on stderr. Colours
//! and progress bars only on a terminal, never with `--json` or `--quiet`.

use std::io::{IsTerminal, Write};

use serde::Serialize;

use crate::cli::ColorChoice;
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Output {
    pub json: bool,
    pub quiet: bool,
    color: bool,
}

impl Output {
    pub fn new(json: bool, quiet: bool, choice: ColorChoice) -> Self {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stderr().is_terminal()
            }
        };
        Output { json, quiet, color }
    }

    /// Writes data to stdout; a closed pipe surfaces as a BrokenPipe I/O error.
    pub fn data(&self, text: &str) -> Result<()> {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| Error::io("stdout", e))
    }

    pub fn json_value<T: Serialize>(&self, value: &T) -> Result<()> {
        let mut text = serde_json::to_string_pretty(value)
            .map_err(|e| Error::Internal(format!("JSON: {e}")))?;
        text.push('\n');
        self.data(&text)
    }

    /// A note on stderr (suppressed by --quiet).
    pub fn note(&self, msg: &str) {
        if !self.quiet {
            eprintln!("{msg}");
        }
    }

    pub fn warn(&self, msg: &str) {
        eprintln!("{}: {msg}", self.paint("warning", "33"));
    }

    pub fn error_line(&self, msg: &str) {
        eprintln!("{}: {msg}", self.paint("error", "31"));
    }

    pub fn hint_line(&self, msg: &str) {
        eprintln!("{}: {msg}", self.paint("hint", "36"));
    }

    fn paint(&self, word: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[1;{code}m{word}\x1b[0m")
        } else {
            word.to_string()
        }
    }

    /// Whether a progress bar may be drawn.
    pub fn progress_allowed(&self) -> bool {
        !self.quiet && !self.json && std::io::stderr().is_terminal()
    }
}

/// A table of rows for stdout, built with tabled.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut builder = tabled::builder::Builder::default();
    builder.push_record(header.iter().map(|s| s.to_string()));
    for r in rows {
        builder.push_record(r);
    }
    let mut t = builder.build();
    t.with(tabled::settings::Style::blank());
    let mut s = t.to_string();
    s.push('\n');
    s
}
