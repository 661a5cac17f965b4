use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_districts::Districts;
use crate::m20261127_000002_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ComplaintCategories::Table)
                    .if_not_exists()
                    .col(string_len(ComplaintCategories::Code, 32).primary_key())
                    .col(string_len(ComplaintCategories::Name, 32))
                    .col(integer(ComplaintCategories::SortOrder))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Complaints::Table)
                    .if_not_exists()
                    .col(uuid(Complaints::Id).primary_key())
                    .col(string_len(Complaints::Number, 24))
                    .col(uuid(Complaints::ComplainantId))
                    .col(uuid_null(Complaints::ShopId))
                    .col(uuid_null(Complaints::MerchantId))
                    .col(string_len(Complaints::RespondentName, 100))
                    .col(string_len(Complaints::RespondentAddress, 200))
                    .col(string_len(Complaints::DistrictCode, 12))
                    .col(string_len(Complaints::CategoryCode, 32))
                    .col(string_len(Complaints::Title, 100))
                    .col(text(Complaints::Facts))
                    .col(text(Complaints::Demand))
                    .col(big_integer(Complaints::AmountFen))
                    .col(date(Complaints::OccurredOn))
                    .col(string_len(Complaints::ContactName, 50))
                    .col(string_len(Complaints::ContactPhone, 20))
                    .col(string_len_null(Complaints::ContactAddress, 200))
                    .col(boolean(Complaints::PublishConsent))
                    .col(string_len(Complaints::Status, 20))
                    .col(boolean(Complaints::Odr))
                    .col(date(Complaints::ReceivedOn))
                    .col(date_null(Complaints::OdrWindowUntil))
                    .col(date(Complaints::DecideBy))
                    .col(boolean(Complaints::DecideByProvisional))
                    .col(date_null(Complaints::AcceptedOn))
                    .col(date_null(Complaints::MediateBy))
                    .col(boolean(Complaints::MediateByProvisional))
                    .col(date_null(Complaints::PausedSince))
                    .col(date(Complaints::DueOn))
                    .col(date_null(Complaints::DeadlineWarnedFor))
                    .col(uuid_null(Complaints::AssigneeId))
                    .col(string_len_null(Complaints::Outcome, 20))
                    .col(big_integer_null(Complaints::CompensationFen))
                    .col(string_len_null(Complaints::RejectReason, 40))
                    .col(text_null(Complaints::MerchantResponse))
                    .col(text_null(Complaints::MerchantProposal))
                    .col(boolean(Complaints::SettledDirectly))
                    .col(timestamp_with_time_zone_null(Complaints::ClosedAt))
                    .col(integer_null(Complaints::RatingScore))
                    .col(string_len_null(Complaints::RatingComment, 500))
                    .col(uuid_null(Complaints::DuplicateOf))
                    .col(timestamp_with_time_zone(Complaints::CreatedAt))
                    .col(timestamp_with_time_zone(Complaints::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_complaints_complainant")
                            .from(Complaints::Table, Complaints::ComplainantId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_complaints_district")
                            .from(Complaints::Table, Complaints::DistrictCode)
                            .to(Districts::Table, Districts::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_complaints_category")
                            .from(Complaints::Table, Complaints::CategoryCode)
                            .to(ComplaintCategories::Table, ComplaintCategories::Code),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("uq_complaints_number", vec![Complaints::Number]),
            (
                "ix_complaints_queue",
                vec![Complaints::DistrictCode, Complaints::DueOn, Complaints::Id],
            ),
            (
                "ix_complaints_complainant",
                vec![Complaints::ComplainantId, Complaints::Id],
            ),
            (
                "ix_complaints_merchant",
                vec![Complaints::MerchantId, Complaints::ReceivedOn],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Complaints::Table);
            for col in cols {
                index.col(col);
            }
            if name.starts_with("uq_") {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ComplaintEvents::Table)
                    .if_not_exists()
                    .col(uuid(ComplaintEvents::Id).primary_key())
                    .col(uuid(ComplaintEvents::ComplaintId))
                    .col(uuid_null(ComplaintEvents::ActorId))
                    .col(string_len(ComplaintEvents::ActorRole, 16))
                    .col(string_len(ComplaintEvents::Kind, 32))
                    .col(string_len_null(ComplaintEvents::FromStatus, 20))
                    .col(string_len_null(ComplaintEvents::ToStatus, 20))
                    .col(text_null(ComplaintEvents::Note))
                    .col(boolean(ComplaintEvents::Internal))
                    .col(timestamp_with_time_zone(ComplaintEvents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_complaint_events_complaint")
                            .from(ComplaintEvents::Table, ComplaintEvents::ComplaintId)
                            .to(Complaints::Table, Complaints::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_complaint_events_complaint")
                    .table(ComplaintEvents::Table)
                    .col(ComplaintEvents::ComplaintId)
                    .col(ComplaintEvents::Id)
                    .to_owned(),
            )
            .await?;
        // One row per day: the next complaint number is decided here, so it
        // is unique across instances.
        manager
            .create_table(
                Table::create()
                    .table(ComplaintCounters::Table)
                    .if_not_exists()
                    .col(string_len(ComplaintCounters::Day, 8).primary_key())
                    .col(big_integer(ComplaintCounters::Last))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ComplaintCounters::Table.into_iden(),
            ComplaintEvents::Table.into_iden(),
            Complaints::Table.into_iden(),
            ComplaintCategories::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum ComplaintCategories {
    Table,
    Code,
    Name,
    SortOrder,
}

#[derive(DeriveIden)]
pub enum Complaints {
    Table,
    Id,
    Number,
    ComplainantId,
    ShopId,
    MerchantId,
    RespondentName,
    RespondentAddress,
    DistrictCode,
    CategoryCode,
    Title,
    Facts,
    Demand,
    AmountFen,
    OccurredOn,
    ContactName,
    ContactPhone,
    ContactAddress,
    PublishConsent,
    Status,
    Odr,
    ReceivedOn,
    OdrWindowUntil,
    DecideBy,
    DecideByProvisional,
    AcceptedOn,
    MediateBy,
    MediateByProvisional,
    PausedSince,
    DueOn,
    DeadlineWarnedFor,
    AssigneeId,
    Outcome,
    CompensationFen,
    RejectReason,
    MerchantResponse,
    MerchantProposal,
    SettledDirectly,
    ClosedAt,
    RatingScore,
    RatingComment,
    DuplicateOf,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ComplaintEvents {
    Table,
    Id,
    ComplaintId,
    ActorId,
    ActorRole,
    Kind,
    FromStatus,
    ToStatus,
    Note,
    Internal,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ComplaintCounters {
    Table,
    Day,
    Last,
}
