use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_districts::Districts;
use crate::m20261127_000003_create_merchants::Merchants;
use crate::m20261127_000004_create_categories::Categories;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Shops::Table)
                    .if_not_exists()
                    .col(uuid(Shops::Id).primary_key())
                    .col(uuid(Shops::MerchantId))
                    .col(string_len(Shops::Name, 100))
                    .col(string_len(Shops::CategoryCode, 32))
                    .col(string_len(Shops::Address, 200))
                    .col(string_len(Shops::DistrictCode, 12))
                    .col(double(Shops::Lat))
                    .col(double(Shops::Lng))
                    .col(string_len_null(Shops::Phone, 20))
                    .col(text(Shops::OpeningHours))
                    .col(text(Shops::Exceptions))
                    .col(text(Shops::Tags))
                    .col(string_len(Shops::Status, 16))
                    .col(timestamp_with_time_zone(Shops::CreatedAt))
                    .col(timestamp_with_time_zone(Shops::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_shops_merchant")
                            .from(Shops::Table, Shops::MerchantId)
                            .to(Merchants::Table, Merchants::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_shops_category")
                            .from(Shops::Table, Shops::CategoryCode)
                            .to(Categories::Table, Categories::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_shops_district")
                            .from(Shops::Table, Shops::DistrictCode)
                            .to(Districts::Table, Districts::Code),
                    )
                    .to_owned(),
            )
            .await?;
        // Other instances poll for changes by this column.
        manager
            .create_index(
                Index::create()
                    .name("ix_shops_updated_at")
                    .table(Shops::Table)
                    .col(Shops::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_shops_merchant")
                    .table(Shops::Table)
                    .col(Shops::MerchantId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Shops::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Shops {
    Table,
    Id,
    MerchantId,
    Name,
    CategoryCode,
    Address,
    DistrictCode,
    Lat,
    Lng,
    Phone,
    OpeningHours,
    Exceptions,
    Tags,
    Status,
    CreatedAt,
    UpdatedAt,
}
