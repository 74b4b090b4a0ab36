//! The persisted job record, and `JobInfo`: the view with exactly the fields and formats of
//! Orthanc's `GET /jobs/{id}` (keys in Orthanc's alphabetical order).

use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::state::{Flags, JobState};

use crate::orthanc_code::OrthancCode;

/// Orthanc's `ErrorCode_CanceledJob`, as the engine records it.
pub const CANCELED_JOB: i32 = OrthancCode::CanceledJob.code();
/// Orthanc's `ErrorCode_InternalError`, as the engine records it.
pub const INTERNAL_ERROR: i32 = OrthancCode::InternalError.code();

/// One job as the queue stores it (JSON). Times are microseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JobRecord {
    /// UUID v4.
    pub id: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub priority: i32,
    pub state: JobState,
    /// 0..=1.
    pub progress: f64,
    /// Index of the next step to run.
    pub position: u64,
    pub steps: u64,
    /// Owned by the job kind: what it needs to continue at `position`.
    #[serde(default)]
    pub checkpoint: Value,
    /// Orthanc's public `Content`.
    #[serde(default)]
    pub content: Value,
    #[serde(default)]
    pub params: Value,
    pub creation_us: i64,
    /// Time of the last state change (Orthanc's `LastChangeTime`).
    pub last_change_us: i64,
    /// Set when the job reaches Success or Failure.
    #[serde(default)]
    pub completion_us: Option<i64>,
    /// Time actually spent Running, summed over runs.
    #[serde(default)]
    pub runtime_us: u64,
    /// While Running in this process: when the time not yet in `runtime_us` started.
    #[serde(skip)]
    pub running_since: Option<Instant>,
    pub error_code: i32,
    #[serde(default)]
    pub error_details: String,
    #[serde(default)]
    pub retry_count: u32,
    #[serde(default)]
    pub next_retry_us: Option<i64>,
    /// Submit sequence number: FIFO among equal priorities.
    pub seq: u64,
    /// Completion sequence number: history order.
    #[serde(default)]
    pub completion_seq: Option<u64>,
    /// Pause/cancel requested while Running, persisted so that an acknowledged request survives
    /// a crash.
    #[serde(default)]
    pub flags: Flags,
    /// Orthanc's `UserData`: any JSON the submitter attached, shown as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<Value>,
    /// How many times the stored record was written: a store shared by several daemons applies
    /// a change only over the revision it was decided on (no lost update). 0 for a record
    /// never written (and in homes older than this field).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub revision: u64,
    /// A shared store's lease holder whose claim made it Running (a daemon's lease owner name;
    /// kept after it ends): tells a daemon's own earlier write from another's takeover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl JobRecord {
    /// Runtime including the current run.
    pub fn effective_runtime_us(&self) -> u64 {
        let live = self
            .running_since
            .map(|t| t.elapsed().as_micros() as u64)
            .unwrap_or(0);
        self.runtime_us.saturating_add(live)
    }

    /// Adds the time spent Running since `running_since` to `runtime_us`; keeps counting from
    /// now if `still_running`.
    pub fn fold_runtime(&mut self, still_running: bool) {
        if let Some(since) = self.running_since.take() {
            self.runtime_us = self
                .runtime_us
                .saturating_add(since.elapsed().as_micros() as u64);
        }
        if still_running {
            self.running_since = Some(Instant::now());
        }
    }

    /// The public view, with `Timestamp` = `now_us`.
    /// The few fields of the `jobs ls` table, without the Content (cheap for 10 000 jobs).
    pub fn row(&self) -> JobRow {
        let progress = if self.state == JobState::Success {
            1.0
        } else {
            self.progress.clamp(0.0, 1.0)
        };
        JobRow {
            id: self.id.clone(),
            type_name: self.type_name.clone(),
            state: self.state,
            priority: self.priority,
            progress: (progress * 100.0).round() as u32,
            creation_us: self.creation_us,
            runtime_ms: self.effective_runtime_us() / 1000,
        }
    }

    pub fn info(&self, now_us: i64) -> JobInfo {
        let progress_ratio = if self.state == JobState::Success {
            1.0
        } else {
            self.progress.clamp(0.0, 1.0)
        };
        let runtime_ms = self.effective_runtime_us() / 1000;
        let eta = if self.state == JobState::Running && progress_ratio > 0.01 && runtime_ms > 0 {
            let remaining_ms =
                (runtime_ms as f64 / progress_ratio * (1.0 - progress_ratio)).round() as i64;
            Some(format_timestamp(now_us.saturating_add(remaining_ms * 1000)))
        } else {
            None
        };
        JobInfo {
            completion_time: if self.state.is_finished() {
                self.completion_us.map(format_timestamp)
            } else {
                None
            },
            content: if self.content.is_null() {
                Value::Object(Default::default())
            } else {
                self.content.clone()
            },
            creation_time: format_timestamp(self.creation_us),
            effective_runtime: runtime_ms as f64 / 1000.0,
            error_code: self.error_code,
            error_description: error_description(self.error_code).to_string(),
            error_details: self.error_details.clone(),
            estimated_time_of_arrival: eta,
            id: self.id.clone(),
            priority: self.priority,
            progress: (progress_ratio * 100.0).round() as u32,
            state: self.state,
            timestamp: format_timestamp(now_us),
            type_name: self.type_name.clone(),
            user_data: self.user_data.clone(),
        }
    }
}

/// What Orthanc's `GET /jobs/{id}` returns. Field order is Orthanc's (alphabetical).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JobInfo {
    #[serde(
        rename = "CompletionTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub completion_time: Option<String>,
    #[serde(rename = "Content")]
    pub content: Value,
    #[serde(rename = "CreationTime")]
    pub creation_time: String,
    #[serde(rename = "EffectiveRuntime")]
    pub effective_runtime: f64,
    #[serde(rename = "ErrorCode")]
    pub error_code: i32,
    #[serde(rename = "ErrorDescription")]
    pub error_description: String,
    #[serde(rename = "ErrorDetails")]
    pub error_details: String,
    #[serde(
        rename = "EstimatedTimeOfArrival",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub estimated_time_of_arrival: Option<String>,
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Priority")]
    pub priority: i32,
    #[serde(rename = "Progress")]
    pub progress: u32,
    #[serde(rename = "State")]
    pub state: JobState,
    #[serde(rename = "Timestamp")]
    pub timestamp: String,
    #[serde(rename = "Type")]
    pub type_name: String,
    /// Top-level, as Orthanc 1.12.10 shows it; absent when the submitter gave none.
    #[serde(rename = "UserData", default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<Value>,
}

/// Microseconds since the Unix epoch, now.
pub fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Boost's `to_iso_string`: `YYYYMMDDTHHMMSS.ffffff` UTC, the fraction omitted when it is 0.
/// Written digit by digit: every job answer carries two or three of these, and chrono's
/// `format` (which parses its pattern each time) was 7 % of the daemon's time on `GET /jobs/{id}`.
pub fn format_timestamp(us: i64) -> String {
    use chrono::{Datelike, Timelike};
    let Some(t) = chrono::DateTime::from_timestamp_micros(us) else {
        return String::new();
    };
    let fraction = us.rem_euclid(1_000_000) as u32;
    if !(0..=9999).contains(&t.year()) {
        // Outside four digits chrono's sign and width rules apply.
        return if fraction == 0 {
            t.format("%Y%m%dT%H%M%S").to_string()
        } else {
            t.format("%Y%m%dT%H%M%S%.6f").to_string()
        };
    }
    let mut out = String::with_capacity(22);
    push_digits(&mut out, t.year() as u32, 4);
    push_digits(&mut out, t.month(), 2);
    push_digits(&mut out, t.day(), 2);
    out.push('T');
    push_digits(&mut out, t.hour(), 2);
    push_digits(&mut out, t.minute(), 2);
    push_digits(&mut out, t.second(), 2);
    if fraction != 0 {
        out.push('.');
        push_digits(&mut out, fraction, 6);
    }
    out
}

/// `value` in exactly `width` decimal digits, zero-padded (`value` has no more than `width`).
fn push_digits(out: &mut String, value: u32, width: u32) {
    for i in (0..width).rev() {
        out.push(char::from(b'0' + (value / 10u32.pow(i) % 10) as u8));
    }
}

/// Orthanc's `EnumerationToString(ErrorCode)` (src/orthanc_code.rs holds the list).
pub fn error_description(code: i32) -> &'static str {
    crate::orthanc_code::description_of(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_boost_iso() {
        // 2026-11-28T08:54:31.486627Z
        let us = 1_795_856_071_486_627;
        assert_eq!(format_timestamp(us), "20261128T085431.486627");
        assert_eq!(format_timestamp(1_795_856_071_000_000), "20261128T085431");
        assert_eq!(
            format_timestamp(1_795_856_071_000_001),
            "20261128T085431.000001"
        );
        // Digit by digit, as chrono formats it, across eras and fractions.
        for us in [
            0,
            -1,
            -1_000_000,
            951_782_400_123_456,
            4_102_444_799_999_999,
            253_402_300_799_000_000,
            253_402_300_800_000_001,
            -62_167_219_200_000_000,
        ] {
            let t = chrono::DateTime::from_timestamp_micros(us).expect("in range");
            let chrono = if us.rem_euclid(1_000_000) == 0 {
                t.format("%Y%m%dT%H%M%S").to_string()
            } else {
                t.format("%Y%m%dT%H%M%S%.6f").to_string()
            };
            assert_eq!(format_timestamp(us), chrono, "{us}");
        }
        assert_eq!(format_timestamp(i64::MIN), "");
    }

    #[test]
    fn descriptions() {
        assert_eq!(error_description(0), "Success");
        assert_eq!(error_description(CANCELED_JOB), "This job was canceled");
        assert_eq!(error_description(INTERNAL_ERROR), "Internal error");
    }
}

/// One line of the `jobs ls` table (not a JSON contract: `--json` gives `JobInfo`s).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRow {
    pub id: String,
    pub type_name: String,
    pub state: JobState,
    pub priority: i32,
    pub progress: u32,
    pub creation_us: i64,
    pub runtime_ms: u64,
}
