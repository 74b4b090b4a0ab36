//! De-identification by PS3.15 Annex E, Table E.1-1 (the Basic Application Level
//! Confidentiality Profile), as data: one generated table per edition (`profile_*.rs`, from
//! `tools/anonymization/generate.py`; its README says where each comes from), the lookup in
//! `table.rs`, the values Z and D write in `values.rs`, and the walk over a data set, sequences
//! included, in `apply.rs`. The modify/anonymize jobs call [`apply`] or [`apply_file`].
//!
//! Orthanc names its profiles by edition (`DicomVersion`: 2023b, 2021b, 2017c, 2008). Those
//! exact editions could not be sourced (see tools/anonymization/README.md); each name uses an
//! edition we have whose table holds every row of the editions around the named one: 2017a
//! for 2017c (2017d only lost three of 2017a's rows), 2024b for 2021b and 2023b (every row of
//! 2020b is in 2024b). 2008 has none and is refused.

mod apply;
mod profile_2017a;
mod profile_2024b;
pub mod table;
pub mod values;

#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use dicom_core::Tag;

pub use apply::{apply, apply_file};
pub use table::{Action, Table};

/// The code of PS3.16 CID 7050 for the Basic Profile, written in (0012,0064).
pub const BASIC_PROFILE_CODE: (&str, &str, &str) =
    ("113100", "DCM", "Basic Application Confidentiality Profile");

/// A profile, named as Orthanc's `DicomVersion` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    V2008,
    V2017c,
    V2021b,
    /// Orthanc's default since 1.12.1.
    #[default]
    V2023b,
}

impl Profile {
    /// Every profile, in the order of Orthanc's documentation.
    pub const ALL: [Profile; 4] = [
        Profile::V2023b,
        Profile::V2021b,
        Profile::V2017c,
        Profile::V2008,
    ];

    /// Orthanc's name of the profile (`2023b`).
    pub fn name(self) -> &'static str {
        match self {
            Profile::V2008 => "2008",
            Profile::V2017c => "2017c",
            Profile::V2021b => "2021b",
            Profile::V2023b => "2023b",
        }
    }

    /// The table applied for this profile, `None` for 2008 (no faithful source: see the
    /// module documentation).
    pub fn table(self) -> Option<Table> {
        match self {
            Profile::V2008 => None,
            Profile::V2017c => Some(Table {
                edition: profile_2017a::EDITION,
                rows: profile_2017a::ROWS_2017A,
                patterns: profile_2017a::PATTERNS_2017A,
            }),
            Profile::V2021b | Profile::V2023b => Some(Table {
                edition: profile_2024b::EDITION,
                rows: profile_2024b::ROWS_2024B,
                patterns: profile_2024b::PATTERNS_2024B,
            }),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `DicomVersion` that names no profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown de-identification profile {0:?}: expected 2023b, 2021b, 2017c or 2008")]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| UnknownProfile(s.to_string()))
    }
}

/// The Basic Profile action of `tag` in `profile`'s table: `None` when the table does not
/// list it, for private tags (removed unless kept, see [`Options`]) and for a profile without
/// a table.
pub fn action(profile: Profile, tag: Tag) -> Option<Action> {
    if tag.group() % 2 == 1 {
        return None;
    }
    profile.table()?.action(tag)
}

/// What the caller asks beyond the profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Tags never touched, at any depth (a kept sequence is kept whole).
    pub keep: Vec<Tag>,
    /// Keep private tags (odd groups) instead of removing them; the standard attributes inside
    /// private sequences are still de-identified.
    pub keep_private_tags: bool,
}

/// Why a data set was not de-identified; it is left untouched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnonymizeError {
    #[error(
        "de-identification profile {0} is not available: no faithful copy of PS3.15 Table E.1-1 of that edition is built in (use 2023b, 2021b or 2017c)"
    )]
    ProfileUnavailable(Profile),
    #[error("the data set nests sequences deeper than {limit} levels")]
    TooDeep { limit: usize },
}
