//! `tongcheng backup FILE` and `tongcheng restore FILE [--force]` for the
//! embedded SQLite database. A backup is SQLite's `VACUUM INTO`: one
//! consistent copy of the database as of a single transaction, taken while
//! the server keeps serving. PostgreSQL has its own tools (`pg_dump`,
//! `pg_restore`; see the README).

use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, Database, DbErr, Statement};

/// Why a backup or restore refused.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Not an SQLite database URL.
    #[error(
        "TONGCHENG__DATABASE__URL is not SQLite: back PostgreSQL up with pg_dump and restore it with pg_restore (see the README)"
    )]
    NotSqlite,
    /// The file is in the way, or missing, or not a Tongcheng database.
    #[error("{0}")]
    Refused(String),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] DbErr),
    /// The file system failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The file of an `sqlite://PATH?…` URL.
pub fn sqlite_path(url: &str) -> Result<PathBuf, BackupError> {
    let rest = url
        .strip_prefix("sqlite://")
        .ok_or(BackupError::NotSqlite)?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        return Err(BackupError::Refused(
            "an in-memory database cannot be backed up".into(),
        ));
    }
    Ok(PathBuf::from(path))
}

/// Copies the live database at `url` into the new file `to`; its size.
pub async fn backup(url: &str, to: &Path) -> Result<u64, BackupError> {
    let from = sqlite_path(url)?;
    if !from.exists() {
        return Err(BackupError::Refused(format!(
            "there is no database at {}",
            from.display()
        )));
    }
    if to.exists() {
        return Err(BackupError::Refused(format!(
            "{} exists; choose a new file (a backup never overwrites)",
            to.display()
        )));
    }
    let db = Database::connect(format!("sqlite://{}?mode=ro", from.display())).await?;
    let target = to.display().to_string().replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{target}'"))
        .await?;
    db.close().await?;
    check_backup(to).await?;
    Ok(std::fs::metadata(to).map_err(io(to))?.len())
}

/// Checks that `file` is a whole Tongcheng SQLite database: SQLite's
/// integrity check passes and it has applied migrations.
pub async fn check_backup(file: &Path) -> Result<(), BackupError> {
    let not_ours = |why: String| {
        BackupError::Refused(format!(
            "{} is not a Tongcheng database: {why}",
            file.display()
        ))
    };
    if !file.is_file() {
        return Err(BackupError::Refused(format!(
            "{} does not exist",
            file.display()
        )));
    }
    let db = Database::connect(format!("sqlite://{}?mode=ro", file.display()))
        .await
        .map_err(|e| not_ours(e.to_string()))?;
    let backend = db.get_database_backend();
    let integrity = db
        .query_one_raw(Statement::from_string(backend, "PRAGMA integrity_check"))
        .await
        .map_err(|e| not_ours(e.to_string()))?
        .and_then(|row| row.try_get_by_index::<String>(0).ok())
        .unwrap_or_default();
    if integrity != "ok" {
        return Err(not_ours(format!("integrity check: {integrity}")));
    }
    let migrations = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) FROM seaql_migrations",
        ))
        .await
        .map_err(|e| not_ours(e.to_string()))?
        .and_then(|row| row.try_get_by_index::<i64>(0).ok())
        .unwrap_or(0);
    db.close().await?;
    if migrations == 0 {
        return Err(not_ours("no migrations applied".into()));
    }
    Ok(())
}

/// Puts the backup `from` in place of the database at `url`. An existing
/// database is replaced only with `force` (stop the server first); the
/// copy lands under a temporary name and is renamed over it, so a failure
/// leaves the old database whole.
pub async fn restore(url: &str, from: &Path, force: bool) -> Result<PathBuf, BackupError> {
    let to = sqlite_path(url)?;
    check_backup(from).await?;
    let has_data = std::fs::metadata(&to).is_ok_and(|m| m.len() > 0);
    if has_data && !force {
        return Err(BackupError::Refused(format!(
            "a database exists at {}; stop the server and pass --force to replace it",
            to.display()
        )));
    }
    let staging = to.with_extension("restoring");
    std::fs::copy(from, &staging).map_err(io(&staging))?;
    std::fs::File::open(&staging)
        .and_then(|f| f.sync_all())
        .map_err(io(&staging))?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", to.display()));
        if side.exists() {
            std::fs::remove_file(&side).map_err(io(&side))?;
        }
    }
    std::fs::rename(&staging, &to).map_err(io(&to))?;
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sqlite_files_have_a_path() {
        assert_eq!(
            sqlite_path("sqlite://data/tongcheng.db?mode=rwc").unwrap(),
            PathBuf::from("data/tongcheng.db")
        );
        assert!(matches!(
            sqlite_path("postgres://x@y/z"),
            Err(BackupError::NotSqlite)
        ));
        assert!(sqlite_path("sqlite://:memory:").is_err());
    }
}
