//! Orthanc's `/tools/find` over the index: constraints on the main DICOM tags of the level
//! searched and of the levels above it, with Orthanc's matching rules (`*` and `?` wildcards,
//! `A\B` lists, `A-B` date and time ranges, exact values otherwise). A constraint on another
//! tag is checked, as Orthanc does, in the file of one instance of each resource that meets
//! the main-tag constraints (so it costs one file read per such resource).

use std::collections::HashMap;
use std::sync::Arc;

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;
use serde::{Deserialize, Serialize};

use super::Store;
use super::find_cache::Row;
use super::header::{MainTags, main_tags_of};
use super::ids::Level;
use crate::error::{Error, Result};

/// What `find` matches (Orthanc's body, checked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindQuery {
    pub level: Level,
    /// Tag (keyword or `gggg,eeee`) → constraint, as given.
    pub query: Vec<(String, String)>,
    pub case_sensitive: bool,
    /// Results skipped, in insertion order.
    pub since: usize,
    /// At most this many results; 0: no limit.
    pub limit: usize,
}

/// One constraint, compiled.
#[derive(Debug, Clone, PartialEq)]
struct Constraint {
    source: Source,
    matcher: Matcher,
}

/// Where a constrained value is read.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    /// The main tags of this level.
    Main { keyword: String, level: Level },
    /// The file of one instance of the resource (a tag that is not a main tag).
    File(Tag),
}

#[derive(Debug, Clone, PartialEq)]
enum Matcher {
    Exact(String),
    /// The pattern, and its literal start (a cheap first test).
    Wildcard(Vec<char>, String),
    Any(Vec<Matcher>),
    /// Inclusive; a missing end is open.
    Range(Option<String>, Option<String>),
}

/// The tag `name` names: a keyword or `gggg,eeee`.
fn tag_named(name: &str) -> Result<Tag> {
    match parse_hex_tag(name) {
        Some(t) => Ok(t),
        None => StandardDataDictionary
            .by_name(name)
            .map(|e| e.tag())
            .ok_or_else(|| Error::Invalid(format!("unknown DICOM tag \"{name}\""))),
    }
}

/// The main tag's keyword and the level that keeps it; `None` for a tag that is not a main tag.
fn main_tag_of(tag: Tag) -> Option<(&'static str, Level)> {
    Level::ALL.into_iter().find_map(|level| {
        main_tags_of(level)
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, keyword)| (*keyword, level))
    })
}

/// The main tag `name` names (a keyword or `gggg,eeee`), and the level that keeps it.
pub fn main_tag(name: &str) -> Result<(Tag, &'static str, Level)> {
    let tag = tag_named(name)?;
    if let Some((keyword, level)) = main_tag_of(tag) {
        return Ok((tag, keyword, level));
    }
    Err(Error::Invalid(format!(
        "tag \"{name}\" is not a main DICOM tag: dicomq searches the main tags of each level \
         (see `dicomq show ID` for them)"
    )))
}

fn parse_hex_tag(s: &str) -> Option<Tag> {
    let (g, e) = s.split_once([',', '-'])?;
    if g.len() != 4 || e.len() != 4 {
        return None;
    }
    Some(Tag(
        u16::from_str_radix(g, 16).ok()?,
        u16::from_str_radix(e, 16).ok()?,
    ))
}

fn is_range_vr(tag: Tag) -> bool {
    StandardDataDictionary
        .by_tag(tag)
        .is_some_and(|e| matches!(e.vr().relaxed(), VR::DA | VR::DT | VR::TM))
}

fn fold(s: &str, case_sensitive: bool) -> String {
    if case_sensitive {
        s.to_string()
    } else {
        s.to_uppercase()
    }
}

fn compile_one(value: &str, range: bool, case_sensitive: bool) -> Result<Matcher> {
    if range && let Some((from, to)) = value.split_once('-') {
        if to.contains('-') {
            return Err(Error::Invalid(format!("malformed range \"{value}\"")));
        }
        let end = |s: &str| -> Result<Option<String>> {
            if s.is_empty() {
                return Ok(None);
            }
            if !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                return Err(Error::Invalid(format!("malformed range \"{value}\"")));
            }
            Ok(Some(s.to_string()))
        };
        let (from, to) = (end(from)?, end(to)?);
        if from.is_none() && to.is_none() {
            return Err(Error::Invalid(format!("malformed range \"{value}\"")));
        }
        return Ok(Matcher::Range(from, to));
    }
    let v = fold(value, case_sensitive);
    Ok(if v.contains(['*', '?']) {
        let literal = v.chars().take_while(|c| !matches!(c, '*' | '?')).collect();
        Matcher::Wildcard(v.chars().collect(), literal)
    } else {
        Matcher::Exact(v)
    })
}

/// One constraint on one value, as a search applies it (for the fuzzer and tests): whether
/// `value` meets `constraint` on the main tag `name`.
pub fn matches_one(
    name: &str,
    constraint: &str,
    value: &str,
    case_sensitive: bool,
) -> Result<bool> {
    let (_, _, level) = main_tag(name)?;
    let q = FindQuery {
        level: Level::Instance.max(level),
        query: vec![(name.to_string(), constraint.to_string())],
        case_sensitive,
        since: 0,
        limit: 0,
    };
    Ok(compile(&q)?
        .iter()
        .all(|c| c.matcher.matches(value, case_sensitive)))
}

fn compile(q: &FindQuery) -> Result<Vec<Constraint>> {
    let mut out = Vec::new();
    for (name, value) in &q.query {
        let tag = tag_named(name)?;
        let source = match main_tag_of(tag) {
            Some((keyword, level)) => Source::Main {
                keyword: keyword.to_string(),
                level,
            },
            None => Source::File(tag),
        };
        if let Source::Main { level, .. } = source
            && level > q.level
        {
            return Err(Error::Invalid(format!(
                "tag \"{name}\" belongs to the {} level, below the {} level searched",
                level.name().to_lowercase(),
                q.level.name().to_lowercase()
            )));
        }
        // Orthanc: an empty constraint matches everything.
        if value.is_empty() {
            continue;
        }
        let range = is_range_vr(tag);
        let matcher = if value.contains('\\') {
            Matcher::Any(
                value
                    .split('\\')
                    .map(|v| compile_one(v, range, q.case_sensitive))
                    .collect::<Result<_>>()?,
            )
        } else {
            compile_one(value, range, q.case_sensitive)?
        };
        out.push(Constraint { source, matcher });
    }
    Ok(out)
}

/// `*` any run, `?` one character; iterative with one backtrack point (linear enough for
/// the short values of main tags, never recursive).
fn glob(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

impl Matcher {
    fn matches(&self, value: &str, case_sensitive: bool) -> bool {
        match self {
            Matcher::Exact(v) if case_sensitive => value == v,
            Matcher::Exact(v) => fold(value, false) == *v,
            Matcher::Wildcard(p, literal) => {
                if case_sensitive && !value.starts_with(literal.as_str()) {
                    return false;
                }
                let folded = fold(value, case_sensitive);
                if !folded.starts_with(literal.as_str()) {
                    return false;
                }
                let text: Vec<char> = folded.chars().collect();
                glob(p, &text)
            }
            Matcher::Any(list) => list.iter().any(|m| m.matches(value, case_sensitive)),
            Matcher::Range(from, to) => {
                !value.is_empty()
                    && from.as_deref().is_none_or(|f| value >= f)
                    && to.as_deref().is_none_or(|t| {
                        // A date `to` covers its whole day: compare on its length.
                        value.get(..t.len()).unwrap_or(value) <= t
                    })
            }
        }
    }
}

impl Store {
    /// The value of a main tag (any level at or above `level`) for `id`; `None` when the tag
    /// is not a main tag there or has no value (Orthanc's `RequestedTags`).
    pub fn requested_tag(&self, level: Level, id: &str, name: &str) -> Result<Option<String>> {
        let Ok((_, keyword, tag_level)) = main_tag(name) else {
            return Ok(None);
        };
        if tag_level > level {
            return Ok(None);
        }
        let holder = self.ancestor(level, id, tag_level)?;
        Ok(self
            .record(tag_level, &holder)?
            .main_tags
            .get(keyword)
            .cloned())
    }

    /// Orthanc's `/tools/lookup`: the resources whose identifier (PatientID, StudyInstanceUID,
    /// SeriesInstanceUID, SOPInstanceUID) is `value`, compared as Orthanc normalises
    /// identifiers (spaces trimmed, case ignored). Patients to instances; the instances are
    /// read from the index (not kept in memory), so that part grows with the store.
    pub fn lookup(&self, value: &str) -> Result<Vec<(Level, String)>> {
        let wanted = value.trim().to_uppercase();
        let same = |v: Option<&String>| v.is_some_and(|v| v.trim().to_uppercase() == wanted);
        let mut out = Vec::new();
        for (level, keyword) in [
            (Level::Patient, "PatientID"),
            (Level::Study, "StudyInstanceUID"),
            (Level::Series, "SeriesInstanceUID"),
        ] {
            for row in self.find_cache.rows(self.index(), level)? {
                if same(row.tags.get(keyword)) {
                    out.push((level, row.id.clone()));
                }
            }
        }
        for (id, rec) in self.index().list(Level::Instance)? {
            if same(rec.main_tags.get("SOPInstanceUID")) {
                out.push((Level::Instance, id));
            }
        }
        Ok(out)
    }

    /// The IDs at `q.level` whose main tags (and their ancestors') meet every constraint, in
    /// insertion order, after `since`, at most `limit` (0: all).
    pub fn find(&self, q: &FindQuery) -> Result<Vec<String>> {
        let (constraints, in_files): (Vec<Constraint>, Vec<Constraint>) = compile(q)?
            .into_iter()
            .partition(|c| matches!(c.source, Source::Main { .. }));
        let rows: Vec<Arc<Row>> = if q.level == Level::Instance {
            let mut rows = self.index().list(q.level)?;
            rows.sort_by_key(|(_, r)| r.seq);
            rows.into_iter()
                .map(|(id, rec)| {
                    Arc::new(Row {
                        id,
                        tags: rec.main_tags,
                        patient_tags: rec.patient_tags,
                    })
                })
                .collect()
        } else {
            self.find_cache.rows(self.index(), q.level)?
        };
        // Ancestor records, read once each.
        let mut ancestors: HashMap<(Level, String), MainTags> = HashMap::new();
        let mut out = Vec::new();
        let mut skipped = 0;
        for row in rows {
            if !self.meets(q, &constraints, &row, &mut ancestors)?
                || !self.meets_in_file(q, &in_files, &row.id)?
            {
                continue;
            }
            let id = row.id.clone();
            if skipped < q.since {
                skipped += 1;
                continue;
            }
            out.push(id);
            if q.limit != 0 && out.len() >= q.limit {
                break;
            }
        }
        Ok(out)
    }

    fn meets(
        &self,
        q: &FindQuery,
        constraints: &[Constraint],
        row: &Row,
        ancestors: &mut HashMap<(Level, String), MainTags>,
    ) -> Result<bool> {
        for c in constraints {
            let Source::Main { keyword, level } = &c.source else {
                continue;
            };
            let own = if *level == q.level {
                Some(&row.tags)
            } else if *level == Level::Patient && q.level == Level::Study {
                // A study keeps its patient's tags.
                Some(&row.patient_tags)
            } else {
                None
            };
            let value = match own {
                Some(tags) => tags.get(keyword).map_or("", String::as_str),
                None => {
                    let key = (*level, self.ancestor(q.level, &row.id, *level)?);
                    if !ancestors.contains_key(&key) {
                        let tags = self.record(key.0, &key.1)?.main_tags;
                        ancestors.insert(key.clone(), tags);
                    }
                    ancestors
                        .get(&key)
                        .and_then(|t| t.get(keyword))
                        .map_or("", String::as_str)
                }
            };
            if !c.matcher.matches(value, q.case_sensitive) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The constraints on tags that are not main tags, checked in the file of one instance of
    /// the resource (its first), read up to Pixel Data. An absent tag has the empty value.
    fn meets_in_file(&self, q: &FindQuery, constraints: &[Constraint], id: &str) -> Result<bool> {
        if constraints.is_empty() {
            return Ok(true);
        }
        let instance = self.first_instance_under(q.level, id)?;
        let (label, reader) = self.open_instance(&instance)?;
        let obj = super::header::open_header(reader)
            .map_err(|e| Error::Invalid(format!("{}: {e}", label.0)))?;
        Ok(constraints.iter().all(|c| {
            let Source::File(tag) = c.source else {
                return true;
            };
            let value = super::header::string_of(&obj, tag).unwrap_or_default();
            c.matcher.matches(&value, q.case_sensitive)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(value: &str, range: bool, cs: bool) -> Matcher {
        compile_one(value, range, cs).expect("compiles")
    }

    #[test]
    fn wildcards_lists_ranges_and_case() {
        assert!(m("DOE*", false, true).matches("DOE^JOHN", true));
        assert!(!m("DOE*", false, true).matches("doe^john", true));
        assert!(m("DOE*", false, false).matches("doe^john", false));
        assert!(m("D?E*N", false, true).matches("DOE^JOHN", true));
        assert!(!m("D?E", false, true).matches("DOE^", true));
        assert!(m("*", false, true).matches("", true));
        assert!(m("*JÜR*", false, false).matches("Müller^Jürgen", false));
        assert!(m("ABC", false, true).matches("ABC", true));
        assert!(!m("ABC", false, true).matches("ABCD", true));
        let r = m("20240101-20241231", true, true);
        assert!(r.matches("20240615", true) && r.matches("20240101", true));
        assert!(!r.matches("20250101", true) && !r.matches("", true));
        assert!(m("-20240101", true, true).matches("19991231", true));
        assert!(m("20240101-", true, true).matches("20300101", true));
        assert!(m("101500-", true, true).matches("101500.25", true));
        for bad in ["-", "2024-01-01", "abc-def"] {
            assert!(compile_one(bad, true, true).is_err(), "{bad}");
        }
        // A dash in a name is not a range.
        assert!(m("A-B", false, true).matches("A-B", true));
        let pathological: Vec<char> = "*a*a*a*a*a*a*a*b".chars().collect();
        let text: Vec<char> = "a".repeat(2000).chars().collect();
        assert!(!glob(&pathological, &text));
    }

    #[test]
    fn tags_by_keyword_or_number_and_their_level() {
        assert_eq!(main_tag("PatientName").expect("known").2, Level::Patient);
        assert_eq!(main_tag("0008,0020").expect("known").1, "StudyDate");
        assert_eq!(main_tag("0008-0060").expect("known").2, Level::Series);
        assert!(main_tag("NoSuchTag").is_err());
        assert!(main_tag("PixelData").is_err(), "not a main tag");
        let below = FindQuery {
            level: Level::Study,
            query: vec![("Modality".into(), "MR".into())],
            case_sensitive: true,
            since: 0,
            limit: 0,
        };
        assert!(compile(&below).is_err(), "a series tag in a study search");
    }

    /// The in-memory view follows what the index does after it was loaded: stores, removals
    /// (through the changes log), and a cleared log (a reload). Every answer equals a scan.
    #[test]
    fn the_cache_follows_stores_removals_and_a_cleared_log() {
        use crate::metrics::Metrics;
        use crate::store::import::{ImportItem, ImportSource};
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Arc::new(redb::Database::create(dir.path().join("index.redb")).expect("db"));
        let store = Store::open(db, dir.path().join("storage"), Arc::new(Metrics::default()))
            .expect("open");
        let import = |seeds: std::ops::Range<u64>| {
            let items = seeds
                .map(|i| {
                    ImportItem::new(
                        format!("s{i}"),
                        ImportSource::Bytes(crate::testdata::small_instance(i, 1000)),
                    )
                })
                .collect();
            store.import(items, &mut |_| {}).expect("import");
        };
        let q = |level: Level, name: &str| FindQuery {
            level,
            query: vec![("PatientName".into(), name.into())],
            case_sensitive: true,
            since: 0,
            limit: 0,
        };
        // The same search by scanning records (what the cache must agree with).
        let scan = |level: Level, pattern: &str| -> Vec<String> {
            let m = compile_one(pattern, false, true).expect("compiles");
            let mut rows = store.index().list(level).expect("list");
            rows.sort_by_key(|(_, r)| r.seq);
            rows.into_iter()
                .filter(|(id, r)| {
                    let name = match level {
                        Level::Patient => r.main_tags.get("PatientName").cloned(),
                        _ => {
                            let p = store.ancestor(level, id, Level::Patient).expect("patient");
                            store
                                .record(Level::Patient, &p)
                                .expect("rec")
                                .main_tags
                                .get("PatientName")
                                .cloned()
                        }
                    };
                    m.matches(&name.unwrap_or_default(), true)
                })
                .map(|(id, _)| id)
                .collect()
        };
        let check = |what: &str| {
            for level in [Level::Patient, Level::Study, Level::Series] {
                for pattern in ["Bulk^Patient1", "Bulk*", "*2"] {
                    assert_eq!(
                        store.find(&q(level, pattern)).expect("find"),
                        scan(level, pattern),
                        "{what}: {level:?} {pattern}"
                    );
                }
            }
        };
        import(0..2);
        check("loaded");
        import(2..12);
        check("after stores");
        let victim = store.find(&q(Level::Study, "Bulk^Patient1")).expect("find")[0].clone();
        store.remove(Level::Study, &victim).expect("remove");
        check("after a removal");
        assert!(
            !store
                .find(&q(Level::Study, "Bulk*"))
                .expect("find")
                .contains(&victim)
        );
        // Changes the cache has not seen, then gone from the log: it must load again.
        import(12..16);
        store.index().clear_changes().expect("clear");
        import(16..20);
        check("after a cleared log");
    }
}
