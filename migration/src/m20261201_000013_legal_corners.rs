use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000006_create_complaints::Complaints;

/// The 12315 legal corners: the mediation rule and the restarts of the
/// decision clock stored on each case, the pauses kept one row each (so a
/// deadline can be recomputed from its facts), termination notices, photo
/// sharing, closed accounts and the append-only audit trail.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            string_len_null(CaseClock::MediateRule, 16),
            date_null(CaseClock::OdrEscalatedOn),
            date_null(CaseClock::TransferredOn),
            timestamp_with_time_zone_null(CaseClock::DeadlinesReckonedAt),
            string_len_null(CaseClock::TerminationReason, 32),
            date_null(CaseClock::TerminationNoticeBy),
            timestamp_with_time_zone_null(CaseClock::TerminationNotifiedAt),
            boolean(CaseClock::ComplainantAccountClosed)
                .default(false)
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Complaints::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        // Cases accepted before this migration keep the rule of their day.
        db.execute_unprepared(
            "UPDATE complaints SET mediate_rule = CASE \
             WHEN accepted_on < '2026-04-15' THEN 'order20' ELSE 'order121' END \
             WHERE accepted_on IS NOT NULL",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ComplaintPauses::Table)
                    .if_not_exists()
                    .col(uuid(ComplaintPauses::Id).primary_key())
                    .col(uuid(ComplaintPauses::ComplaintId))
                    .col(date(ComplaintPauses::FromOn))
                    .col(date_null(ComplaintPauses::UntilOn))
                    .col(string_len(ComplaintPauses::Reason, 500))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_complaint_pauses_complaint")
                            .from(ComplaintPauses::Table, ComplaintPauses::ComplaintId)
                            .to(Complaints::Table, Complaints::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_complaint_pauses_complaint")
                    .table(ComplaintPauses::Table)
                    .col(ComplaintPauses::ComplaintId)
                    .to_owned(),
            )
            .await?;
        backfill_ended_pauses(manager).await?;
        // A pause running now becomes a row too.
        let open = db
            .query_all_raw(sea_orm::Statement::from_string(
                manager.get_database_backend(),
                "SELECT id, paused_since FROM complaints WHERE paused_since IS NOT NULL",
            ))
            .await?;
        for row in open {
            let id: sea_orm::prelude::Uuid = row.try_get("", "id")?;
            let since: sea_orm::prelude::Date = row.try_get("", "paused_since")?;
            let insert = Query::insert()
                .into_table(ComplaintPauses::Table)
                .columns([
                    ComplaintPauses::Id,
                    ComplaintPauses::ComplaintId,
                    ComplaintPauses::FromOn,
                    ComplaintPauses::Reason,
                ])
                .values_panic([
                    // The case's own id: it has one open pause at most.
                    id.into(),
                    id.into(),
                    since.into(),
                    "".into(),
                ])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }

        manager
            .alter_table(
                Table::alter()
                    .table(Attachments::Table)
                    .add_column(boolean(Attachments::SharedWithMerchant).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(uuid_null(Outbox::SubjectId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_subject")
                    .table(Outbox::Table)
                    .col(Outbox::SubjectId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(timestamp_with_time_zone_null(Users::ClosedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .if_not_exists()
                    .col(uuid(AuditEvents::Id).primary_key())
                    .col(timestamp_with_time_zone(AuditEvents::At))
                    .col(uuid_null(AuditEvents::ActorId))
                    .col(string_len(AuditEvents::ActorRole, 32))
                    .col(string_len(AuditEvents::Action, 160))
                    .col(string_len(AuditEvents::ObjectType, 32))
                    .col(uuid_null(AuditEvents::ObjectId))
                    .col(string_len_null(AuditEvents::RequestId, 64))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ix_audit_events_at", AuditEvents::At),
            ("ix_audit_events_actor", AuditEvents::ActorId),
            ("ix_audit_events_object", AuditEvents::ObjectId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AuditEvents::Table)
                        .col(column)
                        .col(AuditEvents::Id)
                        .to_owned(),
                )
                .await?;
        }
        // Append-only in the database itself, whatever code runs against it.
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ \
                     BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$ LANGUAGE plpgsql",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE \
                     ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
                )
                .await?;
            }
            _ => {
                for verb in ["UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER IF NOT EXISTS audit_events_no_{verb} BEFORE {verb} \
                         ON audit_events BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
                    ))
                    .await?;
                }
            }
        }

        manager
            .create_index(
                Index::create()
                    .name("ix_idempotency_keys_created")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ComplaintPauses::Table).to_owned())
            .await
    }
}

/// Pauses that already ended are on each case's timeline as `paused` and
/// `resumed` events; each pair becomes a row, dated in Asia/Shanghai, so a
/// recomputed deadline keeps them.
async fn backfill_ended_pauses(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use sea_orm::prelude::{DateTimeUtc, Uuid};
    let events = manager
        .get_connection()
        .query_all_raw(sea_orm::Statement::from_string(
            manager.get_database_backend(),
            "SELECT id, complaint_id, kind, created_at FROM complaint_events \
             WHERE kind IN ('paused', 'resumed') ORDER BY complaint_id, id",
        ))
        .await?;
    let china = |at: DateTimeUtc| (at + chrono::Duration::hours(8)).date_naive();
    let mut open: Option<(Uuid, sea_orm::prelude::Date)> = None;
    for row in events {
        let id: Uuid = row.try_get("", "id")?;
        let case: Uuid = row.try_get("", "complaint_id")?;
        let kind: String = row.try_get("", "kind")?;
        let at: DateTimeUtc = row.try_get("", "created_at")?;
        match (kind.as_str(), open) {
            ("paused", _) => open = Some((case, china(at))),
            ("resumed", Some((paused_case, from))) if paused_case == case => {
                let insert = Query::insert()
                    .into_table(ComplaintPauses::Table)
                    .columns([
                        ComplaintPauses::Id,
                        ComplaintPauses::ComplaintId,
                        ComplaintPauses::FromOn,
                        ComplaintPauses::UntilOn,
                        ComplaintPauses::Reason,
                    ])
                    // The resuming event's id: one per ended pause.
                    .values_panic([
                        id.into(),
                        case.into(),
                        from.into(),
                        china(at).into(),
                        "".into(),
                    ])
                    .to_owned();
                manager.exec_stmt(insert).await?;
                open = None;
            }
            _ => open = None,
        }
    }
    Ok(())
}

#[derive(DeriveIden)]
enum CaseClock {
    MediateRule,
    OdrEscalatedOn,
    TransferredOn,
    DeadlinesReckonedAt,
    TerminationReason,
    TerminationNoticeBy,
    TerminationNotifiedAt,
    ComplainantAccountClosed,
}

#[derive(DeriveIden)]
enum ComplaintPauses {
    Table,
    Id,
    ComplaintId,
    FromOn,
    UntilOn,
    Reason,
}

#[derive(DeriveIden)]
enum Attachments {
    #[sea_orm(iden = "complaint_attachments")]
    Table,
    SharedWithMerchant,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    SubjectId,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    ClosedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    ActorId,
    ActorRole,
    Action,
    ObjectType,
    ObjectId,
    RequestId,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    CreatedAt,
}
