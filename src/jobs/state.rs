//! Job states, user actions and engine events, and the one table-driven transition function
//! that every state change goes through.
//!
//! The user matrix is Orthanc's (`JobsRegistry::Pause/Resume/Cancel/Resubmit`), with one
//! difference: on a Running job, pause and cancel only set flags honoured at the next step
//! boundary, and when both are set the cancel wins (Orthanc loses it).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum JobState {
    Pending,
    Running,
    Success,
    Failure,
    Paused,
    Retry,
}

impl JobState {
    pub const ALL: [JobState; 6] = [
        JobState::Pending,
        JobState::Running,
        JobState::Success,
        JobState::Failure,
        JobState::Paused,
        JobState::Retry,
    ];

    /// Orthanc's spelling (the same word).
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "Pending",
            JobState::Running => "Running",
            JobState::Success => "Success",
            JobState::Failure => "Failure",
            JobState::Paused => "Paused",
            JobState::Retry => "Retry",
        }
    }

    /// Success or Failure: the job is in the history.
    pub fn is_finished(self) -> bool {
        matches!(self, JobState::Success | JobState::Failure)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        JobState::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown job state '{s}'"))
    }
}

/// What a user can ask of a job (`POST /jobs/{id}/<action>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    Pause,
    Resume,
    Cancel,
    Resubmit,
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::Pause,
        Action::Resume,
        Action::Cancel,
        Action::Resubmit,
    ];

    /// The verb as typed on the command line and in Orthanc's routes.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Cancel => "cancel",
            Action::Resubmit => "resubmit",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown job action '{s}'"))
    }
}

/// Requests waiting for the next step boundary of a Running job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags {
    pub pause: bool,
    pub cancel: bool,
}

/// What an accepted action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The job moves to this state now (for Cancel: Failure with code 37; for Resubmit: reset).
    Move(JobState),
    /// The job stays Running with these flags, honoured at the next step boundary.
    Schedule(Flags),
    /// Accepted, nothing changes (Orthanc answers 200).
    NoOp,
}

/// Why an action or event was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub state: JobState,
    pub what: &'static str,
}

impl Refusal {
    /// `cannot resume job 3f2a...: it is Running`.
    pub fn message(&self, job_id: &str) -> String {
        let hint = match self.what {
            "resume" => " (only a paused job can be resumed)",
            "resubmit" => " (only a failed job can be resubmitted)",
            _ => "",
        };
        format!(
            "cannot {} job {job_id}: it is {}{hint}",
            self.what, self.state
        )
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot {}: job is {}", self.what, self.state)
    }
}

/// One cell of the user matrix.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Refuse,
    NoOp,
    Move(JobState),
    /// Running only: set the action's flag.
    Flag,
}

use JobState as S;
use Rule::{Flag, Move, NoOp, Refuse};

/// Orthanc's matrix (spec §1.3), rows in `JobState` order, columns in `Action` order
/// (pause, resume, cancel, resubmit).
const MATRIX: [[Rule; 4]; 6] = [
    /* Pending */ [Move(S::Paused), Refuse, Move(S::Failure), Refuse],
    /* Running */ [Flag, Refuse, Flag, Refuse],
    /* Success */ [NoOp, Refuse, NoOp, Refuse],
    /* Failure */ [NoOp, Refuse, NoOp, Move(S::Pending)],
    /* Paused  */ [NoOp, Move(S::Pending), Move(S::Failure), Refuse],
    /* Retry   */ [Move(S::Paused), Refuse, Move(S::Failure), Refuse],
];

/// The user transition function: the only place that decides what an action does.
pub fn transition(state: JobState, action: Action, flags: Flags) -> Result<Outcome, Refusal> {
    match MATRIX[state.index()][action.index()] {
        Refuse => Err(Refusal {
            state,
            what: action.as_str(),
        }),
        NoOp => Ok(Outcome::NoOp),
        Move(to) => Ok(Outcome::Move(to)),
        Flag => {
            let mut f = flags;
            match action {
                Action::Pause => f.pause = true,
                Action::Cancel => f.cancel = true,
                Action::Resume | Action::Resubmit => {
                    return Err(Refusal {
                        state,
                        what: action.as_str(),
                    });
                }
            }
            if f == flags {
                Ok(Outcome::NoOp)
            } else {
                Ok(Outcome::Schedule(f))
            }
        }
    }
}

/// What the engine does to a job by itself (spec §1.2), plus recovery at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A worker took it from the queue.
    Start,
    /// A step said Continue.
    Step,
    /// The last step is done.
    Succeed,
    /// A step failed (or retries ran out).
    Fail,
    /// A step asked to be retried later.
    RetryLater,
    /// The backoff of a Retry job has passed.
    RetryDue,
    /// The pause flag was seen at a step boundary.
    PauseAtBoundary,
    /// The cancel flag was seen at a step boundary (wins over a pause).
    CancelAtBoundary,
    /// Start-up recovery of a job found Running or Retry.
    Recover,
}

/// The engine transition function, table-driven like `transition`.
pub fn advance(state: JobState, event: Event) -> Result<JobState, Refusal> {
    use Event as E;
    let to = match (state, event) {
        (S::Pending, E::Start) => Some(S::Running),
        (S::Running, E::Step) => Some(S::Running),
        (S::Running, E::Succeed) => Some(S::Success),
        (S::Running, E::Fail) => Some(S::Failure),
        (S::Running, E::RetryLater) => Some(S::Retry),
        (S::Retry, E::RetryDue) => Some(S::Pending),
        (S::Running, E::PauseAtBoundary) => Some(S::Paused),
        (S::Running, E::CancelAtBoundary) => Some(S::Failure),
        (S::Running | S::Retry, E::Recover) => Some(S::Pending),
        _ => None,
    };
    to.ok_or(Refusal {
        state,
        what: "advance",
    })
}

/// Which flag a step boundary honours: the cancel wins over a pause.
pub fn boundary(flags: Flags) -> Option<Event> {
    if flags.cancel {
        Some(Event::CancelAtBoundary)
    } else if flags.pause {
        Some(Event::PauseAtBoundary)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_action_pair() {
        let none = Flags::default();
        let pause = Flags {
            pause: true,
            cancel: false,
        };
        let cancel = Flags {
            pause: false,
            cancel: true,
        };
        use Action::*;
        use JobState::*;
        let ok = |o| Ok::<Outcome, Refusal>(o);
        let refused = |state, a: Action| {
            Err::<Outcome, Refusal>(Refusal {
                state,
                what: a.as_str(),
            })
        };
        let cases: Vec<(JobState, Action, Result<Outcome, Refusal>)> = vec![
            (Pending, Pause, ok(Outcome::Move(Paused))),
            (Pending, Resume, refused(Pending, Resume)),
            (Pending, Cancel, ok(Outcome::Move(Failure))),
            (Pending, Resubmit, refused(Pending, Resubmit)),
            (Running, Pause, ok(Outcome::Schedule(pause))),
            (Running, Resume, refused(Running, Resume)),
            (Running, Cancel, ok(Outcome::Schedule(cancel))),
            (Running, Resubmit, refused(Running, Resubmit)),
            (Success, Pause, ok(Outcome::NoOp)),
            (Success, Resume, refused(Success, Resume)),
            (Success, Cancel, ok(Outcome::NoOp)),
            (Success, Resubmit, refused(Success, Resubmit)),
            (Failure, Pause, ok(Outcome::NoOp)),
            (Failure, Resume, refused(Failure, Resume)),
            (Failure, Cancel, ok(Outcome::NoOp)),
            (Failure, Resubmit, ok(Outcome::Move(Pending))),
            (Paused, Pause, ok(Outcome::NoOp)),
            (Paused, Resume, ok(Outcome::Move(Pending))),
            (Paused, Cancel, ok(Outcome::Move(Failure))),
            (Paused, Resubmit, refused(Paused, Resubmit)),
            (Retry, Pause, ok(Outcome::Move(Paused))),
            (Retry, Resume, refused(Retry, Resume)),
            (Retry, Cancel, ok(Outcome::Move(Failure))),
            (Retry, Resubmit, refused(Retry, Resubmit)),
        ];
        assert_eq!(cases.len(), JobState::ALL.len() * Action::ALL.len());
        for s in JobState::ALL {
            for a in Action::ALL {
                let expected = &cases
                    .iter()
                    .find(|(cs, ca, _)| *cs == s && *ca == a)
                    .expect("every pair listed")
                    .2;
                assert_eq!(&transition(s, a, none), expected, "{s} {a}");
            }
        }
    }

    #[test]
    fn running_flags_combine_and_cancel_wins() {
        let pause = Flags {
            pause: true,
            cancel: false,
        };
        let both = Flags {
            pause: true,
            cancel: true,
        };
        assert_eq!(
            transition(JobState::Running, Action::Cancel, pause),
            Ok(Outcome::Schedule(both))
        );
        assert_eq!(
            transition(JobState::Running, Action::Pause, both),
            Ok(Outcome::NoOp)
        );
        assert_eq!(boundary(both), Some(Event::CancelAtBoundary));
        assert_eq!(boundary(pause), Some(Event::PauseAtBoundary));
        assert_eq!(boundary(Flags::default()), None);
    }

    #[test]
    fn refusal_message() {
        let r =
            transition(JobState::Running, Action::Resume, Flags::default()).expect_err("refused");
        assert_eq!(
            r.message("3f2a0000"),
            "cannot resume job 3f2a0000: it is Running (only a paused job can be resumed)"
        );
    }

    #[test]
    fn engine_events() {
        assert_eq!(
            advance(JobState::Pending, Event::Start),
            Ok(JobState::Running)
        );
        assert_eq!(
            advance(JobState::Retry, Event::Recover),
            Ok(JobState::Pending)
        );
        assert!(advance(JobState::Paused, Event::Start).is_err());
        assert!(advance(JobState::Success, Event::Step).is_err());
    }
}
