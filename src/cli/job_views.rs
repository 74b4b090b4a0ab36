//! Jobs as a person reads them at a terminal: `jobs show`'s block and `jobs ls`'s table with
//! relative times, state colours (`Output::paint_stdout`: a terminal, never with NO_COLOR) and
//! the terminal's width. Scripts keep Orthanc's JSON and the plain table (`cli/jobs.rs`).

use crate::jobs::{JobInfo, JobRow, JobState};
use crate::output::{Output, ago, escape_controls, local_time};

pub fn state_colour(state: JobState) -> &'static str {
    match state {
        JobState::Pending => "33",
        JobState::Running => "36",
        JobState::Success => "32",
        JobState::Failure => "1;31",
        JobState::Paused => "35",
        JobState::Retry => "33",
    }
}

/// Orthanc's `20261130T151342.123456` (UTC) as microseconds since the epoch.
pub fn parse_orthanc_time(s: &str) -> Option<i64> {
    let t = chrono::NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S%.f")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S"))
        .ok()?;
    Some(t.and_utc().timestamp_micros())
}

fn when(s: &str, now: i64) -> String {
    match parse_orthanc_time(s) {
        Some(us) => format!("{} ({})", local_time(us), ago(us, now)),
        None => escape_controls(s).into_owned(),
    }
}

/// A bar of `width` cells for a percentage.
pub fn bar(percent: u32, width: usize) -> String {
    let full = (percent.min(100) as usize * width) / 100;
    format!(
        "[{}{}] {percent:>3}%",
        "#".repeat(full),
        "-".repeat(width - full)
    )
}

/// `jobs show` for a person: one fact per line, the Content's fields, the error when failed.
pub fn show_block(out: &Output, job: &JobInfo, now: i64) -> String {
    let mut lines: Vec<(String, String)> = vec![
        ("type".into(), escape_controls(&job.type_name).into_owned()),
        (
            "state".into(),
            out.paint_stdout(job.state.as_str(), state_colour(job.state)),
        ),
        ("progress".into(), bar(job.progress, 30)),
        ("priority".into(), job.priority.to_string()),
        ("created".into(), when(&job.creation_time, now)),
    ];
    if let Some(done) = &job.completion_time {
        lines.push(("finished".into(), when(done, now)));
    } else if let Some(eta) = &job.estimated_time_of_arrival {
        lines.push(("ETA".into(), when(eta, now)));
    }
    lines.push(("runtime".into(), format!("{:.3} s", job.effective_runtime)));
    if job.state == JobState::Failure || job.error_code != 0 {
        let mut error = format!("{} ({})", job.error_description, job.error_code);
        if !job.error_details.is_empty() {
            error.push_str(&format!(": {}", job.error_details));
        }
        lines.push((
            "error".into(),
            out.paint_stdout(&escape_controls(&error), "31"),
        ));
    }
    if let Some(user) = &job.user_data {
        lines.push((
            "user data".into(),
            escape_controls(&user.to_string()).into_owned(),
        ));
    }
    let mut text = format!("job {}\n", escape_controls(&job.id));
    for (k, v) in &lines {
        text.push_str(&format!("  {k:<10} {v}\n"));
    }
    if let Some(content) = job.content.as_object().filter(|c| !c.is_empty()) {
        text.push_str("  content\n");
        let width = content.keys().map(|k| k.chars().count()).max().unwrap_or(0);
        for (k, v) in content {
            let value = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            text.push_str(&format!(
                "    {:<width$} {}\n",
                escape_controls(k),
                escape_controls(&value)
            ));
        }
    }
    text
}

/// Cuts `s` to `max` characters, the last one an ellipsis when cut.
pub fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `jobs ls` for a person: relative times, coloured states, at most `width` columns (the Type
/// column gives way first, cut with an ellipsis).
pub fn ls_table(out: &Output, rows: &[JobRow], width: usize, now: i64) -> String {
    let header = [
        "ID", "TYPE", "STATE", "PRIO", "PROGRESS", "CREATED", "RUNTIME",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|j| {
            [
                j.id.chars().take(8).collect(),
                escape_controls(&j.type_name).into_owned(),
                j.state.as_str().to_string(),
                j.priority.to_string(),
                format!("{}%", j.progress),
                ago(j.creation_us, now),
                format!("{:.1} s", j.runtime_ms as f64 / 1000.0),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    // Two spaces between columns; the Type column shrinks (not below 4) to fit.
    let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
    if total > width {
        widths[1] = widths[1].saturating_sub(total - width).max(4);
    }
    let line = |cols: &[String], state: Option<JobState>| {
        let mut s = String::new();
        for (i, (c, w)) in cols.iter().zip(&widths).enumerate() {
            let cell = fit(c, *w);
            let pad = w.saturating_sub(cell.chars().count());
            let cell = match (i, state) {
                (2, Some(st)) => out.paint_stdout(&cell, state_colour(st)),
                _ => cell,
            };
            s.push_str(&cell);
            if i + 1 < cols.len() {
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        s.push('\n');
        s
    };
    let mut text = line(&header.map(String::from), None);
    for (row, job) in cells.iter().zip(rows) {
        text.push_str(&line(row, Some(job.state)));
    }
    text
}

/// The terminal's width (stdout), or 80.
pub fn terminal_width() -> usize {
    terminal_size::terminal_size_of(std::io::stdout()).map_or(80, |(w, _)| usize::from(w.0))
}

/// The terminal's height (stdout), or 24.
pub fn terminal_height() -> usize {
    terminal_size::terminal_size_of(std::io::stdout()).map_or(24, |(_, h)| usize::from(h.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(type_name: &str, state: JobState) -> JobRow {
        JobRow {
            id: "0123456789abcdef".into(),
            type_name: type_name.into(),
            state,
            priority: 0,
            progress: 50,
            creation_us: 1_000_000_000_000_000 - 180_000_000,
            runtime_ms: 1500,
        }
    }

    #[test]
    fn the_table_fits_the_width_and_says_how_long_ago() {
        let out = Output::new(false, false, crate::output::ColorChoice::Never);
        let rows = [row(
            "AVeryLongJobTypeNameThatGoesOnAndOn",
            JobState::Running,
        )];
        let text = ls_table(&out, &rows, 60, 1_000_000_000_000_000);
        for l in text.lines() {
            assert!(l.chars().count() <= 60, "{l:?}");
        }
        assert!(text.contains("3 min ago") && text.contains('…'), "{text}");
        assert!(!text.contains('\x1b'));
        let wide = ls_table(&out, &rows, 200, 1_000_000_000_000_000);
        assert!(
            wide.contains("AVeryLongJobTypeNameThatGoesOnAndOn"),
            "{wide}"
        );
    }

    #[test]
    fn orthanc_times_parse() {
        assert_eq!(
            parse_orthanc_time("19700101T000001.500000"),
            Some(1_500_000)
        );
        assert_eq!(parse_orthanc_time("19700101T000002"), Some(2_000_000));
        assert_eq!(parse_orthanc_time("nonsense"), None);
        assert_eq!(bar(50, 10), "[#####-----]  50%");
    }
}
