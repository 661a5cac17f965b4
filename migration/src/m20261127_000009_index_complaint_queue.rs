use sea_orm_migration::prelude::*;

/// The handler queue walks cases by deadline across a handler's districts,
/// and the worker looks for ended ODR windows.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_complaints_due")
                    .table(Complaints::Table)
                    .col(Complaints::DueOn)
                    .col(Complaints::Id)
                    .to_owned(),
            )
            .await?;
        // Partial, so that the planner never prefers it for queue filters
        // by status (it would then sort every case of that status). The
        // same statement works on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS ix_complaints_open_windows \
                 ON complaints (odr_window_until) WHERE status = 'merchant_window'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["ix_complaints_due", "ix_complaints_open_windows"] {
            manager
                .drop_index(Index::drop().name(name).table(Complaints::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Complaints {
    Table,
    DueOn,
    Id,
}
