//! `sala backup <path>`: a consistent copy of the SQLite database while the server keeps running.
//!
//! The copy is written beside the target under a `.partial` name, flushed, checked with
//! `PRAGMA integrity_check`, and only then renamed to the target: a failed or interrupted backup
//! never leaves a file that looks like a good one.

use super::{file_size, is_postgres, remove_if_present, size, sync_dir, sync_file, with_suffix};
use anyhow::{Context as _, bail};
use sala_store::sqlite::backup as db_file;
use std::path::Path;
use std::time::{Duration, Instant};

/// How often the size written so far is printed while the copy runs.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Copies the database of `database_url` to `target`; refuses an existing target unless `force`.
pub async fn backup(database_url: &str, target: &Path, force: bool) -> anyhow::Result<()> {
    if is_postgres(database_url) {
        bail!(
            "sala backup copies SQLite databases; for PostgreSQL use pg_dump, e.g.\n  \
             pg_dump --format=custom --file={} \"$SALA_DATABASE_URL\"\n\
             (restore it with pg_restore; see \"Backup and restore\" in the README)",
            target.display()
        );
    }
    let source = db_file::database_path(database_url)?;
    if !source.is_file() {
        bail!("there is no database at {} (check SALA_DATABASE_URL or SALA_DATA_DIR)", source.display());
    }
    check_target(&source, target, force)?;
    let target_text = target.to_str().with_context(|| format!("{} is not a UTF-8 path", target.display()))?;
    let partial = with_suffix(target, ".partial");
    let partial_text = partial.to_str().with_context(|| format!("{} is not a UTF-8 path", partial.display()))?;
    // A leftover of an interrupted backup: ours, and VACUUM INTO refuses to write over it.
    remove_if_present(&partial)?;

    println!("backing up {} ({}) to {target_text}", source.display(), size(file_size(&source)));
    let started = Instant::now();
    let copied = copy_with_progress(database_url, partial_text, &partial).await;
    if let Err(err) = copied {
        let _ = remove_if_present(&partial);
        return Err(err).context("the copy failed; the database was not changed");
    }
    sync_file(&partial)?;
    let inspection = match db_file::inspect(&partial).await {
        Ok(inspection) if inspection.is_sound() => inspection,
        Ok(inspection) => {
            let _ = remove_if_present(&partial);
            bail!("the copy failed PRAGMA integrity_check: {}", inspection.integrity.join("; "));
        }
        Err(err) => {
            let _ = remove_if_present(&partial);
            return Err(err).context("the copy cannot be read back");
        }
    };
    std::fs::rename(&partial, target)
        .with_context(|| format!("cannot rename {} to {target_text}", partial.display()))?;
    sync_dir(target);
    println!(
        "backup written: {target_text}, {} in {:.1} s; integrity_check ok; schema version {}",
        size(file_size(target)),
        started.elapsed().as_secs_f64(),
        inspection.migration.unwrap_or(0)
    );
    println!(
        "keep the secret key (SALA_SECRET_KEY, or secret.key in the data folder) with it: \
         the connections' tokens in the backup are sealed with that key"
    );
    Ok(())
}

/// Refuses a target that would overwrite something by accident, or the database itself.
fn check_target(source: &Path, target: &Path, force: bool) -> anyhow::Result<()> {
    if target.is_dir() {
        bail!(
            "{} is a folder: give the backup file's path, e.g. {}/sala-backup.db",
            target.display(),
            target.display()
        );
    }
    if target.exists() {
        let same = std::fs::canonicalize(target).ok() == std::fs::canonicalize(source).ok();
        if same {
            bail!("{} is the database itself: choose another path", target.display());
        }
        if !force {
            bail!("{} exists already: choose another path, or add --force to replace it", target.display());
        }
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        bail!("the folder {} does not exist", dir.display());
    }
    Ok(())
}

/// Runs the copy, printing how much is written every second (a large database takes a while).
async fn copy_with_progress(database_url: &str, partial_text: &str, partial: &Path) -> anyhow::Result<()> {
    let copy = db_file::copy_into(database_url, partial_text);
    tokio::pin!(copy);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + PROGRESS_EVERY, PROGRESS_EVERY);
    loop {
        tokio::select! {
            done = &mut copy => return Ok(done?),
            _ = ticks.tick() => println!("  {} written so far", size(file_size(partial))),
        }
    }
}
