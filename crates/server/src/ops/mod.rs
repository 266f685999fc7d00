//! Operator commands that work on the database file itself rather than through the use cases:
//! `sala backup` and `sala restore`; and `sala doctor`, which checks the settings and what Sala
//! talks to.

pub mod backup;
pub mod doctor;
pub mod restore;

use anyhow::Context as _;
use std::path::{Path, PathBuf};

/// `path` with `suffix` added to its file name: `data/sala.db` + `.partial` -> `data/sala.db.partial`.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

/// Flushes a file's bytes to the disk, so a rename after it never exposes a half-written file.
fn sync_file(path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot flush {} to disk", path.display()))
}

/// Flushes a folder, so a rename in it survives a power cut. Best effort: not every system can.
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
}

/// Removes a file if it is there.
fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(err).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// A file's size for people: `812 KB`, `3.4 MB`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if value < 10.0 { format!("{value:.1} {}", UNITS[unit]) } else { format!("{value:.0} {}", UNITS[unit]) }
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Whether the URL names a PostgreSQL database (the file commands are for SQLite only).
fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres:") || url.starts_with("postgresql:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_plainly() {
        assert_eq!(size(999), "999 bytes");
        assert_eq!(size(1_500), "1.5 KB");
        assert_eq!(size(812_000), "812 KB");
        assert_eq!(size(3_400_000), "3.4 MB");
        assert_eq!(size(12_000_000_000), "12 GB");
    }

    #[test]
    fn suffixes_go_on_the_file_name() {
        assert_eq!(with_suffix(Path::new("data/sala.db"), ".partial"), PathBuf::from("data/sala.db.partial"));
    }
}
