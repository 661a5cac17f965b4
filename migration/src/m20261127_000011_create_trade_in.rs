use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Uniqueness that holds among applications still alive: a rejected
/// application frees its quota slot, invoice, serial and pickup so the
/// resident can apply again; a refunded one keeps them (the quota stays used).
fn unique_while_alive(name: &str, cols: &[TradeInApplications]) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(name)
        .table(TradeInApplications::Table)
        .unique()
        .and_where(Expr::col(TradeInApplications::Status).ne("rejected"));
    for col in cols {
        index.col(*col);
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TradeInRuleSets::Table)
                    .if_not_exists()
                    .col(string_len(TradeInRuleSets::Code, 40).primary_key())
                    .col(string_len(TradeInRuleSets::Kind, 20))
                    .col(date(TradeInRuleSets::EffectiveFrom))
                    .col(date_null(TradeInRuleSets::EffectiveTo))
                    // The whole set as JSON (src/tradein/rules.rs reads it).
                    .col(text(TradeInRuleSets::Body))
                    .col(timestamp_with_time_zone(TradeInRuleSets::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TradeInOffers::Table)
                    .if_not_exists()
                    .col(uuid(TradeInOffers::Id).primary_key())
                    .col(uuid(TradeInOffers::MerchantId))
                    .col(uuid(TradeInOffers::ShopId))
                    // Copied from the shop so that searches filter in SQL.
                    .col(string_len(TradeInOffers::ShopName, 80))
                    .col(string_len(TradeInOffers::DistrictCode, 12))
                    .col(double(TradeInOffers::Lat))
                    .col(double(TradeInOffers::Lng))
                    .col(string_len(TradeInOffers::Category, 40))
                    .col(string_len(TradeInOffers::Brand, 40))
                    .col(string_len(TradeInOffers::Model, 60))
                    .col(big_integer(TradeInOffers::PriceFen))
                    .col(big_integer(TradeInOffers::OldUnitBonusFen))
                    .col(small_integer_null(TradeInOffers::EfficiencyGrade))
                    .col(timestamp_with_time_zone(TradeInOffers::StartsAt))
                    .col(timestamp_with_time_zone(TradeInOffers::EndsAt))
                    .col(string_len(TradeInOffers::Status, 12))
                    .col(uuid(TradeInOffers::CreatedBy))
                    .col(timestamp_with_time_zone(TradeInOffers::CreatedAt))
                    .col(timestamp_with_time_zone(TradeInOffers::UpdatedAt))
                    .check(Expr::col(TradeInOffers::PriceFen).gt(0))
                    .check(Expr::col(TradeInOffers::OldUnitBonusFen).gte(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_trade_in_offers_live")
                    .table(TradeInOffers::Table)
                    .col(TradeInOffers::Status)
                    .col(TradeInOffers::Category)
                    .col(TradeInOffers::EndsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_trade_in_offers_merchant")
                    .table(TradeInOffers::Table)
                    .col(TradeInOffers::MerchantId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RecyclingSlots::Table)
                    .if_not_exists()
                    .col(string_len(RecyclingSlots::DistrictCode, 12))
                    .col(string_len(RecyclingSlots::Slot, 20))
                    // Local time of day, "HH:MM".
                    .col(string_len(RecyclingSlots::StartsAt, 5))
                    .col(string_len(RecyclingSlots::EndsAt, 5))
                    .col(integer(RecyclingSlots::Capacity))
                    .primary_key(
                        Index::create()
                            .col(RecyclingSlots::DistrictCode)
                            .col(RecyclingSlots::Slot),
                    )
                    .check(Expr::col(RecyclingSlots::Capacity).gte(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecyclingSlotBookings::Table)
                    .if_not_exists()
                    .col(string_len(RecyclingSlotBookings::DistrictCode, 12))
                    .col(date(RecyclingSlotBookings::Day))
                    .col(string_len(RecyclingSlotBookings::Slot, 20))
                    // Taken by a conditional UPDATE (booked < capacity), so
                    // concurrent bookings on any instance never overfill.
                    .col(integer(RecyclingSlotBookings::Booked))
                    .primary_key(
                        Index::create()
                            .col(RecyclingSlotBookings::DistrictCode)
                            .col(RecyclingSlotBookings::Day)
                            .col(RecyclingSlotBookings::Slot),
                    )
                    .check(Expr::col(RecyclingSlotBookings::Booked).gte(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecyclingPickups::Table)
                    .if_not_exists()
                    .col(uuid(RecyclingPickups::Id).primary_key())
                    .col(uuid(RecyclingPickups::UserId))
                    .col(string_len(RecyclingPickups::DistrictCode, 12))
                    .col(string_len(RecyclingPickups::Address, 200))
                    .col(double(RecyclingPickups::Lat))
                    .col(double(RecyclingPickups::Lng))
                    // JSON array of trade-in category codes.
                    .col(text(RecyclingPickups::Categories))
                    .col(date(RecyclingPickups::Day))
                    .col(string_len(RecyclingPickups::Slot, 20))
                    .col(string_len(RecyclingPickups::Status, 12))
                    .col(uuid_null(RecyclingPickups::HandledBy))
                    .col(uuid_null(RecyclingPickups::HandledByMerchant))
                    .col(timestamp_with_time_zone_null(RecyclingPickups::HandledAt))
                    .col(string_len_null(RecyclingPickups::Note, 200))
                    .col(timestamp_with_time_zone(RecyclingPickups::CreatedAt))
                    .col(timestamp_with_time_zone(RecyclingPickups::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_recycling_pickups_user")
                    .table(RecyclingPickups::Table)
                    .col(RecyclingPickups::UserId)
                    .col(RecyclingPickups::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_recycling_pickups_route")
                    .table(RecyclingPickups::Table)
                    .col(RecyclingPickups::DistrictCode)
                    .col(RecyclingPickups::Day)
                    .col(RecyclingPickups::Slot)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TradeInApplications::Table)
                    .if_not_exists()
                    .col(uuid(TradeInApplications::Id).primary_key())
                    .col(uuid(TradeInApplications::UserId))
                    .col(string_len(TradeInApplications::Category, 40))
                    .col(uuid(TradeInApplications::MerchantId))
                    .col(uuid_null(TradeInApplications::OfferId))
                    .col(big_integer(TradeInApplications::PriceFen))
                    .col(small_integer_null(TradeInApplications::EfficiencyGrade))
                    .col(string_len(TradeInApplications::InvoiceNo, 40))
                    .col(date(TradeInApplications::InvoiceDate))
                    .col(string_len(TradeInApplications::SerialNo, 60))
                    .col(uuid_null(TradeInApplications::RecyclingPickupId))
                    // The rule it was computed with, and what it gave.
                    .col(string_len(TradeInApplications::RuleCode, 40))
                    .col(integer(TradeInApplications::RateBp))
                    .col(big_integer(TradeInApplications::CapFen))
                    .col(big_integer(TradeInApplications::NationalSubsidyFen))
                    .col(string_len_null(TradeInApplications::RecyclingRule, 40))
                    .col(big_integer(TradeInApplications::RecyclingBonusFen))
                    // none | pending | granted | lost
                    .col(string_len(TradeInApplications::RecyclingState, 10))
                    .col(big_integer(TradeInApplications::SubsidyFen))
                    .col(integer(TradeInApplications::QuotaYear))
                    .col(integer(TradeInApplications::QuotaSlot))
                    // pending | approved | rejected | refunded
                    .col(string_len(TradeInApplications::Status, 10))
                    .col(string_len_null(TradeInApplications::Reason, 200))
                    .col(uuid_null(TradeInApplications::ReviewedBy))
                    .col(timestamp_with_time_zone_null(
                        TradeInApplications::ReviewedAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        TradeInApplications::RefundedAt,
                    ))
                    .col(timestamp_with_time_zone(TradeInApplications::CreatedAt))
                    .col(timestamp_with_time_zone(TradeInApplications::UpdatedAt))
                    .check(Expr::col(TradeInApplications::PriceFen).gt(0))
                    .check(Expr::col(TradeInApplications::QuotaSlot).gte(1))
                    .to_owned(),
            )
            .await?;
        // The per-person quota across instances: slot n of (person, category,
        // year) is taken by one live application, slots run 1..=per_year.
        manager
            .create_index(unique_while_alive(
                "uq_trade_in_applications_quota_slot",
                &[
                    TradeInApplications::UserId,
                    TradeInApplications::Category,
                    TradeInApplications::QuotaYear,
                    TradeInApplications::QuotaSlot,
                ],
            ))
            .await?;
        manager
            .create_index(unique_while_alive(
                "uq_trade_in_applications_invoice_no",
                &[
                    TradeInApplications::MerchantId,
                    TradeInApplications::InvoiceNo,
                ],
            ))
            .await?;
        manager
            .create_index(unique_while_alive(
                "uq_trade_in_applications_serial_no",
                &[TradeInApplications::SerialNo],
            ))
            .await?;
        manager
            .create_index(unique_while_alive(
                "uq_trade_in_applications_recycling_pickup_id",
                &[TradeInApplications::RecyclingPickupId],
            ))
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_trade_in_applications_user")
                    .table(TradeInApplications::Table)
                    .col(TradeInApplications::UserId)
                    .col(TradeInApplications::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_trade_in_applications_review")
                    .table(TradeInApplications::Table)
                    .col(TradeInApplications::Status)
                    .col(TradeInApplications::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TradeInApplications::Table.into_iden(),
            RecyclingPickups::Table.into_iden(),
            RecyclingSlotBookings::Table.into_iden(),
            RecyclingSlots::Table.into_iden(),
            TradeInOffers::Table.into_iden(),
            TradeInRuleSets::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum TradeInRuleSets {
    Table,
    Code,
    Kind,
    EffectiveFrom,
    EffectiveTo,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TradeInOffers {
    Table,
    Id,
    MerchantId,
    ShopId,
    ShopName,
    DistrictCode,
    Lat,
    Lng,
    Category,
    Brand,
    Model,
    PriceFen,
    OldUnitBonusFen,
    EfficiencyGrade,
    StartsAt,
    EndsAt,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RecyclingSlots {
    Table,
    DistrictCode,
    Slot,
    StartsAt,
    EndsAt,
    Capacity,
}

#[derive(DeriveIden)]
enum RecyclingSlotBookings {
    Table,
    DistrictCode,
    Day,
    Slot,
    Booked,
}

#[derive(DeriveIden)]
enum RecyclingPickups {
    Table,
    Id,
    UserId,
    DistrictCode,
    Address,
    Lat,
    Lng,
    Categories,
    Day,
    Slot,
    Status,
    HandledBy,
    HandledByMerchant,
    HandledAt,
    Note,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TradeInApplications {
    Table,
    Id,
    UserId,
    Category,
    MerchantId,
    OfferId,
    PriceFen,
    EfficiencyGrade,
    InvoiceNo,
    InvoiceDate,
    SerialNo,
    RecyclingPickupId,
    RuleCode,
    RateBp,
    CapFen,
    NationalSubsidyFen,
    RecyclingRule,
    RecyclingBonusFen,
    RecyclingState,
    SubsidyFen,
    QuotaYear,
    QuotaSlot,
    Status,
    Reason,
    ReviewedBy,
    ReviewedAt,
    RefundedAt,
    CreatedAt,
    UpdatedAt,
}
