//! What every `SettingsStore` must do.

use std::path::Path;
use std::sync::Arc;

use crate::persist::settings_store::SettingsStore;

/// Runs every check; `open` opens the store kept in a directory.
pub fn run(open: &dyn Fn(&Path) -> Arc<dyn SettingsStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let s = open(dir.path());
        assert_eq!(s.get("a").expect("get"), None, "unset");
        s.set("a", "1").expect("set");
        s.set("b", "two").expect("set");
        s.set("a", "3").expect("overwrite");
        assert_eq!(s.get("a").expect("get").as_deref(), Some("3"));
        assert_eq!(s.get("b").expect("get").as_deref(), Some("two"));
    }
    let s = open(dir.path());
    assert_eq!(s.get("a").expect("get").as_deref(), Some("3"), "kept");
    assert_eq!(s.get("b").expect("get").as_deref(), Some("two"), "kept");
    assert_eq!(s.get("c").expect("get"), None);
}
