//! Console sign-in tickets (扫码登录): created by the console, approved by a
//! staff member's mini-program, consumed once by the console that holds the
//! poll secret. In the database, so any instance can answer any step.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ConsoleTickets::Table)
                    .if_not_exists()
                    .col(uuid(ConsoleTickets::Id).primary_key())
                    // SHA-256 of the poll secret: a database read does not hand out sessions.
                    .col(string_len(ConsoleTickets::PollSecretHash, 64))
                    .col(timestamp_with_time_zone(ConsoleTickets::CreatedAt))
                    .col(timestamp_with_time_zone(ConsoleTickets::ExpiresAt))
                    .col(uuid_null(ConsoleTickets::ApprovedBy))
                    .col(timestamp_with_time_zone_null(ConsoleTickets::ApprovedAt))
                    .col(timestamp_with_time_zone_null(ConsoleTickets::ConsumedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_console_tickets_approved_by")
                            .from(ConsoleTickets::Table, ConsoleTickets::ApprovedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The retention job deletes old tickets by age.
        manager
            .create_index(
                Index::create()
                    .name("ix_console_tickets_expires_at")
                    .table(ConsoleTickets::Table)
                    .col(ConsoleTickets::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConsoleTickets::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ConsoleTickets {
    Table,
    Id,
    PollSecretHash,
    CreatedAt,
    ExpiresAt,
    ApprovedBy,
    ApprovedAt,
    ConsumedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
