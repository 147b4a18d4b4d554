//! Opening the database pool and running migrations.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

use crate::runtime::settings::DatabaseSettings;

/// Prepared statements kept per connection. The order path alone runs a
/// few hundred distinct statements (sea-orm writes `IN` lists and column
/// sets out), more than sqlx's default 100: past it each one is prepared
/// again.
const STATEMENT_CACHE: usize = 1_000;

/// How much SQLite's busy handler waits for the write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Every SQLite connection's settings: WAL, `synchronous=NORMAL`, the busy
/// timeout, foreign keys and the statement cache.
fn sqlite_options(
    o: sea_orm::sqlx::sqlite::SqliteConnectOptions,
) -> sea_orm::sqlx::sqlite::SqliteConnectOptions {
    o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true)
        .statement_cache_capacity(STATEMENT_CACHE)
}

/// Connects to SQLite or PostgreSQL as configured.
///
/// SQLite gets WAL and a busy timeout so that the HTTP workers and the job
/// runner can share one file. A caller waits at most `acquire_timeout_ms`
/// for a pooled connection: past it the pool is exhausted, and the API
/// answers 503 at once rather than letting requests queue for seconds.
pub async fn connect(settings: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(settings.url.clone());
    opts.max_connections(settings.max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_millis(settings.acquire_timeout_ms.max(1)))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(sqlite_options)
        .map_sqlx_postgres_opts(|o| o.statement_cache_capacity(STATEMENT_CACHE));
    Database::connect(opts).await
}

/// The connection write transactions begin on.
///
/// SQLite lets one writer in at a time. Given a pool, the writers race for
/// the lock and the losers sleep in SQLite's busy handler (1, 2, 5 … 100 ms
/// at a time), so the more connections, the fewer writes a second. On
/// SQLite this is therefore a pool of its own with a single connection:
/// write transactions queue for it in tokio and are woken the moment it is
/// free, while reads keep the main pool. On PostgreSQL it is the main pool.
pub async fn connect_writer(
    settings: &DatabaseSettings,
    db: &DatabaseConnection,
) -> Result<DatabaseConnection, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(db.clone());
    }
    let mut opts = ConnectOptions::new(settings.url.clone());
    // A write transaction waits for the writer as long as SQLite's busy
    // timeout would have let it wait for the lock.
    opts.max_connections(1)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(BUSY_TIMEOUT)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(sqlite_options);
    Database::connect(opts).await
}

/// The PostgreSQL advisory lock held while migrating (any fixed number:
/// the processes of one deployment agree on it).
const MIGRATION_LOCK: i64 = 0x746f_6e67_6368_656e;

/// Applies every pending migration. On PostgreSQL it holds a session
/// advisory lock meanwhile, so replicas that start together migrate one
/// after the other (the later ones find nothing to do). It is given a
/// connection of its own: the lock belongs to the session.
async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    if postgres {
        db.execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
            .await?;
    }
    let result = Migrator::up(db, None).await;
    if postgres {
        db.execute_unprepared(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
            .await?;
    }
    result
}

/// How many migrations are not applied yet.
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<usize, DbErr> {
    Ok(Migrator::get_pending_migrations(db).await?.len())
}

/// Migrates over a connection of its own, then opens the pool.
///
/// No pooled connection predates the schema. With one pool for both, SQLite
/// connections opened before the migration intermittently refused an
/// `ON CONFLICT` on an index the migration had created (seen in the tests).
pub async fn connect_migrated(settings: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    let single = DatabaseSettings {
        max_connections: 1,
        ..settings.clone()
    };
    let conn = connect(&single).await?;
    migrate(&conn).await?;
    conn.close().await?;
    connect(settings).await
}
