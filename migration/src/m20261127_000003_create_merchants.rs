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
                    .table(Merchants::Table)
                    .if_not_exists()
                    .col(uuid(Merchants::Id).primary_key())
                    .col(string_len(Merchants::Name, 100))
                    .col(string_len(Merchants::Uscc, 18))
                    .col(string_len(Merchants::DistrictCode, 12))
                    .col(string_len(Merchants::Address, 200))
                    .col(string_len(Merchants::ContactPhone, 20))
                    .col(boolean(Merchants::NoReasonReturn))
                    .col(boolean(Merchants::FirstCompensation))
                    .col(boolean(Merchants::Odr))
                    .col(string_len(Merchants::Status, 16))
                    .col(string_len_null(Merchants::RejectReason, 500))
                    .col(uuid(Merchants::ApplicantId))
                    .col(uuid_null(Merchants::ReviewedBy))
                    .col(timestamp_with_time_zone_null(Merchants::ReviewedAt))
                    .col(timestamp_with_time_zone(Merchants::CreatedAt))
                    .col(timestamp_with_time_zone(Merchants::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_merchants_district")
                            .from(Merchants::Table, Merchants::DistrictCode)
                            .to(Districts::Table, Districts::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_merchants_applicant")
                            .from(Merchants::Table, Merchants::ApplicantId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The name is matched by the merchants service to answer 409 `uscc_taken`.
        manager
            .create_index(
                Index::create()
                    .name("uq_merchants_uscc")
                    .table(Merchants::Table)
                    .col(Merchants::Uscc)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_merchants_status_id")
                    .table(Merchants::Table)
                    .col(Merchants::Status)
                    .col(Merchants::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_merchants_applicant")
                    .table(Merchants::Table)
                    .col(Merchants::ApplicantId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MerchantStaff::Table)
                    .if_not_exists()
                    .col(uuid(MerchantStaff::MerchantId))
                    .col(uuid(MerchantStaff::UserId))
                    .col(timestamp_with_time_zone(MerchantStaff::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(MerchantStaff::MerchantId)
                            .col(MerchantStaff::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_merchant_staff_merchant")
                            .from(MerchantStaff::Table, MerchantStaff::MerchantId)
                            .to(Merchants::Table, Merchants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_merchant_staff_user")
                            .from(MerchantStaff::Table, MerchantStaff::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_merchant_staff_user")
                    .table(MerchantStaff::Table)
                    .col(MerchantStaff::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MerchantStaff::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Merchants::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Merchants {
    Table,
    Id,
    Name,
    Uscc,
    DistrictCode,
    Address,
    ContactPhone,
    NoReasonReturn,
    FirstCompensation,
    Odr,
    Status,
    RejectReason,
    ApplicantId,
    ReviewedBy,
    ReviewedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MerchantStaff {
    Table,
    MerchantId,
    UserId,
    CreatedAt,
}
