//! Database connection and migrations, the same for SQLite and PostgreSQL.

use std::path::PathBuf;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseBackend, DatabaseConnection, DbErr};

use crate::config::Config;
use crate::vouchers::claim_answers::Durability;

pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    connect_pool(
        config,
        config.db_max_connections,
        config.sqlite_synchronous_full,
        PoolUse::Shared,
    )
    .await
}

/// A connection of its own for each batch writer: a flash sale's commits
/// never wait behind reads for a connection, nor reads behind them. One
/// each rather than a shared pool, because a pool hands its connections out
/// in turn, and a SQLite connection drops its page cache whenever another
/// one has written: claims alternating between two connections re-read
/// every page they touched from the log, batch after batch.
pub struct WriterConnections {
    pub filings: DatabaseConnection,
    pub claims: DatabaseConnection,
    /// When a committed claim batch may be answered.
    pub claims_durability: Durability,
}

pub async fn connect_writers(config: &Config) -> Result<WriterConnections, DbErr> {
    // The claim writer syncs SQLite's log on a thread of its own so that
    // the next batch need not wait for the disk (`claim_answers`).
    let log = match sqlite_file_path(&config.database_url) {
        Some(path) if config.sqlite_synchronous_full => Some(PathBuf::from(format!("{path}-wal"))),
        _ => None,
    };
    Ok(WriterConnections {
        filings: connect_pool(
            config,
            1,
            config.sqlite_synchronous_full,
            PoolUse::BatchWriter,
        )
        .await?,
        claims: connect_pool(
            config,
            1,
            config.sqlite_synchronous_full && log.is_none(),
            PoolUse::BatchWriter,
        )
        .await?,
        claims_durability: log.map_or(Durability::AtCommit, Durability::AfterLogSync),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PoolUse {
    /// Requests' reads and small writes.
    Shared,
    /// A batch writer: each statement changes hundreds of rows.
    BatchWriter,
}

/// `synchronous_full`: SQLite syncs its log at every commit.
async fn connect_pool(
    config: &Config,
    size: u32,
    synchronous_full: bool,
    pool_use: PoolUse,
) -> Result<DatabaseConnection, DbErr> {
    if config.is_sqlite() {
        ensure_sqlite_directory(&config.database_url)
            .map_err(|e| DbErr::Custom(format!("cannot create the SQLite directory: {e}")))?;
    }
    let mut options = ConnectOptions::new(config.database_url.clone());
    // The whole pool is opened at start: opening PostgreSQL connections
    // one by one under the first burst of requests (a fork, a login and
    // fresh statement caches each) made the first seconds after a start
    // slow enough for a steady 1,000 filings/s to queue up behind them.
    options
        .max_connections(size)
        .min_connections(size)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let synchronous = if synchronous_full {
        SqliteSynchronous::Full
    } else {
        SqliteSynchronous::Normal
    };
    // WAL lets readers run beside the one writer; the busy timeout makes a
    // second writer wait for the lock instead of failing. Reads through a
    // memory map: with pread every connection copies each page it touches
    // into its own cache, and drops that cache whenever another connection
    // has written, which under a write load cost more than the queries.
    options.map_sqlx_sqlite_opts(move |o| {
        let o = o
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("mmap_size", "1073741824")
            // Checkpoint every ~40 MB of WAL rather than 4 MB: a page written
            // by many commits is copied back to the database once.
            .pragma("wal_autocheckpoint", "10000")
            // 16 MB of page cache a connection (default 2 MB): a batch of
            // claims dirties more pages than 2 MB holds, and pages that do
            // not fit are spilled to the log before the commit.
            .pragma("cache_size", "-16384");
        if pool_use == PoolUse::BatchWriter {
            // A statement inside a transaction keeps the pages it changes
            // in a statement journal, which past 64 KiB goes to a temporary
            // file: a batch's insert made, wrote and deleted one per batch,
            // and those writes were half the claim writer's kernel time.
            // In memory it is bounded by the batch's size.
            o.pragma("temp_store", "memory")
        } else {
            o
        }
    });
    Database::connect(options).await
}

/// SQLite has one writer at a time; writers that find it busy sleep and
/// retry in growing steps. Queuing them here instead keeps a burst of
/// writes moving in order. Open on PostgreSQL, which has row locks.
#[derive(Clone, Default)]
pub struct WriteGate(Option<std::sync::Arc<tokio::sync::Mutex<()>>>);

impl WriteGate {
    pub fn for_backend(backend: DatabaseBackend) -> Self {
        Self((backend == DatabaseBackend::Sqlite).then(Default::default))
    }

    /// Hold the answer for the length of a write transaction.
    pub async fn turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.0 {
            Some(gate) => Some(gate.lock().await),
            None => None,
        }
    }
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await?;
    // SQLite gathers planner statistics only when asked; this is cheap when
    // nothing changed and keeps index choices right as tables grow.
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        use sea_orm::ConnectionTrait;
        db.execute_unprepared("PRAGMA optimize=0x10002").await?;
    }
    Ok(())
}

/// `sqlite://data/yuhui.db?mode=rwc` → makes `data/` if it is missing.
fn ensure_sqlite_directory(url: &str) -> std::io::Result<()> {
    let Some(path) = sqlite_file_path(url) else {
        return Ok(());
    };
    match std::path::Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir),
        _ => Ok(()),
    }
}

pub fn sqlite_file_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path.starts_with(":memory:") {
        None
    } else {
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

    use super::{connect_writers, sqlite_file_path};
    use crate::testing::TestDb;

    async fn temp_store(db: &DatabaseConnection) -> i64 {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "PRAGMA temp_store",
            ))
            .await
            .expect("pragma")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("a number")
    }

    /// 2 is MEMORY, 0 the default (a file). `TestDb` opens its pool with
    /// `connect`, as an instance does.
    #[actix_web::test]
    async fn batch_writers_keep_statement_journals_in_memory_and_the_pool_does_not() {
        let db = TestDb::seeded().await;
        let writers = connect_writers(&db.config).await.expect("writers");
        assert_eq!(temp_store(&writers.claims).await, 2);
        assert_eq!(temp_store(&writers.filings).await, 2);
        assert_eq!(temp_store(&db.core.db).await, 0);
    }

    #[test]
    fn finds_the_file_in_sqlite_urls() {
        assert_eq!(
            sqlite_file_path("sqlite://data/yuhui.db?mode=rwc"),
            Some("data/yuhui.db")
        );
        assert_eq!(sqlite_file_path("sqlite:///tmp/x.db"), Some("/tmp/x.db"));
        assert_eq!(sqlite_file_path("sqlite::memory:"), None);
        assert_eq!(sqlite_file_path("postgres://localhost/db"), None);
    }
}
