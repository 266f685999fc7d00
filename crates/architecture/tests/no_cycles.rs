//! The workspace's crates have no import cycles between sibling modules.

use sala_architecture::{read_crate, sibling_cycles};
use std::path::PathBuf;

fn root(krate: &str, file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(krate).join("src").join(file)
}

// The server joins once its knot around `state` and `pages` is untied.
const CRATES: [(&str, &str); 4] =
    [("domain", "lib.rs"), ("store", "lib.rs"), ("app", "lib.rs"), ("channels", "lib.rs")];

#[test]
fn no_sibling_modules_use_each_other() {
    let mut report = String::new();
    for (name, file) in CRATES {
        let krate = read_crate(&root(name, file)).unwrap();
        assert!(krate.modules.len() > 1, "{name}: the module tree was read");
        for cycle in sibling_cycles(&krate) {
            report.push_str(&format!("{name}: {cycle}"));
        }
    }
    assert!(report.is_empty(), "import cycles between sibling modules:\n{report}");
}
