//! Demo voucher campaigns (`seeds/voucher_campaigns.json`), placed in time
//! relative to the day they load so one is open on any fresh database, and
//! one unused voucher for `demo-resident` in it to try at the till.

use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};
use entity::{user, voucher, voucher_campaign, voucher_round};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, TransactionTrait,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::clock::SHANGHAI;
use crate::vouchers::rules;

pub const FILE: &str = include_str!("../../seeds/voucher_campaigns.json");

#[derive(Deserialize)]
pub struct CampaignFile {
    pub campaigns: Vec<CampaignSeed>,
}

fn rolls_over() -> bool {
    true
}

#[derive(Deserialize)]
pub struct CampaignSeed {
    pub id: Uuid,
    pub name: String,
    pub categories: Vec<String>,
    pub district_codes: Vec<String>,
    pub face_value_fen: i64,
    pub threshold_fen: i64,
    pub per_user_limit: i32,
    pub valid_days: i32,
    pub return_expired: bool,
    /// Default true, as for campaigns created through the API.
    #[serde(default = "rolls_over")]
    pub roll_over_leftovers: bool,
    pub starts: When,
    pub ends: When,
    pub rounds: Vec<RoundSeed>,
}

#[derive(Deserialize)]
pub struct When {
    pub day: i64,
    pub time: NaiveTime,
}

#[derive(Deserialize)]
pub struct RoundSeed {
    #[serde(flatten)]
    pub at: When,
    pub quantity: i64,
}

impl When {
    pub fn resolve(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = now.with_timezone(&SHANGHAI).date_naive();
        let day = if self.day >= 0 {
            today.checked_add_days(Days::new(self.day.unsigned_abs()))
        } else {
            today.checked_sub_days(Days::new(self.day.unsigned_abs()))
        }
        .unwrap_or(today);
        SHANGHAI
            .from_local_datetime(&day.and_time(self.time))
            .single()
            .map_or(now, |t| t.with_timezone(&Utc))
    }
}

impl CampaignSeed {
    pub fn shape(&self, now: DateTime<Utc>) -> rules::CampaignShape {
        let rounds: Vec<_> = self
            .rounds
            .iter()
            .map(|r| (r.at.resolve(now), r.quantity))
            .collect();
        rules::CampaignShape {
            face_value_fen: self.face_value_fen,
            threshold_fen: self.threshold_fen,
            total_quantity: rounds.iter().map(|r| r.1).sum(),
            per_user_limit: self.per_user_limit,
            valid_days: self.valid_days,
            starts_at: self.starts.resolve(now),
            ends_at: self.ends.resolve(now),
            rounds,
        }
    }
}

pub async fn load(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), DbErr> {
    let file: CampaignFile = serde_json::from_str(FILE)
        .map_err(|e| DbErr::Custom(format!("voucher_campaigns.json: {e}")))?;
    let resident = user::Entity::find()
        .filter(user::Column::Openid.eq("demo-resident"))
        .one(db)
        .await?;
    let txn = db.begin().await?;
    for seed in file.campaigns {
        if voucher_campaign::Entity::find_by_id(seed.id)
            .one(&txn)
            .await?
            .is_some()
        {
            continue;
        }
        let shape = seed.shape(now);
        voucher_campaign::Entity::insert(voucher_campaign::ActiveModel {
            id: Set(seed.id),
            name: Set(seed.name.clone()),
            categories: Set(serde_json::json!(seed.categories).to_string()),
            district_codes: Set(serde_json::json!(seed.district_codes).to_string()),
            face_value_fen: Set(seed.face_value_fen),
            threshold_fen: Set(seed.threshold_fen),
            total_quantity: Set(shape.total_quantity),
            per_user_limit: Set(seed.per_user_limit),
            valid_days: Set(seed.valid_days),
            return_expired: Set(seed.return_expired),
            roll_over_leftovers: Set(seed.roll_over_leftovers),
            starts_at: Set(shape.starts_at),
            ends_at: Set(shape.ends_at),
            created_by: Set(resident.as_ref().map_or(Uuid::nil(), |u| u.id)),
            created_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        let opens: Vec<_> = shape.rounds.iter().map(|r| r.0).collect();
        let windows = rules::round_windows(&opens, shape.ends_at);
        let mut open_round = None;
        for (i, ((opens_at, closes_at), (_, quantity))) in
            windows.iter().zip(&shape.rounds).enumerate()
        {
            let id = Uuid::from_u128(seed.id.as_u128() + ((i as u128 + 1) << 16));
            if *opens_at <= now && now < *closes_at {
                open_round = Some(id);
            }
            voucher_round::Entity::insert(voucher_round::ActiveModel {
                id: Set(id),
                campaign_id: Set(seed.id),
                seq: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
                opens_at: Set(*opens_at),
                closes_at: Set(*closes_at),
                quantity: Set(*quantity),
                returned: Set(0),
                claimed: Set(i64::from(open_round == Some(id) && resident.is_some())),
                last_grant: Set(0),
                carried_in: Set(0),
                carried_out: Set(0),
                closed_out: Set(false),
            })
            .exec_without_returning(&txn)
            .await?;
        }
        if let (Some(round), Some(resident)) = (open_round, &resident) {
            voucher::Model {
                id: Uuid::now_v7(),
                code: rules::new_code(),
                campaign_id: seed.id,
                round_id: round,
                user_id: resident.id,
                slot: 1,
                status: entity::status::VoucherStatus::Unused,
                claimed_at: now,
                expires_at: rules::expires_at(now, seed.valid_days),
                used_at: None,
                returned_to_round: None,
                claim_key: None,
            }
            .into_active_model()
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await
}
