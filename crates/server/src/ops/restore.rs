//! `sala restore <path>`: a backup becomes the configured SQLite database.
//!
//! Nothing is changed until the backup has been copied beside the database and checked (it opens,
//! `PRAGMA integrity_check` is ok, it has Sala's migrations and none newer than this build's),
//! and nobody has the database open. Then the database in place is moved aside, not deleted
//! (`<db>.before-restore-<time>`), the checked copy is renamed into place, stale `-wal`/`-shm`
//! files are removed, and migrations bring an older backup up to date.

use super::{file_size, is_postgres, remove_if_present, size, sync_dir, sync_file, with_suffix};
use anyhow::{Context as _, bail};
use sala_store::sqlite::backup::{self as db_file, Exclusive};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Restores `backup` as the database of `database_url`.
pub async fn restore(database_url: &str, backup: &Path) -> anyhow::Result<()> {
    if is_postgres(database_url) {
        bail!(
            "sala restore replaces SQLite databases; for PostgreSQL use pg_restore, e.g.\n  \
             pg_restore --clean --if-exists --no-owner --dbname=\"$SALA_DATABASE_URL\" {}\n\
             (see \"Backup and restore\" in the README)",
            backup.display()
        );
    }
    if !backup.is_file() {
        bail!("there is no backup file at {}", backup.display());
    }
    let target = db_file::database_path(database_url)?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    let started = Instant::now();
    let staging = with_suffix(&target, ".restoring");
    println!("copying {} ({}) beside the database", backup.display(), size(file_size(backup)));
    std::fs::copy(backup, &staging)
        .with_context(|| format!("cannot copy {} to {}", backup.display(), staging.display()))?;
    let version = match check_backup(backup, &staging).await {
        Ok(version) => version,
        Err(err) => {
            let _ = remove_if_present(&staging);
            return Err(anyhow::anyhow!("{err:#}; nothing was changed"));
        }
    };
    if let Err(err) = replace(&target, &staging).await {
        let _ = remove_if_present(&staging);
        return Err(err);
    }
    let latest = db_file::latest_migration();
    if version < latest {
        println!("migrating from schema version {version} to {latest}");
        sala_store::connect(database_url).await.context("the backup was restored, but migrating it failed")?;
    }
    println!(
        "restored {} as {} in {:.1} s; schema version {latest}",
        backup.display(),
        target.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Checks the staged copy of `backup`; answers its schema version.
async fn check_backup(backup: &Path, staging: &Path) -> anyhow::Result<i64> {
    sync_file(staging)?;
    println!("checking the backup (PRAGMA integrity_check)");
    let shown = backup.display();
    let inspection = db_file::inspect(staging).await.with_context(|| {
        format!("{shown} is not a readable SQLite database (damaged, cut short, or another kind of file)")
    })?;
    if !inspection.is_sound() {
        bail!("{shown} is damaged: PRAGMA integrity_check says {}", inspection.integrity.join("; "));
    }
    let Some(version) = inspection.migration else {
        bail!("{shown} is an SQLite database but not Sala's: it has no migrations table");
    };
    if let Some(failed) = inspection.failed_migration {
        bail!("{shown} holds a failed migration ({failed}): restore an earlier backup");
    }
    let latest = db_file::latest_migration();
    if version > latest {
        bail!(
            "{shown} comes from a newer Sala (schema version {version}; this one knows up to {latest}): \
             restore it with that version"
        );
    }
    println!("the backup is sound: integrity_check ok, schema version {version}");
    Ok(version)
}

/// Moves the database in place aside (when there is one and nobody uses it) and puts `staging`
/// in its place.
async fn replace(target: &Path, staging: &Path) -> anyhow::Result<()> {
    let wal = with_suffix(target, "-wal");
    let shm = with_suffix(target, "-shm");
    if target.exists() {
        release_current(target).await?;
        let aside = aside_name(target);
        std::fs::rename(target, &aside)
            .with_context(|| format!("cannot move {} aside to {}", target.display(), aside.display()))?;
        // What a checkpoint could not fold in (a damaged database) stays with it.
        if file_size(&wal) > 0 {
            let _ = std::fs::rename(&wal, with_suffix(&aside, "-wal"));
        }
        println!("kept the replaced database as {}", aside.display());
    }
    // Left by a crash, they would be read as part of the restored file.
    remove_if_present(&wal)?;
    remove_if_present(&shm)?;
    std::fs::rename(staging, target)
        .with_context(|| format!("cannot rename {} to {}", staging.display(), target.display()))?;
    sync_dir(target);
    Ok(())
}

/// Makes sure nobody has the database open, then folds its `-wal` into it so the file alone is
/// the whole database. A database too damaged to open is moved aside as it is.
async fn release_current(target: &Path) -> anyhow::Result<()> {
    match db_file::take_exclusive(target).await {
        Ok(Exclusive::InUse) => bail!(
            "{} is in use (a running `sala serve`, `sala worker` or other command has it open): \
             stop it and run the restore again; nothing was changed",
            target.display()
        ),
        Ok(Exclusive::Held(hold)) => {
            if let Err(err) = hold.checkpoint_and_release().await {
                println!("the current database could not be checkpointed ({err}); it is kept aside as it is");
            }
        }
        Err(err) => println!("the current database cannot be opened ({err}); it is kept aside as it is"),
    }
    Ok(())
}

/// `data/sala.db` -> `data/sala.db.before-restore-20261205T001500Z`.
fn aside_name(target: &Path) -> PathBuf {
    let now = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ").to_string();
    let aside = with_suffix(target, &format!(".before-restore-{now}"));
    if aside.exists() { with_suffix(&aside, &format!("-{}", std::process::id())) } else { aside }
}
