//! Layout of archives, following Orthanc 1.13 (`ArchiveIndexVisitor`, `MediaIndexVisitor`,
//! `HierarchicalZipWriter::Index`, `Toolbox::NormalizePath`, `SimpleInstanceOrdering`).
//!
//! Everything here is pure: the caller supplies the main DICOM tags of every instance (and of
//! its parents) and gets back the same instances, de-duplicated and in Orthanc's order, each
//! with its path inside the ZIP.
//!
//! Deliberate deviations from Orthanc 1.13, both only in pathological cases:
//! - a folder name that becomes empty *after* sanitising (e.g. only non-ASCII text with
//!   `ascii_only`) is replaced by `Unknown Patient|Study|Series` instead of producing an empty
//!   path component (`PAT//...`);
//! - a de-duplicated name (`X-2`) is registered too, so a later genuine `X-2` in the same folder
//!   becomes `X-2-2` instead of a second, identical ZIP entry.

use std::collections::{BTreeMap, HashMap, HashSet};

/// Main DICOM tags by keyword, e.g. `"PatientID" -> "PAT-A"`.
pub type Tags = BTreeMap<String, String>;

/// One stored instance to put in an archive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArchiveEntrySource {
    /// Orthanc identifier of the patient.
    pub patient_id: String,
    /// Orthanc identifier of the study.
    pub study_id: String,
    /// Orthanc identifier of the series.
    pub series_id: String,
    /// Orthanc identifier of the instance.
    pub instance_id: String,
    /// Patient-level main tags (for `PatientInfoFromStudy`, the patient tags stored on the study).
    pub patient_tags: Tags,
    /// Study-level main tags.
    pub study_tags: Tags,
    /// Series-level main tags.
    pub series_tags: Tags,
    /// Instance-level main tags (`InstanceNumber`, `ImageIndex`).
    pub instance_tags: Tags,
    /// Store order, used to break ties between equal `IndexInSeries`.
    pub insertion_index: u64,
}

/// Where the ZIP tree starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArchiveRoot {
    /// `Patient/Study/Series/file` (every route except `POST /series/{id}/archive`).
    #[default]
    Patient,
    /// `Series/file` (`POST /series/{id}/archive`; Orthanc code reading, untested there).
    Series,
}

/// Naming options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamingOptions {
    /// Drop every non-ASCII byte from names (Orthanc's default, `Utf8: false`).
    pub ascii_only: bool,
    /// Root of the tree.
    pub root: ArchiveRoot,
}

impl Default for NamingOptions {
    fn default() -> Self {
        Self {
            ascii_only: true,
            root: ArchiveRoot::Patient,
        }
    }
}

/// An instance with its path inside the archive (`/`-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedEntry {
    /// Path inside the ZIP, e.g. `PAT - Doe^John/ACC - Brain/1 - MR - T1/MR000001.dcm` or `IMAGES/IM0`.
    pub path: String,
    /// The instance.
    pub source: ArchiveEntrySource,
}

impl PlannedEntry {
    /// The path components, e.g. `["IMAGES", "IM0"]`: the DICOMDIR ReferencedFileID of a media entry.
    pub fn components(&self) -> Vec<&str> {
        self.path.split('/').collect()
    }
}

/// Layout of a ZIP archive (`.../archive`, `create-archive`).
///
/// Instances are de-duplicated by Orthanc id (first occurrence wins), then ordered as Orthanc
/// does: patients, studies and series by Orthanc id; instances by `IndexInSeries`, then by
/// insertion order.
pub fn archive_layout<I>(sources: I, options: &NamingOptions) -> Vec<PlannedEntry>
where
    I: IntoIterator<Item = ArchiveEntrySource>,
{
    let allow_utf8 = !options.ascii_only;
    let mut out = Vec::new();
    let mut root = DirNames::default();
    let mut patient_dir: Option<(String, DirNames)> = None; // (folder path, names inside)
    let mut study_dir: Option<(String, DirNames)> = None;
    let mut current_patient: Option<String> = None;
    let mut current_study: Option<(String, String)> = None;

    for group in ordered_series(sources) {
        let Some(first) = group.members.first() else {
            continue;
        };
        let first = &first.0;
        let series_name = series_folder(&first.series_tags, allow_utf8);
        let series_path = match options.root {
            ArchiveRoot::Series => root.unique(series_name),
            ArchiveRoot::Patient => {
                if current_patient.as_deref() != Some(group.patient_id.as_str()) {
                    let name = root.unique(patient_folder(&first.patient_tags, allow_utf8));
                    patient_dir = Some((name, DirNames::default()));
                    current_patient = Some(group.patient_id.clone());
                    current_study = None;
                }
                let study_key = (group.patient_id.clone(), group.study_id.clone());
                if current_study.as_ref() != Some(&study_key) {
                    let (patient_path, patient_names) = patient_dir.get_or_insert_default();
                    let name = patient_names.unique(study_folder(&first.study_tags, allow_utf8));
                    study_dir = Some((format!("{patient_path}/{name}"), DirNames::default()));
                    current_study = Some(study_key);
                }
                let (study_path, study_names) = study_dir.get_or_insert_default();
                format!("{study_path}/{}", study_names.unique(series_name))
            }
        };
        let modality = tag(&first.series_tags, "Modality").to_string();
        let mut files = DirNames::default();
        for (source, number) in group.members {
            let file = files.unique(normalize_path(
                &instance_file_name(&modality, number),
                allow_utf8,
            ));
            out.push(PlannedEntry {
                path: format!("{series_path}/{file}"),
                source,
            });
        }
    }
    out
}

/// Layout of a media archive: `IMAGES/IM0`, `IMAGES/IM1`, ... in the archive order
/// (one counter over the whole media, no extension). `DICOMDIR` is added last by the caller.
pub fn media_layout<I>(sources: I) -> Vec<PlannedEntry>
where
    I: IntoIterator<Item = ArchiveEntrySource>,
{
    ordered_series(sources)
        .into_iter()
        .flat_map(|g| g.members)
        .enumerate()
        .map(|(i, (source, _))| PlannedEntry {
            path: format!("IMAGES/IM{i}"),
            source,
        })
        .collect()
}

/// `Toolbox::NormalizePath(name, allowUtf8, allowSlashes = false)`.
///
/// Without `allow_utf8`, every non-ASCII character and every control other than `\n` is
/// dropped. Then whitespace, controls, `: * ? " < > |`, `/` and `\` become spaces, runs of
/// spaces collapse to one, and leading/trailing spaces are stripped.
pub fn normalize_path(name: &str, allow_utf8: bool) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if !allow_utf8 && (!c.is_ascii() || c == '\0' || (c.is_ascii_control() && c != '\n')) {
            continue;
        }
        let c = if c.is_ascii_whitespace()
            || c.is_ascii_control()
            || matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|' | '/' | '\\')
        {
            ' '
        } else {
            c
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Patient folder: `PatientID` (always) and `PatientName` (if not empty), joined by `" - "`.
pub fn patient_folder(tags: &Tags, allow_utf8: bool) -> String {
    let mut name = tag(tags, "PatientID").to_string();
    let patient_name = tag(tags, "PatientName");
    if !patient_name.is_empty() {
        name.push_str(" - ");
        name.push_str(patient_name);
    }
    finish_folder(&name, "Unknown Patient", allow_utf8)
}

/// Study folder: `AccessionNumber`, `StudyDescription`.
pub fn study_folder(tags: &Tags, allow_utf8: bool) -> String {
    join_folder(
        tags,
        &["AccessionNumber", "StudyDescription"],
        "Unknown Study",
        allow_utf8,
    )
}

/// Series folder: `SeriesNumber`, `Modality`, `SeriesDescription`.
pub fn series_folder(tags: &Tags, allow_utf8: bool) -> String {
    join_folder(
        tags,
        &["SeriesNumber", "Modality", "SeriesDescription"],
        "Unknown Series",
        allow_utf8,
    )
}

/// File name of an instance: `%08d.dcm` without modality, `X%07d.dcm` for a one-character
/// modality, `XY%06d.dcm` (first two characters, upper-cased) otherwise. Not yet normalized.
pub fn instance_file_name(modality: &str, number: u32) -> String {
    let mut chars = modality.trim().chars().map(|c| c.to_ascii_uppercase());
    match (chars.next(), chars.next()) {
        (None, _) => format!("{number:08}.dcm"),
        (Some(a), None) => format!("{a}{number:07}.dcm"),
        (Some(a), Some(b)) => format!("{a}{b}{number:06}.dcm"),
    }
}

/// `IndexInSeries`: `InstanceNumber`, else `ImageIndex`, parsed as `u32`; 0 if missing or
/// unparsable.
pub fn index_in_series(instance_tags: &Tags) -> u32 {
    let raw = match tag(instance_tags, "InstanceNumber") {
        "" => tag(instance_tags, "ImageIndex"),
        s => s,
    };
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    raw.parse().unwrap_or(0)
}

fn tag<'a>(tags: &'a Tags, key: &str) -> &'a str {
    tags.get(key).map_or("", |v| v.trim())
}

fn join_folder(tags: &Tags, keys: &[&str], unknown: &str, allow_utf8: bool) -> String {
    let parts: Vec<&str> = keys
        .iter()
        .map(|k| tag(tags, k))
        .filter(|v| !v.is_empty())
        .collect();
    finish_folder(&parts.join(" - "), unknown, allow_utf8)
}

fn finish_folder(joined: &str, unknown: &str, allow_utf8: bool) -> String {
    let stripped = joined.trim();
    if stripped.is_empty() || stripped.chars().all(|c| c == '^') {
        return unknown.to_string();
    }
    let normalized = normalize_path(stripped, allow_utf8);
    if normalized.is_empty() {
        unknown.to_string()
    } else {
        normalized
    }
}

/// Names used inside one directory (`HierarchicalZipWriter::Index::EnsureUniqueFilename`).
#[derive(Debug, Default)]
struct DirNames {
    counters: HashMap<String, u32>,
    taken: HashSet<String>,
}

impl DirNames {
    fn unique(&mut self, name: String) -> String {
        if self.taken.insert(name.clone()) {
            self.counters.insert(name.clone(), 1);
            return name;
        }
        let counter = self.counters.entry(name.clone()).or_insert(1);
        loop {
            *counter += 1;
            let candidate = format!("{name}-{counter}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

struct SeriesGroup {
    patient_id: String,
    study_id: String,
    /// Instances in order, with their file number.
    members: Vec<(ArchiveEntrySource, u32)>,
}

/// De-duplicates, sorts and groups the instances by series, in traversal order.
fn ordered_series<I>(sources: I) -> Vec<SeriesGroup>
where
    I: IntoIterator<Item = ArchiveEntrySource>,
{
    let mut seen = HashSet::new();
    let mut tree: BTreeMap<(String, String, String), Vec<ArchiveEntrySource>> = BTreeMap::new();
    for s in sources {
        if !seen.insert(s.instance_id.clone()) {
            continue;
        }
        tree.entry((
            s.patient_id.clone(),
            s.study_id.clone(),
            s.series_id.clone(),
        ))
        .or_default()
        .push(s);
    }
    tree.into_iter()
        .map(|((patient_id, study_id, _), instances)| {
            let mut keyed: Vec<(u32, ArchiveEntrySource)> = instances
                .into_iter()
                .map(|s| (index_in_series(&s.instance_tags), s))
                .collect();
            keyed.sort_by(|a, b| {
                (a.0, a.1.insertion_index, &a.1.instance_id).cmp(&(
                    b.0,
                    b.1.insertion_index,
                    &b.1.instance_id,
                ))
            });
            let duplicates = keyed.windows(2).any(|w| w[0].0 == w[1].0);
            let members = keyed
                .into_iter()
                .enumerate()
                .map(|(pos, (index, s))| {
                    let number = if duplicates {
                        u32::try_from(pos).unwrap_or(u32::MAX)
                    } else {
                        index
                    };
                    (s, number)
                })
                .collect();
            SeriesGroup {
                patient_id,
                study_id,
                members,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn src(
        ids: (&str, &str, &str, &str),
        patient: &[(&str, &str)],
        study: &[(&str, &str)],
        series: &[(&str, &str)],
        instance: &[(&str, &str)],
        insertion_index: u64,
    ) -> ArchiveEntrySource {
        ArchiveEntrySource {
            patient_id: ids.0.into(),
            study_id: ids.1.into(),
            series_id: ids.2.into(),
            instance_id: ids.3.into(),
            patient_tags: tags(patient),
            study_tags: tags(study),
            series_tags: tags(series),
            instance_tags: tags(instance),
            insertion_index,
        }
    }

    fn paths(entries: &[PlannedEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.path.as_str()).collect()
    }

    fn utf8() -> NamingOptions {
        NamingOptions {
            ascii_only: false,
            ..Default::default()
        }
    }

    #[test]
    fn orthanc_test_knee_example() {
        let s = src(
            ("p", "s", "se", "i"),
            &[("PatientID", "887"), ("PatientName", "KNEE")],
            &[
                ("AccessionNumber", "A10003245599"),
                ("StudyDescription", "IRM DU GENOU"),
            ],
            &[
                ("SeriesNumber", "301"),
                ("Modality", "MR"),
                ("SeriesDescription", "T1W_aTSE"),
            ],
            &[("InstanceNumber", "1")],
            0,
        );
        let out = archive_layout(vec![s], &NamingOptions::default());
        assert_eq!(
            paths(&out),
            ["887 - KNEE/A10003245599 - IRM DU GENOU/301 - MR - T1W_aTSE/MR000001.dcm"]
        );
    }

    #[test]
    fn orthanc_test_collision_example_unknown_series_and_caret_kept() {
        let s = src(
            ("p", "s", "se", "i"),
            &[("PatientID", "COMMON"), ("PatientName", "HELLO")],
            &[("StudyDescription", "HELLO^SERIES")],
            &[],
            &[],
            0,
        );
        let out = archive_layout(vec![s], &NamingOptions::default());
        assert_eq!(
            paths(&out),
            ["COMMON - HELLO/HELLO^SERIES/Unknown Series/00000000.dcm"]
        );
    }

    fn brainix() -> ArchiveEntrySource {
        src(
            ("p", "s", "se", "i"),
            &[("PatientID", "5Yp0E"), ("PatientName", "BRAINIX")],
            &[
                ("AccessionNumber", "0"),
                ("StudyDescription", "IRM cérébrale, neuro-crâne"),
            ],
            &[
                ("SeriesNumber", "401"),
                ("Modality", "MR"),
                ("SeriesDescription", "sT2W/FLAIR"),
            ],
            &[("InstanceNumber", "1")],
            0,
        )
    }

    #[test]
    fn non_ascii_dropped_by_default_kept_with_utf8() {
        let out = archive_layout(vec![brainix()], &NamingOptions::default());
        assert_eq!(
            paths(&out),
            ["5Yp0E - BRAINIX/0 - IRM crbrale, neuro-crne/401 - MR - sT2W FLAIR/MR000001.dcm"]
        );
        let out = archive_layout(vec![brainix()], &utf8());
        assert_eq!(
            paths(&out),
            ["5Yp0E - BRAINIX/0 - IRM cérébrale, neuro-crâne/401 - MR - sT2W FLAIR/MR000001.dcm"]
        );
    }

    #[test]
    fn cjk_names() {
        let s = src(
            ("p", "s", "se", "i"),
            &[("PatientID", "PATD"), ("PatientName", "山田^太郎")],
            &[("StudyDescription", "頭部 CT")],
            &[("Modality", "CT"), ("SeriesDescription", "CT シリーズ")],
            &[("InstanceNumber", "7")],
            0,
        );
        let out = archive_layout(vec![s.clone()], &NamingOptions::default());
        // "山田^太郎" -> "^": not only-carets before normalisation, so kept.
        assert_eq!(paths(&out), ["PATD - ^/CT/CT - CT/CT000007.dcm"]);
        let out = archive_layout(vec![s], &utf8());
        assert_eq!(
            paths(&out),
            ["PATD - 山田^太郎/頭部 CT/CT - CT シリーズ/CT000007.dcm"]
        );
    }

    #[test]
    fn only_non_ascii_becomes_unknown_instead_of_empty() {
        let s = src(
            ("p", "s", "se", "i"),
            &[("PatientID", "")],
            &[("StudyDescription", "頭部")],
            &[("SeriesDescription", "シリーズ")],
            &[],
            0,
        );
        let out = archive_layout(vec![s], &NamingOptions::default());
        assert_eq!(
            paths(&out),
            ["Unknown Patient/Unknown Study/Unknown Series/00000000.dcm"]
        );
    }

    #[test]
    fn slashes_punctuation_and_whitespace() {
        let s = src(
            ("p", "s", "se", "i"),
            &[("PatientID", "PATB01"), ("PatientName", "Smith-Jones^Anna")],
            &[
                ("AccessionNumber", "ACC/B"),
                ("StudyDescription", "Head\\Neck: CT*test?"),
            ],
            &[
                ("SeriesNumber", "2"),
                ("Modality", "CT"),
                ("SeriesDescription", "Axial  <5mm>\t\"soft\" | a\r\nb"),
            ],
            &[("InstanceNumber", "12")],
            0,
        );
        let out = archive_layout(vec![s], &NamingOptions::default());
        assert_eq!(
            paths(&out),
            [
                "PATB01 - Smith-Jones^Anna/ACC B - Head Neck CT test/2 - CT - Axial 5mm soft a b/CT000012.dcm"
            ]
        );
    }

    #[test]
    fn empty_patient_id_and_caret_names() {
        let a = src(
            ("p1", "s", "se", "i1"),
            &[("PatientID", ""), ("PatientName", "Doe^John")],
            &[],
            &[("Modality", "OT")],
            &[],
            0,
        );
        let b = src(
            ("p2", "s2", "se2", "i2"),
            &[("PatientID", ""), ("PatientName", "")],
            &[("StudyDescription", "^^")],
            &[("Modality", "OT")],
            &[],
            1,
        );
        let out = archive_layout(vec![a, b], &NamingOptions::default());
        assert_eq!(
            paths(&out),
            [
                "- Doe^John/Unknown Study/OT/OT000000.dcm",
                "Unknown Patient/Unknown Study/OT/OT000000.dcm"
            ]
        );
    }

    #[test]
    fn file_names_by_modality_length() {
        assert_eq!(instance_file_name("", 5), "00000005.dcm");
        assert_eq!(instance_file_name("x", 5), "X0000005.dcm");
        assert_eq!(instance_file_name("mr", 5), "MR000005.dcm");
        assert_eq!(instance_file_name("DOC", 1), "DO000001.dcm");
        assert_eq!(instance_file_name("CT", 12_345_678), "CT12345678.dcm");
    }

    #[test]
    fn index_in_series_parsing() {
        assert_eq!(index_in_series(&tags(&[("InstanceNumber", " 12 ")])), 12);
        assert_eq!(index_in_series(&tags(&[("ImageIndex", "4")])), 4);
        assert_eq!(
            index_in_series(&tags(&[("InstanceNumber", "3"), ("ImageIndex", "4")])),
            3
        );
        assert_eq!(index_in_series(&tags(&[("InstanceNumber", "-1")])), 0);
        assert_eq!(index_in_series(&tags(&[("InstanceNumber", "1.5")])), 0);
        assert_eq!(
            index_in_series(&tags(&[("InstanceNumber", "99999999999")])),
            0
        );
        assert_eq!(index_in_series(&Tags::new()), 0);
    }

    fn h_patient() -> Vec<ArchiveEntrySource> {
        // Mirrors golden sample H (upload order u1..u6), with 1.13 naming.
        let pat = [("PatientID", "PATH"), ("PatientName", "Dup^Names^Test")];
        let study = [
            ("AccessionNumber", "SAME"),
            ("StudyDescription", "Same desc"),
        ];
        vec![
            src(
                ("90875136", "af93b725", "41a4fcfd", "7f3b571e"),
                &pat,
                &study,
                &[],
                &[("InstanceNumber", "3")],
                1,
            ),
            src(
                ("90875136", "af93b725", "41a4fcfd", "6886d447"),
                &pat,
                &study,
                &[],
                &[("InstanceNumber", "1")],
                2,
            ),
            src(
                ("90875136", "af93b725", "41a4fcfd", "e46c3b65"),
                &pat,
                &study,
                &[],
                &[("InstanceNumber", "2")],
                3,
            ),
            src(
                ("90875136", "af93b725", "dfe29e3d", "08dbe8eb"),
                &pat,
                &study,
                &[("Modality", "X"), ("SeriesDescription", "v1.0_final copy")],
                &[("InstanceNumber", "1")],
                4,
            ),
            src(
                ("90875136", "34537455", "655a9a31", "bf57b192"),
                &pat,
                &study,
                &[("Modality", "CT"), ("SeriesDescription", "dup")],
                &[("InstanceNumber", "1")],
                5,
            ),
            src(
                ("90875136", "34537455", "98485ea5", "ff0cf5d2"),
                &pat,
                &study,
                &[("Modality", "CT"), ("SeriesDescription", "dup")],
                &[("InstanceNumber", "1")],
                6,
            ),
        ]
    }

    #[test]
    fn duplicate_folder_names_and_ordering_by_orthanc_id() {
        let out = archive_layout(h_patient(), &NamingOptions::default());
        assert_eq!(
            paths(&out),
            [
                "PATH - Dup^Names^Test/SAME - Same desc/CT - dup/CT000001.dcm",
                "PATH - Dup^Names^Test/SAME - Same desc/CT - dup-2/CT000001.dcm",
                "PATH - Dup^Names^Test/SAME - Same desc-2/Unknown Series/00000001.dcm",
                "PATH - Dup^Names^Test/SAME - Same desc-2/Unknown Series/00000002.dcm",
                "PATH - Dup^Names^Test/SAME - Same desc-2/Unknown Series/00000003.dcm",
                "PATH - Dup^Names^Test/SAME - Same desc-2/X - v1.0_final copy/X0000001.dcm",
            ]
        );
        let ids: Vec<&str> = out.iter().map(|e| e.source.instance_id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "bf57b192", "ff0cf5d2", "6886d447", "e46c3b65", "7f3b571e", "08dbe8eb"
            ]
        );
    }

    #[test]
    fn media_layout_uses_the_same_order() {
        let out = media_layout(h_patient());
        assert_eq!(
            paths(&out),
            [
                "IMAGES/IM0",
                "IMAGES/IM1",
                "IMAGES/IM2",
                "IMAGES/IM3",
                "IMAGES/IM4",
                "IMAGES/IM5"
            ]
        );
        assert_eq!(out[2].source.instance_id, "6886d447");
        assert_eq!(out[0].components(), ["IMAGES", "IM0"]);
    }

    #[test]
    fn duplicate_indexes_renumber_in_sorted_order() {
        let mk = |id: &str, n: Option<&str>, ins: u64| {
            let inst: Vec<(&str, &str)> = n.map(|n| ("InstanceNumber", n)).into_iter().collect();
            src(
                ("p", "s", "se", id),
                &[("PatientID", "P")],
                &[],
                &[("Modality", "CT")],
                &inst,
                ins,
            )
        };
        // 5, 2, 2, missing(0): duplicates -> 0..3 in (index, insertion) order.
        let out = archive_layout(
            vec![
                mk("a", Some("5"), 0),
                mk("b", Some("2"), 2),
                mk("c", Some("2"), 1),
                mk("d", None, 3),
            ],
            &NamingOptions::default(),
        );
        let got: Vec<(&str, &str)> = out
            .iter()
            .map(|e| (e.source.instance_id.as_str(), e.path.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("d", "P/Unknown Study/CT/CT000000.dcm"),
                ("c", "P/Unknown Study/CT/CT000001.dcm"),
                ("b", "P/Unknown Study/CT/CT000002.dcm"),
                ("a", "P/Unknown Study/CT/CT000003.dcm"),
            ]
        );
        // Two instances without any number: 0 and 1.
        let out = archive_layout(
            vec![mk("x", None, 0), mk("y", None, 1)],
            &NamingOptions::default(),
        );
        assert_eq!(
            paths(&out),
            [
                "P/Unknown Study/CT/CT000000.dcm",
                "P/Unknown Study/CT/CT000001.dcm"
            ]
        );
    }

    #[test]
    fn duplicate_instances_are_merged() {
        let mut v = h_patient();
        v.extend(h_patient());
        assert_eq!(
            archive_layout(v.clone(), &NamingOptions::default()).len(),
            6
        );
        assert_eq!(media_layout(v).len(), 6);
    }

    #[test]
    fn same_folder_name_for_two_patients_and_suffix_not_reused() {
        let mk = |pid: &str, name: &str, desc: &str, i: &str| {
            src(
                (pid, &format!("st{i}"), &format!("se{i}"), i),
                &[("PatientID", name)],
                &[("StudyDescription", desc)],
                &[("Modality", "MR")],
                &[("InstanceNumber", "1")],
                0,
            )
        };
        let out = archive_layout(
            vec![
                mk("p1", "X", "", "1"),
                mk("p2", "X", "", "2"),
                mk("p3", "X-2", "", "3"),
                mk("p4", "X", "", "4"),
            ],
            &NamingOptions::default(),
        );
        assert_eq!(
            paths(&out),
            [
                "X/Unknown Study/MR/MR000001.dcm",
                "X-2/Unknown Study/MR/MR000001.dcm",
                "X-2-2/Unknown Study/MR/MR000001.dcm",
                "X-3/Unknown Study/MR/MR000001.dcm",
            ]
        );
    }

    #[test]
    fn series_root() {
        let out = archive_layout(
            vec![brainix()],
            &NamingOptions {
                ascii_only: true,
                root: ArchiveRoot::Series,
            },
        );
        assert_eq!(paths(&out), ["401 - MR - sT2W FLAIR/MR000001.dcm"]);
    }

    #[test]
    fn normalize_path_rules() {
        assert_eq!(normalize_path("  a  b  ", true), "a b");
        assert_eq!(normalize_path("a:*?\"<>|/\\b", true), "a b");
        assert_eq!(normalize_path("a\u{1}b\u{7f}c", true), "a b c");
        assert_eq!(normalize_path("a\u{1}b", false), "ab");
        assert_eq!(normalize_path("a\nb", false), "a b");
        assert_eq!(
            normalize_path("Müller^Jürgen, Dr.", false),
            "Mller^Jrgen, Dr."
        );
        assert_eq!(
            normalize_path("Müller^Jürgen, Dr.", true),
            "Müller^Jürgen, Dr."
        );
        assert_eq!(normalize_path("", true), "");
    }

    #[test]
    fn empty_input_gives_empty_layout() {
        assert!(archive_layout(Vec::new(), &NamingOptions::default()).is_empty());
    }
}
