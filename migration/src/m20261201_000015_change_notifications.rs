use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// On PostgreSQL, every write to a table an instance caches sends
/// `NOTIFY yuhui_changes` from inside the writing transaction (delivered at
/// commit, dropped on rollback, one per payload per transaction), so every
/// instance listening refreshes its copy at once (`src/changes.rs`). Triggers
/// catch every writer: the API, the CLI and an operator's SQL alike. SQLite
/// runs one instance and has nothing to tell.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, payload) for tables whose whole cache is refreshed on a change.
const WHOLE_CACHES: [(&str, &str); 6] = [
    ("shops", "shops"),
    ("tourism_routes", "tourism"),
    ("tourism_route_stops", "tourism"),
    ("events", "tourism"),
    ("trade_in_rule_sets", "trade_in_rules"),
    ("holiday_tables", "calendar"),
];

/// Tables a caller's principal is read from, keyed by `user_id`.
const PRINCIPAL_TABLES: [&str; 3] = ["user_roles", "handler_districts", "merchant_staff"];

const FUNCTIONS: &str = r#"
CREATE OR REPLACE FUNCTION yuhui_notify_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('yuhui_changes', TG_ARGV[0]);
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION yuhui_notify_principal() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM pg_notify('yuhui_changes', 'principal:' || OLD.user_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM pg_notify('yuhui_changes', 'principal:' || NEW.user_id);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION yuhui_notify_user() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('yuhui_changes', 'principal:' || NEW.id);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let mut sql = FUNCTIONS.to_owned();
        for (table, payload) in WHOLE_CACHES {
            sql.push_str(&format!(
                "CREATE TRIGGER yuhui_changes_{table} \
                 AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
                 FOR EACH STATEMENT EXECUTE FUNCTION yuhui_notify_change('{payload}');\n"
            ));
        }
        for table in PRINCIPAL_TABLES {
            sql.push_str(&format!(
                "CREATE TRIGGER yuhui_changes_{table} \
                 AFTER INSERT OR UPDATE OR DELETE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION yuhui_notify_principal();\n"
            ));
        }
        // Closing an account ends its sessions; a merchant's approval or
        // suspension changes what each of its staff may do.
        sql.push_str(
            "CREATE TRIGGER yuhui_changes_users \
             AFTER UPDATE OF closed_at ON users FOR EACH ROW \
             WHEN (OLD.closed_at IS DISTINCT FROM NEW.closed_at) \
             EXECUTE FUNCTION yuhui_notify_user();\n\
             CREATE TRIGGER yuhui_changes_merchants \
             AFTER UPDATE OF status ON merchants \
             FOR EACH STATEMENT EXECUTE FUNCTION yuhui_notify_change('principals');\n",
        );
        manager.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let mut sql = String::new();
        let tables = WHOLE_CACHES
            .iter()
            .map(|(t, _)| *t)
            .chain(PRINCIPAL_TABLES)
            .chain(["users", "merchants"]);
        for table in tables {
            sql.push_str(&format!(
                "DROP TRIGGER IF EXISTS yuhui_changes_{table} ON {table};\n"
            ));
        }
        sql.push_str(
            "DROP FUNCTION IF EXISTS yuhui_notify_change();\n\
             DROP FUNCTION IF EXISTS yuhui_notify_principal();\n\
             DROP FUNCTION IF EXISTS yuhui_notify_user();\n",
        );
        manager.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }
}
