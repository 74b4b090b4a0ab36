//! `find [--level L] TAG=VALUE...`: Orthanc's `/tools/find` from the shell, printed as `ls`
//! prints a level.

use clap::Args;

use super::Context;
use super::resources::{LevelArg, print_views};
use crate::error::{Error, Result};
use crate::store::find::FindQuery;

#[derive(Debug, Args)]
pub struct FindArgs {
    /// The level searched
    #[arg(long, value_enum, default_value = "studies")]
    pub level: LevelArg,
    /// Constraints on DICOM tags (keyword or gggg,eeee): `DOE*` and `D?E` wildcards, `A\B`
    /// lists, `20240101-20241231` date ranges. Main tags of the level or above are searched in
    /// the index; other tags in one file of each resource (slower)
    #[arg(value_name = "TAG=VALUE")]
    pub constraints: Vec<String>,
    /// Match text without regard to case (Orthanc's CaseSensitive: false)
    #[arg(long, short = 'i')]
    pub ignore_case: bool,
    /// Skip the first N matches (in the order they were stored)
    #[arg(long, default_value_t = 0)]
    pub since: usize,
    /// At most N matches (0: all)
    #[arg(long, default_value_t = 0)]
    pub limit: usize,
}

pub fn run(ctx: &Context, a: FindArgs) -> Result<()> {
    let query = a
        .constraints
        .iter()
        .map(|c| {
            c.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "constraint \"{c}\" is not TAG=VALUE (e.g. PatientName='DOE*')"
                    ))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    let q = FindQuery {
        level: a.level.into(),
        query,
        case_sensitive: !a.ignore_case,
        since: a.since,
        limit: a.limit,
    };
    let items = ctx.backend()?.find(q)?;
    print_views(ctx, a.level, &items)
}
