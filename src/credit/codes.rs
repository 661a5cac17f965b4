//! 一企一码: issuing a merchant's signed code (with its QR code) and
//! checking a scanned one.

use entity::merchant;
use entity::status::MerchantStatus;
use qrcode::QrCode;
use qrcode::render::svg;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::Credit;
use super::dto::CreditView;
use super::dto::{MerchantCode, Verification, VerifiedMerchant};
use super::profiles::profile_of;
use super::signing::{CodeClaims, Invalid};
use crate::error::{AppError, AppResult};
use std::sync::Arc;

/// The code on an approved merchant's door: its current grade, signed with
/// the newest key, valid for the configured days.
pub async fn issue(svc: &Credit, merchant_id: uuid::Uuid) -> AppResult<MerchantCode> {
    let m = merchant::Entity::find_by_id(merchant_id)
        .filter(merchant::Column::Status.eq(MerchantStatus::Approved))
        .one(&svc.db)
        .await?
        .ok_or_else(|| AppError::not_found("商户不存在"))?;
    let credit = profile_of(svc, &m).await?;
    let issued_at = svc.clock.now();
    let claims = CodeClaims {
        merchant_id: m.id,
        uscc: m.uscc.clone(),
        name: m.name.clone(),
        grade: credit.grade,
        score: credit.score,
        rules_version: credit.rules_version,
        issued_at,
        expires_at: issued_at + svc.code_validity,
        kid: String::new(),
    };
    let payload = svc.keys.sign(claims);
    let claims = svc.keys.verify(&payload, issued_at).map_err(|reason| {
        AppError::internal(format!("a fresh code does not verify: {reason:?}"))
    })?;
    let svg = QrCode::new(payload.as_bytes())
        .map_err(|e| AppError::internal(format!("QR code: {e}")))?
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    Ok(MerchantCode {
        expires_at: claims.expires_at,
        payload,
        svg,
        claims,
    })
}

/// A merchant as a scan shows it: `None` parts once it has left Yuhui.
pub struct ScannedMerchant {
    pub merchant: Option<VerifiedMerchant>,
    pub credit: Option<CreditView>,
}

fn invalid(reason: Invalid) -> Verification {
    Verification {
        valid: false,
        reason: Some(reason),
        claims: None,
        merchant: None,
        credit: None,
    }
}

/// Whether `payload` is a genuine, unexpired code; if so, who it names and
/// their profile now.
pub async fn verify(svc: &Credit, payload: &str) -> AppResult<Verification> {
    let now = svc.clock.now();
    let claims = match svc.genuine.get(payload).await {
        Some(claims) => claims,
        None => match svc.keys.verify(payload, now) {
            Ok(claims) => {
                let claims = Arc::new(claims);
                svc.genuine.insert(payload.to_owned(), claims.clone()).await;
                claims
            }
            Err(reason) => return Ok(invalid(reason)),
        },
    };
    if let Err(reason) = svc.keys.in_date(&claims, now) {
        return Ok(invalid(reason));
    }
    let id = claims.merchant_id;
    let scanned = svc
        .scanned
        .try_get_with(id, async move {
            // Genuine, but the merchant may have left since.
            let m = merchant::Entity::find_by_id(id)
                .filter(merchant::Column::Status.eq(MerchantStatus::Approved))
                .one(&svc.db)
                .await?;
            let credit = match &m {
                Some(m) => Some(profile_of(svc, m).await?),
                None => None,
            };
            Ok::<_, AppError>(Arc::new(ScannedMerchant {
                merchant: m.map(|m| VerifiedMerchant {
                    id: m.id,
                    name: m.name,
                    uscc: m.uscc,
                }),
                credit,
            }))
        })
        .await
        .map_err(|e| e.clone_for_reply())?;
    Ok(Verification {
        valid: true,
        reason: None,
        merchant: scanned.merchant.clone(),
        claims: Some((*claims).clone()),
        credit: scanned.credit.clone(),
    })
}
