//! 山城有信: versioned credit scoring rules, each merchant's current credit
//! profile (score, grade, the factors behind it, the rules version) and its
//! history, one row per change of score or grade.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RuleSets::Table)
                    .if_not_exists()
                    .col(string_len(RuleSets::Code, 40).primary_key())
                    .col(date(RuleSets::EffectiveFrom))
                    .col(text(RuleSets::Body))
                    .col(timestamp_with_time_zone(RuleSets::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Profiles::Table)
                    .if_not_exists()
                    .col(uuid(Profiles::MerchantId).primary_key())
                    .col(integer(Profiles::Score))
                    .col(string_len(Profiles::Grade, 1))
                    .col(text(Profiles::Factors))
                    .col(string_len(Profiles::RulesVersion, 40))
                    .col(timestamp_with_time_zone(Profiles::AsOf))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(History::Table)
                    .if_not_exists()
                    .col(uuid(History::Id).primary_key())
                    .col(uuid(History::MerchantId))
                    .col(integer(History::Score))
                    .col(string_len(History::Grade, 1))
                    .col(string_len(History::RulesVersion, 40))
                    .col(timestamp_with_time_zone(History::AsOf))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_merchant_credit_history_merchant")
                    .table(History::Table)
                    .col(History::MerchantId)
                    .col(History::AsOf)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            History::Table.into_iden(),
            Profiles::Table.into_iden(),
            RuleSets::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum RuleSets {
    #[sea_orm(iden = "credit_rule_sets")]
    Table,
    Code,
    EffectiveFrom,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Profiles {
    #[sea_orm(iden = "merchant_credit")]
    Table,
    MerchantId,
    Score,
    Grade,
    Factors,
    RulesVersion,
    AsOf,
}

#[derive(DeriveIden)]
enum History {
    #[sea_orm(iden = "merchant_credit_history")]
    Table,
    Id,
    MerchantId,
    Score,
    Grade,
    RulesVersion,
    AsOf,
}
