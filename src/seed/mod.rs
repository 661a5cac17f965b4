//! Loads the reference and demo data in `seeds/` (compiled into the binary,
//! so the release build needs no files beside it). Idempotent: every row is
//! keyed by a natural or fixed id and inserted with ON CONFLICT DO NOTHING,
//! so running it again adds only what is missing. Never run from migrations.

use chrono::{DateTime, NaiveDate, Utc};
use entity::status::{MerchantStatus, ShopStatus};
use entity::{
    category, complaint_category, district, handler_district, merchant, merchant_staff, shop, user,
    user_role,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, TransactionTrait,
};
use serde::Deserialize;
use uuid::Uuid;

mod demo_complaints;
pub mod demo_tourism;
pub mod demo_tradein;
mod demo_vouchers;
#[cfg(test)]
mod dry_land_tests;
pub mod festival_dates;
pub mod synthetic;

const DISTRICTS: &str = include_str!("../../seeds/districts.json");
const ACCOUNTS: &str = include_str!("../../seeds/accounts.json");
const MERCHANTS: &str = include_str!("../../seeds/merchants.json");
const CATEGORIES: &str = include_str!("../../seeds/categories.json");
const SHOPS: &str = include_str!("../../seeds/shops.json");
const HOLIDAYS: &str = include_str!("../../seeds/holidays.json");
const COMPLAINT_CATEGORIES: &str = include_str!("../../seeds/complaint_categories.json");
/// The rivers through the core, for checking the demo data (and, later,
/// walking across them by the bridges).
pub const RIVERS_FILE: &str = include_str!("../../seeds/rivers.json");

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("seed file {file} is malformed: {source}")]
    Parse {
        file: &'static str,
        source: serde_json::Error,
    },
    #[error("seed data refers to unknown account `{0}`")]
    UnknownAccount(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(Deserialize)]
struct DistrictFile {
    districts: Vec<DistrictSeed>,
}

#[derive(Deserialize)]
struct DistrictSeed {
    code: String,
    name: String,
    kind: String,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
}

#[derive(Deserialize)]
struct AccountFile {
    accounts: Vec<AccountSeed>,
}

#[derive(Deserialize)]
struct AccountSeed {
    openid: String,
    nickname: String,
    phone: Option<String>,
    roles: Vec<String>,
    handler_districts: Vec<String>,
}

#[derive(Deserialize)]
struct CategoryFile {
    categories: Vec<CategorySeed>,
}

#[derive(Deserialize)]
struct CategorySeed {
    code: String,
    name: String,
    tier: String,
    sort_order: i32,
}

#[derive(Deserialize)]
struct ShopFile {
    coord: crate::geo::CoordSystem,
    shops: Vec<ShopSeed>,
}

#[derive(Deserialize)]
struct ShopSeed {
    id: Uuid,
    merchant_id: Uuid,
    name: String,
    category: String,
    address: String,
    district_code: String,
    lat: f64,
    lng: f64,
    phone: Option<String>,
    opening_hours: serde_json::Value,
    exceptions: serde_json::Value,
    tags: Vec<String>,
}

#[derive(Deserialize)]
struct HolidayFile {
    years: Vec<crate::calendar::YearTable>,
}

#[derive(Deserialize)]
struct ComplaintCategoryFile {
    categories: Vec<ComplaintCategorySeed>,
}

#[derive(Deserialize)]
struct ComplaintCategorySeed {
    code: String,
    name: String,
    sort_order: i32,
}

#[derive(Deserialize)]
struct MerchantFile {
    merchants: Vec<MerchantSeed>,
}

#[derive(Deserialize)]
struct MerchantSeed {
    id: Uuid,
    name: String,
    uscc: String,
    district_code: String,
    address: String,
    contact_phone: String,
    commitments: crate::merchants::dto::Commitments,
    status: MerchantStatus,
    applicant: String,
    staff: Vec<String>,
}

fn parse<T: for<'de> Deserialize<'de>>(file: &'static str, text: &str) -> Result<T, SeedError> {
    serde_json::from_str(text).map_err(|source| SeedError::Parse { file, source })
}

/// Seeds a database that has no districts yet; returns whether it did.
pub async fn load_if_empty(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<bool, SeedError> {
    if district::Entity::find().count(db).await? > 0 {
        // A database seeded before trade-in and tourism existed gets their data.
        let mut added = false;
        if entity::trade_in_rule_set::Entity::find().count(db).await? == 0 {
            demo_tradein::load(db, now).await?;
            added = true;
        }
        if entity::tourism_route::Entity::find().count(db).await? == 0 {
            demo_tourism::load(db, now).await?;
            added = true;
        }
        if entity::credit_rule_set::Entity::find().count(db).await? == 0 {
            load_credit_rules(db, now).await?;
            added = true;
        }
        return Ok(added);
    }
    load(db, now).await?;
    Ok(true)
}

pub async fn load(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), SeedError> {
    let txn = db.begin().await?;
    load_districts(&txn).await?;
    load_accounts(&txn, now).await?;
    load_merchants(&txn, now).await?;
    load_categories(&txn).await?;
    load_shops(&txn, now).await?;
    load_complaint_categories(&txn).await?;
    txn.commit().await?;
    load_calendars(db, now).await?;
    demo_complaints::load(db, now).await?;
    demo_vouchers::load(db, now).await?;
    demo_tradein::load(db, now).await?;
    demo_tourism::load(db, now).await?;
    load_credit_rules(db, now).await?;
    Ok(())
}

/// The 山城有信 scoring rules, stored like the trade-in rule sets.
async fn load_credit_rules(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), SeedError> {
    let sets = crate::credit::rules::seed_rule_sets().map_err(|source| SeedError::Parse {
        file: "credit_rules.json",
        source,
    })?;
    for set in sets {
        let body = serde_json::to_string(&set).map_err(|source| SeedError::Parse {
            file: "credit_rules.json",
            source,
        })?;
        entity::credit_rule_set::Entity::insert(entity::credit_rule_set::ActiveModel {
            code: Set(set.code.clone()),
            effective_from: Set(set.effective_from),
            body: Set(body),
            created_at: Set(now),
        })
        .on_conflict_do_nothing_on([entity::credit_rule_set::Column::Code])
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Chongqing's divisions.
async fn load_districts(txn: &impl ConnectionTrait) -> Result<(), SeedError> {
    let districts: DistrictFile = parse("districts.json", DISTRICTS)?;
    district::Entity::insert_many(
        districts
            .districts
            .into_iter()
            .map(|d| district::ActiveModel {
                code: Set(d.code),
                name: Set(d.name),
                kind: Set(d.kind),
                valid_from: Set(d.valid_from),
                valid_until: Set(d.valid_until),
            }),
    )
    .on_conflict_do_nothing_on([district::Column::Code])
    .exec(txn)
    .await?;
    Ok(())
}

/// The demo accounts with their roles and handler districts.
async fn load_accounts(txn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), SeedError> {
    let accounts: AccountFile = parse("accounts.json", ACCOUNTS)?;
    for account in &accounts.accounts {
        let user = crate::auth::service::find_or_create_user(txn, &account.openid, None, now)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        if user.phone.is_none() && account.phone.is_some() {
            user::Entity::update_many()
                .col_expr(
                    user::Column::Phone,
                    sea_orm::sea_query::Expr::value(account.phone.clone()),
                )
                .col_expr(
                    user::Column::Nickname,
                    sea_orm::sea_query::Expr::value(account.nickname.clone()),
                )
                .filter(user::Column::Id.eq(user.id))
                .exec(txn)
                .await?;
        }
        for role in &account.roles {
            user_role::Entity::insert(user_role::ActiveModel {
                user_id: Set(user.id),
                role: Set(role.clone()),
                granted_at: Set(now),
                granted_by: Set(None),
            })
            .on_conflict_do_nothing_on([user_role::Column::UserId, user_role::Column::Role])
            .exec(txn)
            .await?;
        }
        for code in &account.handler_districts {
            handler_district::Entity::insert(handler_district::ActiveModel {
                user_id: Set(user.id),
                district_code: Set(code.clone()),
            })
            .on_conflict_do_nothing_on([
                handler_district::Column::UserId,
                handler_district::Column::DistrictCode,
            ])
            .exec(txn)
            .await?;
        }
    }
    Ok(())
}

/// The demo merchants and their staff.
async fn load_merchants(txn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), SeedError> {
    let merchants: MerchantFile = parse("merchants.json", MERCHANTS)?;
    for m in merchants.merchants {
        let applicant = user_id_by_openid(txn, &m.applicant).await?;
        let approved = m.status == MerchantStatus::Approved;
        merchant::Entity::insert(merchant::ActiveModel {
            id: Set(m.id),
            name: Set(m.name),
            uscc: Set(m.uscc),
            district_code: Set(m.district_code),
            address: Set(m.address),
            contact_phone: Set(m.contact_phone),
            no_reason_return: Set(m.commitments.no_reason_return),
            first_compensation: Set(m.commitments.first_compensation),
            odr: Set(m.commitments.odr),
            status: Set(m.status),
            reject_reason: Set(None),
            applicant_id: Set(applicant),
            reviewed_by: Set(None),
            reviewed_at: Set(approved.then_some(now)),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict_do_nothing_on([merchant::Column::Id])
        .exec(txn)
        .await?;
        for openid in &m.staff {
            let staff = user_id_by_openid(txn, openid).await?;
            merchant_staff::Entity::insert(merchant_staff::ActiveModel {
                merchant_id: Set(m.id),
                user_id: Set(staff),
                created_at: Set(now),
            })
            .on_conflict_do_nothing_on([
                merchant_staff::Column::MerchantId,
                merchant_staff::Column::UserId,
            ])
            .exec(txn)
            .await?;
        }
    }
    Ok(())
}

/// Shop categories.
async fn load_categories(txn: &impl ConnectionTrait) -> Result<(), SeedError> {
    let categories: CategoryFile = parse("categories.json", CATEGORIES)?;
    category::Entity::insert_many(categories.categories.into_iter().map(|c| {
        category::ActiveModel {
            code: Set(c.code),
            name: Set(c.name),
            tier: Set(c.tier),
            sort_order: Set(c.sort_order),
        }
    }))
    .on_conflict_do_nothing_on([category::Column::Code])
    .exec(txn)
    .await?;
    Ok(())
}

/// The demo shops.
async fn load_shops(txn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), SeedError> {
    let shops: ShopFile = parse("shops.json", SHOPS)?;
    let coord = shops.coord;
    for chunk in shops.shops.chunks(100) {
        shop::Entity::insert_many(chunk.iter().map(|s| {
            let position = coord.to_stored(crate::geo::LatLng::new(s.lat, s.lng));
            shop::ActiveModel {
                id: Set(s.id),
                merchant_id: Set(s.merchant_id),
                name: Set(s.name.clone()),
                category_code: Set(s.category.clone()),
                address: Set(s.address.clone()),
                district_code: Set(s.district_code.clone()),
                lat: Set(position.lat),
                lng: Set(position.lng),
                phone: Set(s.phone.clone()),
                opening_hours: Set(s.opening_hours.to_string()),
                exceptions: Set(s.exceptions.to_string()),
                tags: Set(serde_json::Value::from(s.tags.clone()).to_string()),
                status: Set(ShopStatus::Active),
                created_at: Set(now),
                updated_at: Set(now),
            }
        }))
        .on_conflict_do_nothing_on([shop::Column::Id])
        .exec(txn)
        .await?;
    }
    Ok(())
}

/// Complaint categories.
async fn load_complaint_categories(txn: &impl ConnectionTrait) -> Result<(), SeedError> {
    let complaint_categories: ComplaintCategoryFile =
        parse("complaint_categories.json", COMPLAINT_CATEGORIES)?;
    complaint_category::Entity::insert_many(complaint_categories.categories.into_iter().map(|c| {
        complaint_category::ActiveModel {
            code: Set(c.code),
            name: Set(c.name),
            sort_order: Set(c.sort_order),
        }
    }))
    .on_conflict_do_nothing_on([complaint_category::Column::Code])
    .exec(txn)
    .await?;
    Ok(())
}

/// The official calendars, except years already loaded (perhaps from a
/// newer notice), which are kept.
async fn load_calendars(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), SeedError> {
    let holidays: HolidayFile = parse("holidays.json", HOLIDAYS)?;
    let loaded = crate::calendar::service::load(db)
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    for table in holidays.years {
        if !loaded.has_year(table.year) {
            crate::calendar::service::store(db, &table, now)
                .await
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
    }
    Ok(())
}

async fn user_id_by_openid(db: &impl ConnectionTrait, openid: &str) -> Result<Uuid, SeedError> {
    user::Entity::find()
        .filter(user::Column::Openid.eq(openid))
        .one(db)
        .await?
        .map(|u| u.id)
        .ok_or_else(|| SeedError::UnknownAccount(openid.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merchants::uscc;

    #[test]
    fn seed_files_parse_and_hold_what_the_api_promises() {
        let districts: DistrictFile = parse("districts.json", DISTRICTS).unwrap();
        let current = districts
            .districts
            .iter()
            .filter(|d| d.valid_until.is_none())
            .count();
        assert_eq!(
            current, 37,
            "Chongqing has 37 county-level divisions since 2025-11-06"
        );
        let accounts: AccountFile = parse("accounts.json", ACCOUNTS).unwrap();
        for openid in [
            "demo-resident",
            "demo-merchant",
            "demo-handler",
            "demo-admin",
        ] {
            assert!(
                accounts.accounts.iter().any(|a| a.openid == openid),
                "{openid}"
            );
        }
        let merchants: MerchantFile = parse("merchants.json", MERCHANTS).unwrap();
        for m in &merchants.merchants {
            assert!(uscc::is_valid(&m.uscc), "{} has a bad credit code", m.name);
            assert!(
                districts
                    .districts
                    .iter()
                    .any(|d| d.code == m.district_code)
            );
        }
    }

    #[test]
    fn demo_voucher_campaigns_are_valid_and_one_is_open() {
        let file: demo_vouchers::CampaignFile = serde_json::from_str(demo_vouchers::FILE).unwrap();
        let categories: CategoryFile = parse("categories.json", CATEGORIES).unwrap();
        let districts: DistrictFile = parse("districts.json", DISTRICTS).unwrap();
        let now = chrono::Utc::now();
        let mut open = 0;
        for c in &file.campaigns {
            let shape = c.shape(now);
            assert!(
                crate::vouchers::rules::check_shape(&shape).is_empty(),
                "{}",
                c.name
            );
            for code in &c.categories {
                assert!(
                    categories.categories.iter().any(|k| &k.code == code),
                    "{code}"
                );
            }
            for code in &c.district_codes {
                assert!(
                    districts
                        .districts
                        .iter()
                        .any(|d| &d.code == code && d.valid_until.is_none()),
                    "{code}"
                );
            }
            let opens: Vec<_> = shape.rounds.iter().map(|r| r.0).collect();
            let windows = crate::vouchers::rules::round_windows(&opens, shape.ends_at);
            if matches!(
                crate::vouchers::rules::round_at(&windows, now),
                crate::vouchers::rules::RoundState::Open(_)
            ) {
                open += 1;
            }
        }
        assert_eq!(open, 1);
    }
}
