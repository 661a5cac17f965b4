use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(VoucherCampaigns::Table)
                    .if_not_exists()
                    .col(uuid(VoucherCampaigns::Id).primary_key())
                    .col(string_len(VoucherCampaigns::Name, 60))
                    // JSON arrays of codes: read whole with the campaign, never queried into.
                    .col(text(VoucherCampaigns::Categories))
                    .col(text(VoucherCampaigns::DistrictCodes))
                    .col(big_integer(VoucherCampaigns::FaceValueFen))
                    .col(big_integer(VoucherCampaigns::ThresholdFen))
                    .col(big_integer(VoucherCampaigns::TotalQuantity))
                    .col(integer(VoucherCampaigns::PerUserLimit))
                    .col(integer(VoucherCampaigns::ValidDays))
                    .col(boolean(VoucherCampaigns::ReturnExpired))
                    .col(timestamp_with_time_zone(VoucherCampaigns::StartsAt))
                    .col(timestamp_with_time_zone(VoucherCampaigns::EndsAt))
                    .col(uuid(VoucherCampaigns::CreatedBy))
                    .col(timestamp_with_time_zone(VoucherCampaigns::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(VoucherRounds::Table)
                    .if_not_exists()
                    .col(uuid(VoucherRounds::Id).primary_key())
                    .col(uuid(VoucherRounds::CampaignId))
                    .col(integer(VoucherRounds::Seq))
                    .col(timestamp_with_time_zone(VoucherRounds::OpensAt))
                    .col(timestamp_with_time_zone(VoucherRounds::ClosesAt))
                    .col(big_integer(VoucherRounds::Quantity))
                    // Stock handed back by expired vouchers of earlier rounds.
                    .col(big_integer(VoucherRounds::Returned))
                    .col(big_integer(VoucherRounds::Claimed))
                    // What the last claim statement granted: set in the same
                    // UPDATE as `claimed`, from the row's values before it.
                    .col(big_integer(VoucherRounds::LastGrant))
                    .check(Expr::col(VoucherRounds::Claimed).lte(
                        Expr::col(VoucherRounds::Quantity).add(Expr::col(VoucherRounds::Returned)),
                    ))
                    .check(Expr::col(VoucherRounds::Claimed).gte(0))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_voucher_rounds_campaign")
                            .from(VoucherRounds::Table, VoucherRounds::CampaignId)
                            .to(VoucherCampaigns::Table, VoucherCampaigns::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_voucher_rounds_campaign_seq")
                    .table(VoucherRounds::Table)
                    .col(VoucherRounds::CampaignId)
                    .col(VoucherRounds::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Vouchers::Table)
                    .if_not_exists()
                    .col(uuid(Vouchers::Id).primary_key())
                    .col(string_len(Vouchers::Code, 24))
                    .col(uuid(Vouchers::CampaignId))
                    .col(uuid(Vouchers::RoundId))
                    .col(uuid(Vouchers::UserId))
                    // 1..=per_user_limit: the n-th voucher of this user in this round.
                    .col(integer(Vouchers::Slot))
                    .col(string_len(Vouchers::Status, 16))
                    .col(timestamp_with_time_zone(Vouchers::ClaimedAt))
                    .col(timestamp_with_time_zone(Vouchers::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Vouchers::UsedAt))
                    // The round that got this voucher's stock back when it expired.
                    .col(uuid_null(Vouchers::ReturnedToRound))
                    // The Idempotency-Key of the claim that issued it.
                    .col(string_len_null(Vouchers::ClaimKey, 128))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_vouchers_round")
                            .from(Vouchers::Table, Vouchers::RoundId)
                            .to(VoucherRounds::Table, VoucherRounds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            ("uq_vouchers_code", vec![Vouchers::Code], true),
            // The per-user limit, decided by the database on every instance;
            // user first, so it also lists a user's vouchers. Every index
            // whose key is random costs a page write per claim at flash-sale
            // rates, so each one here earns its place.
            (
                "uq_vouchers_user_round_slot",
                vec![Vouchers::UserId, Vouchers::RoundId, Vouchers::Slot],
                true,
            ),
            // A retried claim finds its voucher; a retry racing on another
            // instance loses here. NULL keys do not collide.
            (
                "uq_vouchers_user_claim_key",
                vec![Vouchers::UserId, Vouchers::ClaimKey],
                true,
            ),
            (
                "ix_vouchers_status_expiry",
                vec![Vouchers::Status, Vouchers::ExpiresAt],
                false,
            ),
            (
                "ix_vouchers_campaign_status",
                vec![Vouchers::CampaignId, Vouchers::Status],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Vouchers::Table);
            for col in cols {
                index.col(col);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(VoucherRedemptions::Table)
                    .if_not_exists()
                    .col(uuid(VoucherRedemptions::Id).primary_key())
                    .col(uuid(VoucherRedemptions::VoucherId))
                    .col(uuid(VoucherRedemptions::CampaignId))
                    .col(uuid(VoucherRedemptions::ShopId))
                    .col(uuid(VoucherRedemptions::MerchantId))
                    .col(uuid(VoucherRedemptions::StaffId))
                    .col(big_integer(VoucherRedemptions::OrderAmountFen))
                    .col(big_integer(VoucherRedemptions::DiscountFen))
                    .col(big_integer(VoucherRedemptions::PayableFen))
                    .col(timestamp_with_time_zone(VoucherRedemptions::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        VoucherRedemptions::ReversedAt,
                    ))
                    .col(uuid_null(VoucherRedemptions::ReversedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_voucher_redemptions_voucher")
                            .from(VoucherRedemptions::Table, VoucherRedemptions::VoucherId)
                            .to(Vouchers::Table, Vouchers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_voucher_redemptions_voucher",
                vec![VoucherRedemptions::VoucherId],
            ),
            (
                "ix_voucher_redemptions_campaign",
                vec![VoucherRedemptions::CampaignId],
            ),
            (
                "ix_voucher_redemptions_merchant",
                vec![VoucherRedemptions::MerchantId, VoucherRedemptions::Id],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(VoucherRedemptions::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            VoucherRedemptions::Table.into_iden(),
            Vouchers::Table.into_iden(),
            VoucherRounds::Table.into_iden(),
            VoucherCampaigns::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum VoucherCampaigns {
    Table,
    Id,
    Name,
    Categories,
    DistrictCodes,
    FaceValueFen,
    ThresholdFen,
    TotalQuantity,
    PerUserLimit,
    ValidDays,
    ReturnExpired,
    StartsAt,
    EndsAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum VoucherRounds {
    Table,
    Id,
    CampaignId,
    Seq,
    OpensAt,
    ClosesAt,
    Quantity,
    Returned,
    Claimed,
    LastGrant,
}

#[derive(DeriveIden)]
enum Vouchers {
    Table,
    Id,
    Code,
    CampaignId,
    RoundId,
    UserId,
    Slot,
    Status,
    ClaimedAt,
    ExpiresAt,
    UsedAt,
    ReturnedToRound,
    ClaimKey,
}

#[derive(DeriveIden)]
enum VoucherRedemptions {
    Table,
    Id,
    VoucherId,
    CampaignId,
    ShopId,
    MerchantId,
    StaffId,
    OrderAmountFen,
    DiscountFen,
    PayableFen,
    CreatedAt,
    ReversedAt,
    ReversedBy,
}
