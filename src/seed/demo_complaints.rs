//! A few dozen demo complaints against the demo merchants, in every state,
//! so the handler's queue and the disclosure page have something to show.
//! Written directly (with their timelines) rather than through the API, with
//! fixed ids so that loading twice adds nothing.

use chrono::{DateTime, Days, Utc};
use entity::{complaint, complaint_event, user};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};
use uuid::Uuid;

use crate::complaints::legal_clock::{CaseFacts, mediate_rule_for, reckon};
use crate::complaints::rules::{NO_DEADLINE, Outcome, Status};

const MERCHANTS: [(u128, &str, &str, bool); 5] = [
    (1, "解放碑老街小面馆", "500103", false),
    (2, "洪崖洞山城老火锅", "500103", true),
    (3, "较场口邻里便民超市", "500103", true),
    (4, "磁器口古镇陈记麻花", "500106", false),
    (5, "三峡广场山城书局", "500106", false),
];

const TITLES: [(&str, &str); 8] = [
    ("service", "火锅店结账时多收锅底费"),
    ("goods_quality", "购买的麻花有异味"),
    ("price", "小面标价与结算价格不一致"),
    ("food_safety", "菜品中发现异物"),
    ("after_sales", "超市拒绝退换临期商品"),
    ("false_advertising", "宣传的折扣未兑现"),
    ("prepaid_card", "会员卡余额无法退还"),
    ("contract", "预订包间被临时取消"),
];

fn merchant_id(n: u128) -> Uuid {
    Uuid::from_u128(0x01936d4a_0000_7000_8000_000000000000 + n)
}

pub async fn load(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), DbErr> {
    let Some(resident) = user::Entity::find()
        .filter(user::Column::Openid.eq("demo-resident"))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let handler = user::Entity::find()
        .filter(user::Column::Openid.eq("demo-handler"))
        .one(db)
        .await?;
    let calendar = crate::calendar::service::load(db)
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let today = now.with_timezone(&crate::clock::SHANGHAI).date_naive();
    let txn = db.begin().await?;
    for i in 0..32u32 {
        let (row, status) = demo_case(i, &resident, handler.as_ref(), &calendar, today, now);
        let id = Uuid::from_u128(DEMO_CASE_IDS + u128::from(i));
        let inserted = complaint::Entity::insert(row)
            .on_conflict_do_nothing_on([complaint::Column::Id])
            .exec(&txn)
            .await?;
        if matches!(inserted, sea_orm::TryInsertResult::Inserted(_)) {
            complaint_event::Entity::insert(complaint_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                complaint_id: Set(id),
                actor_id: Set(Some(resident.id)),
                actor_role: Set("resident".into()),
                kind: Set("filed".into()),
                from_status: Set(None),
                to_status: Set(Some(status)),
                note: Set(Some("演示数据".into())),
                internal: Set(false),
                created_at: Set(now),
            })
            .exec(&txn)
            .await?;
        }
    }
    txn.commit().await
}

/// The first demo case id; the others follow it.
const DEMO_CASE_IDS: u128 = 0x01936d4a_c000_7000_8000_000000000000;

/// Demo case `i`: a merchant, title and status in turn, received over the
/// last six weeks, with its deadlines on the calendar.
fn demo_case(
    i: u32,
    resident: &user::Model,
    handler: Option<&user::Model>,
    calendar: &crate::calendar::Calendar,
    today: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> (complaint::ActiveModel, Status) {
    let statuses = [
        Status::Submitted,
        Status::Submitted,
        Status::Accepted,
        Status::MerchantWindow,
        Status::Closed,
        Status::Accepted,
        Status::Rejected,
        Status::Withdrawn,
    ];
    let id = Uuid::from_u128(DEMO_CASE_IDS + u128::from(i));
    let (m, name, district, odr) = MERCHANTS[(i % 5) as usize];
    let (category, title) = TITLES[(i % 8) as usize];
    let mut status = statuses[(i % 8) as usize];
    if status == Status::MerchantWindow && !odr {
        status = Status::Submitted;
    }
    // Spread over the last six weeks; a few are already overdue.
    let received = today
        .checked_sub_days(Days::new(u64::from(i * 41 % 42)))
        .unwrap_or(today);
    let accepted_on = matches!(status, Status::Accepted | Status::Closed)
        .then(|| calendar.add_working_days(received, 2).date.min(today));
    // The same legal clock as a case filed through the API.
    let clock = reckon(
        calendar,
        &CaseFacts {
            received_on: received,
            odr,
            escalated_on: None,
            transferred_on: None,
            accepted: accepted_on.map(|a| (a, mediate_rule_for(a))),
            pauses: Vec::new(),
        },
    );
    let (window, decide, mediate) = (clock.window, clock.decide_by, clock.mediate_by);
    let due = match status {
        Status::Submitted | Status::MerchantWindow => decide.date,
        Status::Accepted => mediate.map(|m| m.date).unwrap_or(NO_DEADLINE),
        _ => NO_DEADLINE,
    };
    let closed = status == Status::Closed;
    let row = complaint::ActiveModel {
        id: Set(id),
        number: Set(format!("YH{}{:06}", received.format("%Y%m%d"), 900_000 + i)),
        complainant_id: Set(resident.id),
        shop_id: Set(None),
        merchant_id: Set(Some(merchant_id(m))),
        respondent_name: Set(name.to_owned()),
        respondent_address: Set("重庆市".to_owned()
            + if district == "500103" {
                "渝中区"
            } else {
                "沙坪坝区"
            }),
        district_code: Set(district.to_owned()),
        category_code: Set(category.to_owned()),
        title: Set(title.to_owned()),
        facts: Set(format!(
            "{received} 在{name}消费时遇到问题：{title}。已与店员沟通未果。"
        )),
        demand: Set("退还多收费用并道歉".to_owned()),
        amount_fen: Set(i64::from(2_000 + i * 350)),
        occurred_on: Set(received),
        contact_name: Set("李小渝".to_owned()),
        contact_phone: Set("02300230001".to_owned()),
        contact_address: Set(Some("重庆市渝中区民族路 1 号".to_owned())),
        publish_consent: Set(!i.is_multiple_of(3)),
        status: Set(status),
        odr: Set(odr),
        received_on: Set(received),
        odr_window_until: Set(window.map(|w| w.date)),
        decide_by: Set(decide.date),
        decide_by_provisional: Set(decide.provisional),
        accepted_on: Set(accepted_on),
        mediate_by: Set(mediate.map(|m| m.date)),
        mediate_by_provisional: Set(mediate.is_some_and(|m| m.provisional)),
        paused_since: Set(None),
        due_on: Set(due),
        deadline_warned_for: Set(None),
        assignee_id: Set(if i.is_multiple_of(4) {
            handler.map(|h| h.id)
        } else {
            None
        }),
        outcome: Set(closed.then_some(if i.is_multiple_of(2) {
            Outcome::Mediated
        } else {
            Outcome::Failed
        })),
        compensation_fen: Set(closed.then_some(1_000)),
        reject_reason: Set((status == Status::Rejected).then(|| "not_consumer_dispute".to_owned())),
        merchant_response: Set(None),
        merchant_proposal: Set(None),
        settled_directly: Set(false),
        closed_at: Set(closed.then_some(now)),
        rating_score: Set(None),
        rating_comment: Set(None),
        duplicate_of: Set(None),
        mediate_rule: Set(accepted_on.map(mediate_rule_for)),
        odr_escalated_on: Set(None),
        transferred_on: Set(None),
        deadlines_reckoned_at: Set(Some(now)),
        termination_reason: Set(None),
        termination_notice_by: Set(None),
        termination_notified_at: Set(None),
        complainant_account_closed: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    };
    (row, status)
}
