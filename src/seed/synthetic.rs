//! Synthetic shops for benchmarks: `yuhui seed synthetic --shops 1000000`
//! spreads shops uniformly over a square of central Chongqing sized for
//! about 1,500 shops per km², all owned by one benchmark merchant. Running it
//! again replaces that merchant's shops, so the count is always exact.

use chrono::{DateTime, Utc};
use entity::{category, merchant, shop, user};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use super::SeedError;

pub const BENCH_MERCHANT_ID: Uuid = Uuid::from_u128(0x01936d4a_0000_7000_8000_0000000000ff);
const SHOPS_PER_KM2: f64 = 1_500.0;
/// 解放碑 area, GCJ-02: the square is centred here.
const CENTER: (f64, f64) = (29.5546, 106.5707);
const BATCH: usize = 1_000;

const HOURS: [&str; 6] = [
    r#"[{"days":[1,2,3,4,5,6,7],"open":"00:00","close":"24:00"}]"#,
    r#"[{"days":[1,2,3,4,5,6,7],"open":"09:00","close":"21:00"}]"#,
    r#"[{"days":[1,2,3,4,5,6,7],"open":"10:00","close":"22:00"}]"#,
    r#"[{"days":[1,2,3,4,5],"open":"08:30","close":"18:00"},{"days":[6,7],"open":"09:00","close":"17:00"}]"#,
    r#"[{"days":[1,2,3,4,5,6,7],"open":"17:00","close":"02:00"}]"#,
    r#"[{"days":[1,2,3,4,5,6,7],"open":"06:00","close":"10:30"}]"#,
];
const TAGS: [&str; 4] = [
    r#"[]"#,
    r#"["支持消费券"]"#,
    r#"["老字号"]"#,
    r#"["地铁站","支持消费券"]"#,
];

/// xorshift64*: reproducible data without a dependency.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
}

/// The square's half side in degrees of latitude and longitude.
pub fn half_extent(count: u64) -> (f64, f64) {
    let side_km = (count as f64 / SHOPS_PER_KM2).sqrt();
    let half_m = side_km * 1000.0 / 2.0;
    let lat = half_m / 111_195.0;
    let lng = half_m / (111_195.0 * CENTER.0.to_radians().cos());
    (lat, lng)
}

/// The demo merchant account, which applied for the benchmark merchants.
async fn demo_merchant_owner(db: &DatabaseConnection) -> Result<user::Model, SeedError> {
    user::Entity::find()
        .filter(user::Column::Openid.eq("demo-merchant"))
        .one(db)
        .await?
        .ok_or_else(|| SeedError::UnknownAccount("demo-merchant".into()))
}

pub async fn shops(
    db: &DatabaseConnection,
    count: u64,
    now: DateTime<Utc>,
) -> Result<(), SeedError> {
    let owner = demo_merchant_owner(db).await?;
    merchant::Entity::insert(merchant::ActiveModel {
        id: Set(BENCH_MERCHANT_ID),
        name: Set("基准测试连锁".into()),
        uscc: Set("91500103MA60YH9997".into()),
        district_code: Set("500103".into()),
        address: Set("渝中区民族路 1 号".into()),
        contact_phone: Set("023-03839999".into()),
        no_reason_return: Set(false),
        first_compensation: Set(false),
        odr: Set(false),
        status: Set(entity::status::MerchantStatus::Approved),
        reject_reason: Set(None),
        applicant_id: Set(owner.id),
        reviewed_by: Set(None),
        reviewed_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([merchant::Column::Id])
    .exec(db)
    .await?;
    shop::Entity::delete_many()
        .filter(shop::Column::MerchantId.eq(BENCH_MERCHANT_ID))
        .exec(db)
        .await?;

    let categories: Vec<String> = category::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect();
    let (half_lat, half_lng) = half_extent(count);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut written = 0u64;
    while written < count {
        let n = BATCH.min((count - written) as usize);
        let rows: Vec<shop::ActiveModel> = (0..n)
            .map(|i| {
                let category = rng.pick(&categories).clone();
                let lat = CENTER.0 + (rng.unit() * 2.0 - 1.0) * half_lat;
                let lng = CENTER.1 + (rng.unit() * 2.0 - 1.0) * half_lng;
                shop::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    merchant_id: Set(BENCH_MERCHANT_ID),
                    name: Set(format!("{category}-{:07}", written + i as u64)),
                    category_code: Set(category),
                    address: Set("渝中区".into()),
                    district_code: Set("500103".into()),
                    lat: Set(lat),
                    lng: Set(lng),
                    phone: Set(None),
                    opening_hours: Set((*rng.pick(&HOURS)).to_owned()),
                    exceptions: Set("[]".into()),
                    tags: Set((*rng.pick(&TAGS)).to_owned()),
                    status: Set(entity::status::ShopStatus::Active),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
            })
            .collect();
        let txn = db.begin().await?;
        shop::Entity::insert_many(rows).exec(&txn).await?;
        txn.commit().await?;
        written += n as u64;
        if written.is_multiple_of(100_000) || written == count {
            tracing::info!(written, count, "synthetic shops");
        }
    }
    refresh_statistics(db).await
}

/// After a bulk load the planner's statistics are stale (PostgreSQL's
/// autovacuum catches up later, SQLite never on its own): refresh them so
/// queries pick their indexes right away.
pub async fn refresh_statistics(db: &DatabaseConnection) -> Result<(), SeedError> {
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}

/// Every state a synthetic complaint may be in, some twice as often.
const COMPLAINT_STATUSES: [crate::complaints::rules::Status; 8] = {
    use crate::complaints::rules::Status;
    [
        Status::Submitted,
        Status::Submitted,
        Status::Accepted,
        Status::Accepted,
        Status::Closed,
        Status::Rejected,
        Status::Withdrawn,
        Status::MerchantWindow,
    ]
};

/// One synthetic complaint number `k` by `resident` against `merchant_id`,
/// received on `received`, with a deadline `due`.
#[allow(clippy::too_many_arguments)]
fn synthetic_complaint(
    rng: &mut Rng,
    k: u64,
    resident: Uuid,
    merchant_id: Uuid,
    district: &str,
    received: chrono::NaiveDate,
    today: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> entity::complaint::ActiveModel {
    use crate::complaints::rules::{NO_DEADLINE, Status, StatusRules};
    let status = *rng.pick(&COMPLAINT_STATUSES);
    let offset = (rng.next_u64() % 120) as i64 - 60;
    let due = today + chrono::Duration::days(offset);
    let closed = status == Status::Closed;
    // Closed cases: mediated or failed, some with compensation.
    let mediated = closed && rng.unit() < 0.7;
    entity::complaint::ActiveModel {
        id: Set(Uuid::now_v7()),
        number: Set(format!("YB{}{:08}", today.format("%Y%m%d"), k)),
        complainant_id: Set(resident),
        shop_id: Set(None),
        merchant_id: Set(Some(merchant_id)),
        respondent_name: Set("基准测试商户".into()),
        respondent_address: Set("重庆市".into()),
        district_code: Set(district.into()),
        category_code: Set(["service", "goods_quality", "price"][(k % 3) as usize].into()),
        title: Set(format!("基准测试投诉 {k}")),
        facts: Set("基准测试数据：消费纠纷事实描述。".into()),
        demand: Set("退款".into()),
        amount_fen: Set(1000),
        occurred_on: Set(received),
        contact_name: Set("测试".into()),
        contact_phone: Set("02300000000".into()),
        contact_address: Set(None),
        publish_consent: Set(false),
        status: Set(status),
        odr: Set(status == Status::MerchantWindow),
        received_on: Set(received),
        // Windows still open: a lapsed one would have been moved on by the worker.
        odr_window_until: Set((status == Status::MerchantWindow)
            .then(|| today + chrono::Duration::days((k % 10) as i64))),
        decide_by: Set(due),
        decide_by_provisional: Set(false),
        accepted_on: Set((status == Status::Accepted || closed).then_some(received)),
        mediate_by: Set((status == Status::Accepted).then_some(due)),
        mediate_by_provisional: Set(false),
        paused_since: Set(None),
        due_on: Set(if status.is_final() { NO_DEADLINE } else { due }),
        deadline_warned_for: Set(None),
        assignee_id: Set(None),
        outcome: Set(closed.then_some(if mediated {
            entity::status::ComplaintOutcome::Mediated
        } else {
            entity::status::ComplaintOutcome::Failed
        })),
        compensation_fen: Set(mediated.then_some(1000)),
        reject_reason: Set(None),
        merchant_response: Set(None),
        merchant_proposal: Set(None),
        settled_directly: Set(false),
        closed_at: Set(closed.then_some(now)),
        rating_score: Set(None),
        rating_comment: Set(None),
        duplicate_of: Set(None),
        mediate_rule: Set(
            (status == Status::Accepted || closed).then_some(entity::status::MediateRule::Order121)
        ),
        odr_escalated_on: Set(None),
        transferred_on: Set(None),
        deadlines_reckoned_at: Set(Some(now)),
        termination_reason: Set(None),
        termination_notice_by: Set(None),
        termination_notified_at: Set(None),
        complainant_account_closed: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Writes `count` complaints in batches; `row(rng, k)` makes number `k`.
async fn write_complaints(
    db: &DatabaseConnection,
    count: u64,
    mut row: impl FnMut(&mut Rng, u64) -> entity::complaint::ActiveModel,
) -> Result<(), SeedError> {
    let mut rng = Rng(0x5eed_c0de_1234_5678);
    let mut written = 0u64;
    // 44 columns a row: 500 rows stay under SQLite's 32,766 bound parameters.
    while written < count {
        let n = (BATCH / 2).min((count - written) as usize);
        let rows: Vec<_> = (0..n).map(|i| row(&mut rng, written + i as u64)).collect();
        let txn = db.begin().await?;
        entity::complaint::Entity::insert_many(rows)
            .exec(&txn)
            .await?;
        txn.commit().await?;
        written += n as u64;
    }
    Ok(())
}

async fn bench_resident(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Uuid, SeedError> {
    let resident = crate::auth::service::find_or_create_user(db, "bench-resident", None, now)
        .await
        .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    entity::complaint::Entity::delete_many()
        .filter(entity::complaint::Column::ComplainantId.eq(resident.id))
        .exec(db)
        .await?;
    Ok(resident.id)
}

/// `yuhui seed synthetic --complaints N`: N complaints by one benchmark
/// resident against the demo merchants in 渝中区 and 沙坪坝区, in every state,
/// with deadlines spread over two months either side of today.
pub async fn complaints(
    db: &DatabaseConnection,
    count: u64,
    now: DateTime<Utc>,
) -> Result<(), SeedError> {
    let resident = bench_resident(db, now).await?;
    let today = now.with_timezone(&crate::clock::SHANGHAI).date_naive();
    write_complaints(db, count, |rng, k| {
        let (merchant, district) = if rng.unit() < 0.6 {
            (1u128, "500103")
        } else {
            (4u128, "500106")
        };
        let received = today - chrono::Duration::days((rng.next_u64() % 90) as i64);
        let merchant_id = Uuid::from_u128(0x01936d4a_0000_7000_8000_000000000000 + merchant);
        synthetic_complaint(
            rng,
            k,
            resident,
            merchant_id,
            district,
            received,
            today,
            now,
        )
    })
    .await?;
    refresh_statistics(db).await
}

/// First id of the synthetic merchants (`--merchants N`).
const SYNTHETIC_MERCHANTS: u128 = 0x01936d4a_0000_7000_8009_000000000000;

/// `yuhui seed synthetic --merchants N`: N approved merchants (replacing
/// the synthetic ones of an earlier run) and a year of complaints against
/// them, three per merchant on average, for the credit recompute benchmark.
pub async fn merchants(
    db: &DatabaseConnection,
    count: u64,
    now: DateTime<Utc>,
) -> Result<(), SeedError> {
    let owner = demo_merchant_owner(db).await?;
    let resident = bench_resident(db, now).await?;
    let first = Uuid::from_u128(SYNTHETIC_MERCHANTS);
    let last = Uuid::from_u128(SYNTHETIC_MERCHANTS + u128::from(u32::MAX));
    merchant::Entity::delete_many()
        .filter(merchant::Column::Id.between(first, last))
        .exec(db)
        .await?;
    let mut rng = Rng(0x6d65_7263_6861_6e74);
    let mut written = 0u64;
    while written < count {
        let n = BATCH.min((count - written) as usize);
        let rows: Vec<merchant::ActiveModel> = (0..n as u64)
            .map(|i| {
                let k = written + i;
                let months = (rng.next_u64() % 36) as i64;
                merchant::ActiveModel {
                    id: Set(Uuid::from_u128(SYNTHETIC_MERCHANTS + u128::from(k))),
                    name: Set(format!("基准测试商户 {k}")),
                    uscc: Set(format!("9150SYN{k:011}")),
                    district_code: Set("500103".into()),
                    address: Set("渝中区".into()),
                    contact_phone: Set("023-03830000".into()),
                    no_reason_return: Set(rng.unit() < 0.5),
                    first_compensation: Set(rng.unit() < 0.3),
                    odr: Set(rng.unit() < 0.2),
                    status: Set(entity::status::MerchantStatus::Approved),
                    reject_reason: Set(None),
                    applicant_id: Set(owner.id),
                    reviewed_by: Set(None),
                    reviewed_at: Set(Some(now - chrono::Duration::days(months * 30))),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
            })
            .collect();
        let txn = db.begin().await?;
        merchant::Entity::insert_many(rows).exec(&txn).await?;
        txn.commit().await?;
        written += n as u64;
    }
    let today = now.with_timezone(&crate::clock::SHANGHAI).date_naive();
    write_complaints(db, count.saturating_mul(3), |rng, k| {
        let m = rng.next_u64() % count.max(1);
        let merchant_id = Uuid::from_u128(SYNTHETIC_MERCHANTS + u128::from(m));
        let received = today - chrono::Duration::days((rng.next_u64() % 365) as i64);
        synthetic_complaint(
            rng,
            k,
            resident,
            merchant_id,
            "500103",
            received,
            today,
            now,
        )
    })
    .await?;
    refresh_statistics(db).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_million_shops_cover_about_667_square_kilometres() {
        let (lat, lng) = half_extent(1_000_000);
        let side_ns_km = 2.0 * lat * 111.195;
        let side_ew_km = 2.0 * lng * 111.195 * CENTER.0.to_radians().cos();
        let area = side_ns_km * side_ew_km;
        assert!((area - 666.7).abs() < 1.0, "{area}");
    }
}
