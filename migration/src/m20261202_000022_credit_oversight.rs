//! People over the score: an admin may set a merchant's grade with a
//! reason until an end date, and a merchant may appeal a factor, which an
//! admin answers. Both are shown on the profile.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Overrides::Table)
                    .if_not_exists()
                    .col(uuid(Overrides::Id).primary_key())
                    .col(uuid(Overrides::MerchantId))
                    .col(string_len(Overrides::Grade, 1))
                    .col(text(Overrides::Reason))
                    .col(date(Overrides::EndsOn))
                    .col(uuid(Overrides::SetBy))
                    .col(timestamp_with_time_zone(Overrides::SetAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_credit_overrides_merchant")
                    .table(Overrides::Table)
                    .col(Overrides::MerchantId)
                    .col(Overrides::EndsOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Appeals::Table)
                    .if_not_exists()
                    .col(uuid(Appeals::Id).primary_key())
                    .col(uuid(Appeals::MerchantId))
                    .col(string_len(Appeals::FactorCode, 40))
                    .col(text(Appeals::Statement))
                    .col(uuid(Appeals::FiledBy))
                    .col(timestamp_with_time_zone(Appeals::FiledAt))
                    .col(string_len(Appeals::Status, 16))
                    .col(text_null(Appeals::Answer))
                    .col(uuid_null(Appeals::AnsweredBy))
                    .col(timestamp_with_time_zone_null(Appeals::AnsweredAt))
                    .to_owned(),
            )
            .await?;
        // One open appeal per merchant and factor.
        manager
            .create_index(
                Index::create()
                    .name("uq_credit_appeals_open")
                    .table(Appeals::Table)
                    .col(Appeals::MerchantId)
                    .col(Appeals::FactorCode)
                    .unique()
                    .and_where(Expr::col(Appeals::Status).eq("open"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Appeals::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Overrides::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Overrides {
    #[sea_orm(iden = "credit_overrides")]
    Table,
    Id,
    MerchantId,
    Grade,
    Reason,
    EndsOn,
    SetBy,
    SetAt,
}

#[derive(DeriveIden)]
enum Appeals {
    #[sea_orm(iden = "credit_appeals")]
    Table,
    Id,
    MerchantId,
    FactorCode,
    Statement,
    FiledBy,
    FiledAt,
    Status,
    Answer,
    AnsweredBy,
    AnsweredAt,
}
