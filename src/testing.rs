//! For service-level tests: a fresh SQLite database with the migrations and
//! the seed data, a manual clock, the demo accounts as principals, and the
//! batch writers running. No HTTP server.

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use entity::user;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::auth::Principal;
use crate::clock::Clock;
use crate::config::Config;
use crate::state::Core;
use crate::workers::runtime::TaskSet;

/// A Friday at 10:00 in Chongqing, the same start as the API tests.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0)
        .single()
        .expect("valid time")
}

/// A fresh database; the file goes when this is dropped.
pub struct TestDb {
    pub core: Core,
    pub config: Config,
    path: PathBuf,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
    }
}

impl TestDb {
    pub async fn seeded() -> Self {
        let path = std::env::temp_dir().join(format!(
            "yuhui-service-test-{}.db",
            uuid::Uuid::new_v4().simple()
        ));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let config = Config::from_lookup(|name| (name == "DATABASE_URL").then(|| url.clone()))
            .expect("test configuration");
        let db = crate::db::connect(&config).await.expect("database");
        crate::db::migrate(&db).await.expect("migrations");
        crate::seed::load(&db, start()).await.expect("seed data");
        Self {
            core: Core::new(db, Clock::manual(start())),
            config,
            path,
        }
    }

    /// The principal of a demo account (`demo-resident`, `demo-handler`, ...).
    pub async fn principal(&self, openid: &str) -> Principal {
        let user = user::Entity::find()
            .filter(user::Column::Openid.eq(openid))
            .one(&self.core.db)
            .await
            .expect("query")
            .expect("a demo account");
        crate::auth::service::load_principal(&self.core.db, user.id)
            .await
            .expect("query")
            .expect("a principal")
    }

    /// A resident who is nobody else.
    pub async fn new_resident(&self, openid: &str) -> Principal {
        crate::auth::service::find_or_create_user(&self.core.db, openid, None, start())
            .await
            .expect("user");
        self.principal(openid).await
    }
}

/// Background tasks a test started; stopped (writers drained) at the end.
pub struct Running(pub TaskSet);

impl Running {
    pub async fn stop(self) {
        self.0.stop().await;
    }
}
