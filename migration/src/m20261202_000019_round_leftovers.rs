//! Stock a round did not hand out rolls into the next round when that one
//! opens (a campaign setting, on by default). Each round records what it
//! passed on and what it received, so its own figures stay as released,
//! and whether its leftover has been dealt with (`closed_out`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Campaigns::Table)
                    .add_column(boolean(Campaigns::RollOverLeftovers).default(true))
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per ALTER.
        for column in [
            big_integer(Rounds::CarriedIn).default(0).to_owned(),
            big_integer(Rounds::CarriedOut).default(0).to_owned(),
            boolean(Rounds::ClosedOut).default(false).to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Rounds::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Rounds::CarriedIn, Rounds::CarriedOut, Rounds::ClosedOut] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Rounds::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Campaigns::Table)
                    .drop_column(Campaigns::RollOverLeftovers)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Campaigns {
    #[sea_orm(iden = "voucher_campaigns")]
    Table,
    RollOverLeftovers,
}

#[derive(DeriveIden, Clone, Copy)]
enum Rounds {
    #[sea_orm(iden = "voucher_rounds")]
    Table,
    CarriedIn,
    CarriedOut,
    ClosedOut,
}
