//! One voucher per payment (FACTS §3): a redemption names the till's order
//! or payment reference, and a merchant's live redemptions never share one.
//! A reversed redemption frees its order. Rows from before this have none.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Redemptions::Table)
                    .add_column(string_len_null(Redemptions::OrderNo, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_voucher_redemptions_order_no")
                    .table(Redemptions::Table)
                    .col(Redemptions::MerchantId)
                    .col(Redemptions::OrderNo)
                    .unique()
                    .and_where(Expr::col(Redemptions::ReversedAt).is_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("uq_voucher_redemptions_order_no")
                    .table(Redemptions::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Redemptions::Table)
                    .drop_column(Redemptions::OrderNo)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Redemptions {
    #[sea_orm(iden = "voucher_redemptions")]
    Table,
    MerchantId,
    OrderNo,
    ReversedAt,
}
