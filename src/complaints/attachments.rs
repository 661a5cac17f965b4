//! Evidence photos: JPEG or PNG, recognised by their first bytes (not by
//! what the client claims), at most 5 MB each and 9 per case, stripped of
//! their metadata, stored once per content hash. Handlers and the
//! complainant see every photo; the respondent's staff and admins only
//! those the complainant shared. A download by anyone but the complainant
//! is an audited read of personal data.

use std::path::{Path, PathBuf};

use entity::complaint_attachment;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Complaints;
use super::access::{Relation, relation, visible_case};
use super::photo_metadata;
use crate::audit;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

pub const MAX_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_PER_CASE: u64 = 9;

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// The complainant lets the respondent's staff see it.
    pub shared_with_merchant: bool,
    /// Where to fetch it (with the same Authorization).
    pub url: String,
}

impl AttachmentView {
    pub fn new(a: complaint_attachment::Model) -> Self {
        Self {
            url: format!("/api/v1/complaints/{}/attachments/{}", a.complaint_id, a.id),
            id: a.id,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            shared_with_merchant: a.shared_with_merchant,
        }
    }
}

/// The image type of these bytes, by their signature.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

fn stored_path(dir: &Path, sha: &str) -> PathBuf {
    dir.join(&sha[..2]).join(sha)
}

/// Whether someone in `relation` to the case sees this photo.
fn sees(relation: Relation, a: &complaint_attachment::Model) -> bool {
    match relation {
        Relation::Handler | Relation::Complainant => true,
        Relation::RespondentStaff | Relation::Admin => a.shared_with_merchant,
    }
}

pub(super) async fn list(
    svc: &Complaints,
    complaint_id: Uuid,
    relation: Relation,
) -> AppResult<Vec<AttachmentView>> {
    Ok(complaint_attachment::Entity::find()
        .filter(complaint_attachment::Column::ComplaintId.eq(complaint_id))
        .order_by_asc(complaint_attachment::Column::Id)
        .all(&svc.db)
        .await?
        .into_iter()
        .filter(|a| sees(relation, a))
        .map(AttachmentView::new)
        .collect())
}

pub async fn upload(
    svc: &Complaints,
    caller: &Principal,
    complaint_id: Uuid,
    bytes: &[u8],
    shared_with_merchant: bool,
) -> AppResult<AttachmentView> {
    // 404 for no case, 403 for a case the caller may not see.
    let case = visible_case(svc, caller, complaint_id).await?;
    if case.complainant_id != caller.user_id && !caller.handles_district(&case.district_code) {
        return Err(AppError::forbidden("只有投诉人和处理人员可以上传证据"));
    }
    if bytes.is_empty() {
        return Err(AppError::invalid_field("file", "empty"));
    }
    let content_type =
        sniff(bytes).ok_or_else(|| AppError::invalid_field("file", "not_jpeg_or_png"))?;
    if shared_with_merchant && case.complainant_id != caller.user_id {
        return Err(AppError::invalid_field(
            "shared_with_merchant",
            "only_the_complainant_shares",
        ));
    }
    // Hashed and stored without what the photo says about who took it.
    let cleaned = photo_metadata::strip(content_type, bytes)
        .map_err(|_| AppError::invalid_field("file", "unreadable_image"))?;
    let bytes = cleaned.as_slice();
    let count = complaint_attachment::Entity::find()
        .filter(complaint_attachment::Column::ComplaintId.eq(complaint_id))
        .count(&svc.db)
        .await?;
    if count >= MAX_PER_CASE {
        return Err(AppError::conflict(
            "too_many_attachments",
            "每件投诉最多上传 9 张照片",
        ));
    }
    let sha: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = stored_path(&svc.settings.upload_dir, &sha);
    if tokio::fs::metadata(&path).await.is_err() {
        let dir = path
            .parent()
            .ok_or_else(|| AppError::internal("upload path has no parent"))?;
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(AppError::internal)?;
        // Written aside and renamed, so a reader never sees half a file.
        let partial = dir.join(format!("{sha}.{}.part", Uuid::new_v4().simple()));
        tokio::fs::write(&partial, bytes)
            .await
            .map_err(AppError::internal)?;
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(AppError::internal)?;
    }
    let row = complaint_attachment::ActiveModel {
        id: Set(Uuid::now_v7()),
        complaint_id: Set(complaint_id),
        sha256: Set(sha),
        content_type: Set(content_type.to_owned()),
        size_bytes: Set(bytes.len() as i64),
        uploader_id: Set(caller.user_id),
        created_at: Set(svc.clock.now()),
        shared_with_merchant: Set(shared_with_merchant),
    }
    .insert(&svc.db)
    .await?;
    Ok(AttachmentView::new(row))
}

/// The bytes and type of an attachment, for someone who may see it.
pub async fn fetch(
    svc: &Complaints,
    caller: &Principal,
    complaint_id: Uuid,
    id: Uuid,
) -> AppResult<(String, Vec<u8>)> {
    let case = visible_case(svc, caller, complaint_id).await?;
    let relation = relation(caller, &case).ok_or_else(|| AppError::forbidden("无权查看该投诉"))?;
    let a = complaint_attachment::Entity::find_by_id(id)
        .filter(complaint_attachment::Column::ComplaintId.eq(complaint_id))
        .one(&svc.db)
        .await?
        .filter(|a| sees(relation, a))
        .ok_or_else(|| AppError::not_found("附件不存在"))?;
    if relation != Relation::Complainant {
        audit::record(
            &svc.db,
            svc.clock.now(),
            audit::Entry::read_of(
                caller.user_id,
                relation.role(),
                "complaint_attachment",
                a.id,
            ),
        )
        .await?;
    }
    let bytes = tokio::fs::read(stored_path(&svc.settings.upload_dir, &a.sha256))
        .await
        .map_err(AppError::internal)?;
    Ok((a.content_type, bytes))
}

/// The complainant shares a photo with the respondent's staff, or stops.
pub async fn set_sharing(
    svc: &Complaints,
    caller: &Principal,
    complaint_id: Uuid,
    id: Uuid,
    shared_with_merchant: bool,
) -> AppResult<AttachmentView> {
    let case = visible_case(svc, caller, complaint_id).await?;
    if case.complainant_id != caller.user_id {
        return Err(AppError::forbidden("只有投诉人可以设置照片是否向商家公开"));
    }
    let a = complaint_attachment::Entity::find_by_id(id)
        .filter(complaint_attachment::Column::ComplaintId.eq(complaint_id))
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("附件不存在"))?;
    let mut row = a.into_active_model();
    row.shared_with_merchant = Set(shared_with_merchant);
    Ok(AttachmentView::new(row.update(&svc.db).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_their_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\\x89PNG\\r\\n\\x1a\\n"), None);
        assert_eq!(
            sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some("image/png")
        );
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"<html>"), None);
    }
}
