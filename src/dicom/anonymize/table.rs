//! The shape of a generated profile table (`profile_*.rs`) and the lookup of a tag in it.

use dicom_core::Tag;

/// An action of the Basic Profile column of PS3.15 Table E.1-1 (its E.1.1 legend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// X: remove the attribute.
    Remove,
    /// Z: replace with a zero-length value (or a dummy value consistent with the VR).
    Zero,
    /// D: replace with a non-zero-length dummy value consistent with the VR.
    Dummy,
    /// U: replace with a non-zero-length UID, consistent within the set of instances.
    ReplaceUid,
    /// X/Z: X unless Z is needed to keep the IOD valid (Type 3 versus Type 2).
    RemoveOrZero,
    /// X/D: X unless D is needed to keep the IOD valid (Type 3 versus Type 1).
    RemoveOrDummy,
    /// Z/D: Z unless D is needed to keep the IOD valid (Type 2 versus Type 1).
    ZeroOrDummy,
    /// X/Z/D: X unless Z or D is needed to keep the IOD valid (Type 3, 2, 1).
    RemoveOrZeroOrDummy,
    /// X/Z/U*: X unless Z, or the replacement of the UIDs the sequence holds, is needed to
    /// keep the IOD valid (Type 3, 2, 1 sequences of UID references).
    RemoveOrZeroOrReplaceUids,
}

/// One attribute of the table: the tag as `(group << 16) | element`, and its action.
#[derive(Debug, Clone, Copy)]
pub struct Row(pub u32, pub Action);

/// A group of attributes such as (50xx,xxxx): a tag matches when `tag & mask == value`.
#[derive(Debug, Clone, Copy)]
pub struct PatternRow {
    pub value: u32,
    pub mask: u32,
    pub action: Action,
}

/// One edition's table.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// The edition of PS3.15 the rows come from, e.g. `2024b`.
    pub edition: &'static str,
    /// Sorted by tag (the generator sorts them; `tests.rs` checks it).
    pub rows: &'static [Row],
    pub patterns: &'static [PatternRow],
}

impl Table {
    /// The action for `tag`, an attribute of its own before a group pattern; `None` when the
    /// table does not list it (private attributes included: the caller handles them).
    pub fn action(&self, tag: Tag) -> Option<Action> {
        let key = (u32::from(tag.group()) << 16) | u32::from(tag.element());
        if let Ok(i) = self.rows.binary_search_by_key(&key, |r| r.0) {
            return Some(self.rows[i].1);
        }
        self.patterns
            .iter()
            .find(|p| key & p.mask == p.value)
            .map(|p| p.action)
    }
}
