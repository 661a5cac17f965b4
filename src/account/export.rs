//! `GET /me/export`: one JSON document of everything held about the caller.
//! Internal handler notes on their complaints are the bureau's working
//! papers and stay out; everything else about the caller is in.

use entity::{
    audit_event, complaint, complaint_attachment, complaint_event, merchant, recycling_pickup,
    trade_in_application, user, voucher, voucher_redemption,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;
use uuid::Uuid;

use super::dto::ExportDocument;
use crate::audit;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::state::Core;

pub async fn export(core: &Core, caller: &Principal) -> AppResult<ExportDocument> {
    let me = caller.user_id;
    let db = &core.db;
    let user = user::Entity::find_by_id(me)
        .into_json()
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("用户不存在"))?;
    let (complaints, case_ids) = case_files(db, me).await?;
    let voucher_ids: Vec<Uuid> = voucher::Entity::find()
        .select_only()
        .column(voucher::Column::Id)
        .filter(voucher::Column::UserId.eq(me))
        .into_tuple()
        .all(db)
        .await?;
    let document = ExportDocument {
        exported_at: core.clock.now(),
        user,
        roles: caller.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        handler_districts: caller.handler_districts.clone(),
        merchant_ids: caller.merchant_ids.clone(),
        merchant_applications: merchant::Entity::find()
            .filter(merchant::Column::ApplicantId.eq(me))
            .order_by_asc(merchant::Column::Id)
            .into_json()
            .all(db)
            .await?,
        complaints,
        vouchers: voucher::Entity::find()
            .filter(voucher::Column::UserId.eq(me))
            .order_by_asc(voucher::Column::Id)
            .into_json()
            .all(db)
            .await?,
        voucher_redemptions: voucher_redemption::Entity::find()
            .filter(voucher_redemption::Column::VoucherId.is_in(voucher_ids))
            .order_by_asc(voucher_redemption::Column::Id)
            .into_json()
            .all(db)
            .await?,
        trade_in_applications: trade_in_application::Entity::find()
            .filter(trade_in_application::Column::UserId.eq(me))
            .order_by_asc(trade_in_application::Column::Id)
            .into_json()
            .all(db)
            .await?,
        recycling_pickups: recycling_pickup::Entity::find()
            .filter(recycling_pickup::Column::UserId.eq(me))
            .order_by_asc(recycling_pickup::Column::Id)
            .into_json()
            .all(db)
            .await?,
        reads_of_your_data: reads_of(db, case_ids).await?,
    };
    // The export is itself a read of unmasked personal data.
    audit::record(
        db,
        core.clock.now(),
        audit::Entry::read_of(me, "resident", "user", me),
    )
    .await?;
    Ok(document)
}

/// The caller's complaints, each with the timeline they see and its photos.
async fn case_files(db: &impl ConnectionTrait, me: Uuid) -> AppResult<(Vec<Value>, Vec<Uuid>)> {
    let cases = complaint::Entity::find()
        .filter(complaint::Column::ComplainantId.eq(me))
        .order_by_asc(complaint::Column::Id)
        .into_json()
        .all(db)
        .await?;
    let mut files = Vec::with_capacity(cases.len());
    let mut ids = Vec::with_capacity(cases.len());
    for mut case in cases {
        let id = case_id(&case)?;
        case["events"] = Value::Array(
            complaint_event::Entity::find()
                .filter(complaint_event::Column::ComplaintId.eq(id))
                .filter(complaint_event::Column::Internal.eq(false))
                .order_by_asc(complaint_event::Column::Id)
                .into_json()
                .all(db)
                .await?,
        );
        case["attachments"] = Value::Array(
            complaint_attachment::Entity::find()
                .filter(complaint_attachment::Column::ComplaintId.eq(id))
                .order_by_asc(complaint_attachment::Column::Id)
                .into_json()
                .all(db)
                .await?,
        );
        files.push(case);
        ids.push(id);
    }
    Ok((files, ids))
}

/// Who, by role, read the caller's cases unmasked, and when.
async fn reads_of(db: &impl ConnectionTrait, case_ids: Vec<Uuid>) -> AppResult<Vec<Value>> {
    Ok(audit_event::Entity::find()
        .select_only()
        .columns([
            audit_event::Column::At,
            audit_event::Column::ActorRole,
            audit_event::Column::Action,
            audit_event::Column::ObjectType,
            audit_event::Column::ObjectId,
        ])
        .filter(audit_event::Column::Action.eq(audit::VIEW_PERSONAL_DATA))
        .filter(audit_event::Column::ObjectId.is_in(case_ids))
        .order_by_asc(audit_event::Column::Id)
        .into_json()
        .all(db)
        .await?)
}

fn case_id(case: &Value) -> AppResult<Uuid> {
    case["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| AppError::internal("a complaint row without an id"))
}
