//! The workspace's crates have no import cycles between sibling modules, and the layers inside
//! them hold.

use sala_architecture::{read_crate, refers_to, sibling_cycles};
use std::path::PathBuf;

fn root(krate: &str, file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(krate).join("src").join(file)
}

const CRATES: [(&str, &str); 5] =
    [("domain", "lib.rs"), ("store", "lib.rs"), ("app", "lib.rs"), ("channels", "lib.rs"), ("server", "lib.rs")];

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

/// Layers inside a crate that the cycle check alone would not keep: `(crate, from, to)` means
/// nothing in `from` may use anything in `to`.
const FORBIDDEN: [(&str, &[&str], &[&str]); 9] = [
    // Sign-in does not reach into the pages; both build on `web`.
    ("server", &["auth"], &["pages"]),
    // The composition root wires jobs with the wire formats, never with the API's handlers.
    ("server", &["app"], &["api"]),
    ("server", &["wire"], &["api"]),
    // What handlers share knows no handler.
    ("server", &["state"], &["api"]),
    ("server", &["state"], &["pages"]),
    ("server", &["state"], &["auth"]),
    // The runner knows no consumer; the consumers are dispatched beside it (`handlers`).
    ("app", &["jobs"], &["notifications"]),
    ("app", &["jobs"], &["webhooks"]),
    ("app", &["jobs"], &["bookings"]),
];

#[test]
fn layers_hold() {
    let mut report = String::new();
    for (name, from, to) in FORBIDDEN {
        let krate = read_crate(&root(name, "lib.rs")).unwrap();
        if let Some(site) = refers_to(&krate, from, to) {
            let path = |p: &[&str]| p.join("::");
            report.push_str(&format!(
                "{name}: `{}` uses `{}` at {}:{}\n",
                path(from),
                path(to),
                site.file.display(),
                site.line
            ));
        }
    }
    assert!(report.is_empty(), "layering broken:\n{report}");
}
