//! `yuhui backup FILE` and `yuhui restore FILE` for SQLite. PostgreSQL has
//! its own tools (`pg_dump -Fc`, `pg_restore`; see the README), which this
//! refuses to stand in for.
//!
//! A backup is `VACUUM INTO`: one read transaction, so it is the database as
//! of one instant while the server goes on writing, compacted, with no WAL of
//! its own. A restore puts such a file in place of the database while no
//! instance has it open: the file is checked first (integrity, a Yuhui
//! schema), copied beside the database and renamed over it, so a failure at
//! any step leaves the old database whole.

use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

use crate::config::Config;
use crate::db::sqlite_file_path;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "backup and restore here are for SQLite; on PostgreSQL use pg_dump -Fc and pg_restore (see README.md)"
    )]
    NotSqlite,
    #[error("{0} already exists; a backup never overwrites a file")]
    TargetExists(PathBuf),
    #[error("{0} is not a usable Yuhui backup: {1}")]
    NotABackup(PathBuf, String),
    #[error("the database is open in another process (stop every instance before restoring)")]
    InUse,
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("{0}: {1}")]
    File(PathBuf, std::io::Error),
}

/// Writes a consistent copy of the live SQLite database to `target`.
/// Returns its size in bytes.
pub async fn backup(config: &Config, target: &Path) -> Result<u64, BackupError> {
    sqlite_path(config)?;
    if target.exists() {
        return Err(BackupError::TargetExists(target.to_owned()));
    }
    let db = Database::connect(config.database_url.as_str()).await?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [target.to_string_lossy().into_owned().into()],
    ))
    .await?;
    db.close().await?;
    std::fs::metadata(target)
        .map(|m| m.len())
        .map_err(|e| BackupError::File(target.to_owned(), e))
}

/// Replaces the SQLite database with the backup in `source`. Every instance
/// must be stopped; the next start applies any newer migrations.
pub async fn restore(config: &Config, source: &Path) -> Result<(), BackupError> {
    let live = PathBuf::from(sqlite_path(config)?);
    check_backup(source).await?;
    if live.exists() {
        ensure_not_in_use(&live).await?;
    }
    let staged = live.with_extension("restoring");
    let file_error = |path: &Path| {
        let path = path.to_owned();
        move |e| BackupError::File(path, e)
    };
    std::fs::copy(source, &staged).map_err(file_error(&staged))?;
    std::fs::File::open(&staged)
        .and_then(|f| f.sync_all())
        .map_err(file_error(&staged))?;
    // A WAL left beside the old database would be replayed onto the new one.
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", live.display()));
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(BackupError::File(side, e)),
        }
    }
    std::fs::rename(&staged, &live).map_err(file_error(&live))?;
    Ok(())
}

fn sqlite_path(config: &Config) -> Result<&str, BackupError> {
    if !config.is_sqlite() {
        return Err(BackupError::NotSqlite);
    }
    sqlite_file_path(&config.database_url).ok_or(BackupError::NotSqlite)
}

async fn check_backup(source: &Path) -> Result<(), BackupError> {
    let not_a_backup = |reason: String| BackupError::NotABackup(source.to_owned(), reason);
    if !source.is_file() {
        return Err(not_a_backup("no such file".into()));
    }
    let url = format!("sqlite://{}?mode=ro", source.display());
    let db = Database::connect(url.as_str())
        .await
        .map_err(|e| not_a_backup(e.to_string()))?;
    let verdict = check_opened_backup(&db).await;
    db.close().await?;
    verdict.map_err(not_a_backup)
}

async fn check_opened_backup(db: &DatabaseConnection) -> Result<(), String> {
    let integrity = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .map_err(|e| e.to_string())?
        .and_then(|row| row.try_get_by_index::<String>(0).ok());
    if integrity.as_deref() != Some("ok") {
        return Err(format!(
            "integrity check: {}",
            integrity.unwrap_or_default()
        ));
    }
    let migrations = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT count(*) FROM sqlite_master WHERE name IN ('seaql_migrations', 'complaints', 'vouchers')",
        ))
        .await
        .map_err(|e| e.to_string())?
        .and_then(|row| row.try_get_by_index::<i64>(0).ok());
    if migrations != Some(3) {
        return Err("no Yuhui tables in it".into());
    }
    Ok(())
}

/// Another process with the database open holds the WAL index; taking the
/// database in exclusive mode fails at once then.
async fn ensure_not_in_use(live: &Path) -> Result<(), BackupError> {
    let url = format!("sqlite://{}?mode=rw", live.display());
    let db = Database::connect(url.as_str()).await?;
    let taken = db
        .execute_unprepared(
            "PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;",
        )
        .await;
    db.close().await?;
    taken.map(|_| ()).map_err(|_| BackupError::InUse)
}
