//! Trade-in reference and demo data: the subsidy rule sets
//! (`seeds/trade_in_rules.json`), pickup slots for every district in force
//! (`seeds/recycling_slots.json`) and a dozen demo offers
//! (`seeds/trade_in_offers.json`) running from the day before the seed loads.

use entity::status::OfferStatus;
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use entity::{district, merchant, recycling_slot, shop, trade_in_offer, trade_in_rule_set};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, TransactionTrait,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::tradein::rules::{self, RuleBook, RuleFile};

pub const SLOTS_FILE: &str = include_str!("../../seeds/recycling_slots.json");
pub const OFFERS_FILE: &str = include_str!("../../seeds/trade_in_offers.json");

#[derive(Deserialize)]
pub struct SlotFile {
    pub slots: Vec<SlotSeed>,
    pub default_capacity: BTreeMap<String, i32>,
    pub capacity_by_district: BTreeMap<String, BTreeMap<String, i32>>,
}

#[derive(Deserialize)]
pub struct SlotSeed {
    pub slot: String,
    pub starts_at: String,
    pub ends_at: String,
}

#[derive(Deserialize)]
pub struct OfferFile {
    pub offers: Vec<OfferSeed>,
}

#[derive(Deserialize)]
pub struct OfferSeed {
    pub id: Uuid,
    pub shop_id: Uuid,
    pub category: String,
    pub brand: String,
    pub model: String,
    pub price_fen: i64,
    pub old_unit_bonus_fen: i64,
    pub efficiency_grade: Option<i16>,
    pub days: i64,
}

fn bad(file: &str, e: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("seed file {file} is malformed: {e}"))
}

pub async fn load(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), DbErr> {
    let rule_file: RuleFile =
        serde_json::from_str(rules::SEED_FILE).map_err(|e| bad("trade_in_rules.json", e))?;
    // Refuse a rule file that would not load at run time.
    RuleBook::new(rule_file.rule_sets.clone()).map_err(|e| bad("trade_in_rules.json", e))?;
    let slot_file: SlotFile =
        serde_json::from_str(SLOTS_FILE).map_err(|e| bad("recycling_slots.json", e))?;
    let offer_file: OfferFile =
        serde_json::from_str(OFFERS_FILE).map_err(|e| bad("trade_in_offers.json", e))?;

    let txn = db.begin().await?;
    for set in &rule_file.rule_sets {
        let body = serde_json::to_string(set).map_err(|e| bad("trade_in_rules.json", e))?;
        trade_in_rule_set::Entity::insert(trade_in_rule_set::ActiveModel {
            code: Set(set.code.clone()),
            kind: Set(set.body.kind().to_owned()),
            effective_from: Set(set.effective_from),
            effective_to: Set(set.effective_to),
            body: Set(body),
            created_at: Set(now),
        })
        .on_conflict_do_nothing_on([trade_in_rule_set::Column::Code])
        .exec_without_returning(&txn)
        .await?;
    }

    let districts = district::Entity::find()
        .filter(district::Column::ValidUntil.is_null())
        .all(&txn)
        .await?;
    let rows: Vec<recycling_slot::ActiveModel> = districts
        .iter()
        .flat_map(|d| {
            let capacities = slot_file
                .capacity_by_district
                .get(&d.code)
                .unwrap_or(&slot_file.default_capacity);
            slot_file
                .slots
                .iter()
                .map(move |s| recycling_slot::ActiveModel {
                    district_code: Set(d.code.clone()),
                    slot: Set(s.slot.clone()),
                    starts_at: Set(s.starts_at.clone()),
                    ends_at: Set(s.ends_at.clone()),
                    capacity: Set(capacities.get(&s.slot).copied().unwrap_or(0)),
                })
        })
        .collect();
    if !rows.is_empty() {
        recycling_slot::Entity::insert_many(rows)
            .on_conflict_do_nothing_on([
                recycling_slot::Column::DistrictCode,
                recycling_slot::Column::Slot,
            ])
            .exec_without_returning(&txn)
            .await?;
    }

    for o in &offer_file.offers {
        let Some(shop) = shop::Entity::find_by_id(o.shop_id).one(&txn).await? else {
            return Err(bad(
                "trade_in_offers.json",
                format!("unknown shop {}", o.shop_id),
            ));
        };
        let Some(seller) = merchant::Entity::find_by_id(shop.merchant_id)
            .one(&txn)
            .await?
        else {
            return Err(bad(
                "trade_in_offers.json",
                format!("shop {} has no merchant", o.shop_id),
            ));
        };
        let offer = trade_in_offer::Model {
            id: o.id,
            merchant_id: shop.merchant_id,
            shop_id: shop.id,
            shop_name: shop.name,
            district_code: shop.district_code,
            lat: shop.lat,
            lng: shop.lng,
            category: o.category.clone(),
            brand: o.brand.clone(),
            model: o.model.clone(),
            price_fen: o.price_fen,
            old_unit_bonus_fen: o.old_unit_bonus_fen,
            efficiency_grade: o.efficiency_grade,
            starts_at: now - Duration::days(1),
            ends_at: now + Duration::days(o.days),
            status: OfferStatus::Active,
            created_by: seller.applicant_id,
            created_at: now,
            updated_at: now,
        };
        trade_in_offer::Entity::insert(offer.into_active_model())
            .on_conflict_do_nothing_on([trade_in_offer::Column::Id])
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}
