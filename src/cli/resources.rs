//! `ls`, `show` and `rm`: browsing and deleting stored resources.

use clap::{Args, ValueEnum};

use super::Context;
use crate::error::Result;
use crate::output::table;
use crate::store::ids::Level;
use crate::store::views::ResourceView;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LevelArg {
    Patients,
    Studies,
    Series,
    Instances,
}

impl From<LevelArg> for Level {
    fn from(l: LevelArg) -> Level {
        match l {
            LevelArg::Patients => Level::Patient,
            LevelArg::Studies => Level::Study,
            LevelArg::Series => Level::Series,
            LevelArg::Instances => Level::Instance,
        }
    }
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Which level to list
    #[arg(value_enum)]
    pub level: LevelArg,
    /// Only resources under this patient, study or series (ID or unique prefix)
    #[arg(long, value_name = "ID", add = clap_complete::engine::ArgValueCompleter::new(super::complete_ids::resources))]
    pub parent: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Resource ID (or a unique prefix of at least 8 characters)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete_ids::resources))]
    pub id: String,
    /// All tags of an instance, readable (with --json: Orthanc's /tags shape)
    #[arg(long)]
    pub tags: bool,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Resource IDs (or unique prefixes of at least 8 characters)
    #[arg(required = true, add = clap_complete::engine::ArgValueCompleter::new(super::complete_ids::resources))]
    pub ids: Vec<String>,
}

fn tag<'a>(v: &'a ResourceView, key: &str) -> &'a str {
    v.main_tags().get(key).map(String::as_str).unwrap_or("")
}

fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

/// Sort key per level: what a person expects to read first.
fn sort_key(v: &ResourceView) -> (String, i64, String) {
    let num = |k: &str| tag(v, k).trim().parse::<i64>().unwrap_or(i64::MAX);
    match v {
        ResourceView::Patient(_) => (
            format!("{}\u{0}{}", tag(v, "PatientName"), tag(v, "PatientID")),
            0,
            v.id().into(),
        ),
        ResourceView::Study(s) => (
            format!("{}{}", tag(v, "StudyDate"), tag(v, "StudyTime")),
            0,
            format!("{}{}", s.parent_patient, v.id()),
        ),
        ResourceView::Series(s) => (s.parent_study.clone(), num("SeriesNumber"), v.id().into()),
        ResourceView::Instance(i) => (
            i.parent_series.clone(),
            i.index_in_series.map(i64::from).unwrap_or(i64::MAX),
            v.id().into(),
        ),
    }
}

pub fn ls(ctx: &Context, args: LsArgs) -> Result<()> {
    let backend = ctx.backend()?;
    let mut items = backend.list(args.level.into(), args.parent.as_deref())?;
    items.sort_by_key(sort_key);
    print_views(ctx, args.level, &items)
}

/// A level's resources as `ls` prints them: a table, or Orthanc's JSON with `--json`.
pub fn print_views(ctx: &Context, level: LevelArg, items: &[ResourceView]) -> Result<()> {
    if ctx.out.json {
        return ctx.out.json_value(&items);
    }
    let (header, rows): (&[&str], Vec<Vec<String>>) = match level {
        LevelArg::Patients => (
            &[
                "ID",
                "PatientID",
                "PatientName",
                "BirthDate",
                "Sex",
                "Studies",
            ],
            items
                .iter()
                .map(|v| {
                    let n = match v {
                        ResourceView::Patient(p) => p.studies.len(),
                        _ => 0,
                    };
                    vec![
                        short(v.id()),
                        tag(v, "PatientID").into(),
                        tag(v, "PatientName").into(),
                        tag(v, "PatientBirthDate").into(),
                        tag(v, "PatientSex").into(),
                        n.to_string(),
                    ]
                })
                .collect(),
        ),
        LevelArg::Studies => (
            &[
                "ID",
                "PatientName",
                "StudyDate",
                "Accession",
                "StudyDescription",
                "Series",
            ],
            items
                .iter()
                .map(|v| {
                    let (pname, n) = match v {
                        ResourceView::Study(s) => (
                            s.patient_main_dicom_tags
                                .get("PatientName")
                                .cloned()
                                .unwrap_or_default(),
                            s.series.len(),
                        ),
                        _ => (String::new(), 0),
                    };
                    vec![
                        short(v.id()),
                        pname,
                        tag(v, "StudyDate").into(),
                        tag(v, "AccessionNumber").into(),
                        tag(v, "StudyDescription").into(),
                        n.to_string(),
                    ]
                })
                .collect(),
        ),
        LevelArg::Series => (
            &[
                "ID",
                "Study",
                "Number",
                "Modality",
                "SeriesDescription",
                "Instances",
            ],
            items
                .iter()
                .map(|v| {
                    let (study, n) = match v {
                        ResourceView::Series(s) => (short(&s.parent_study), s.instances.len()),
                        _ => (String::new(), 0),
                    };
                    vec![
                        short(v.id()),
                        study,
                        tag(v, "SeriesNumber").into(),
                        tag(v, "Modality").into(),
                        tag(v, "SeriesDescription").into(),
                        n.to_string(),
                    ]
                })
                .collect(),
        ),
        LevelArg::Instances => (
            &["ID", "Series", "Number", "SOPInstanceUID", "Size"],
            items
                .iter()
                .map(|v| {
                    let (series, size) = match v {
                        ResourceView::Instance(i) => (short(&i.parent_series), i.file_size),
                        _ => (String::new(), 0),
                    };
                    vec![
                        short(v.id()),
                        series,
                        tag(v, "InstanceNumber").into(),
                        tag(v, "SOPInstanceUID").into(),
                        size.to_string(),
                    ]
                })
                .collect(),
        ),
    };
    ctx.out.data(&table(header, rows))
}

pub fn show(ctx: &Context, args: ShowArgs) -> Result<()> {
    let backend = ctx.backend()?;
    if args.tags {
        let (json, text) = backend.tags(&args.id)?;
        return if ctx.out.json {
            ctx.out.json_value(&json)
        } else {
            ctx.out.data(&text)
        };
    }
    let view = backend.show(&args.id)?;
    // A resource is small and nested: its JSON is the readable form too.
    ctx.out.json_value(&view)
}

pub fn rm(ctx: &Context, args: RmArgs) -> Result<()> {
    let backend = ctx.backend()?;
    // Resolve every ID first: a typo removes nothing.
    for id in &args.ids {
        backend.show(id)?;
    }
    let mut answers = Vec::new();
    for id in &args.ids {
        let (full, removed) = backend.remove(id)?;
        ctx.out.note(&format!("removed {full}"));
        answers.push(removed);
    }
    if ctx.out.json {
        ctx.out.json_value(&answers)?;
    }
    Ok(())
}
