use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{handler_district, merchant, merchant_staff, user, user_role};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use super::dto::{LoginResponse, MeView};
use super::jwt::TokenKeys;
use super::principal::{Principal, Role};
use crate::districts;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::merchants::MerchantStatus;
use crate::rate_limit::RateLimiter;
use crate::state::Core;

const DEFAULT_NICKNAME: &str = "渝惠用户";

/// How long a caller's roles may be served from memory before re-reading
/// while a change made elsewhere might not reach this instance (PostgreSQL
/// with the change listener down).
const PRINCIPAL_TTL: std::time::Duration = std::time::Duration::from_secs(10);
/// The same while every change reaches it: it is SQLite's only instance
/// (every role change is made here and forgets the copy), or it listens to
/// the other instances' changes. Re-reading 10,000 residents' roles every
/// ten seconds in a flash sale cost a fifth of the claims' database work;
/// the bound stays for edits made by hand in the database.
const PRINCIPAL_TTL_FOLLOWED: std::time::Duration = std::time::Duration::from_secs(600);

/// What identity needs besides the database: its settings.
#[derive(Clone, Debug)]
pub struct IdentitySettings {
    pub token_ttl: std::time::Duration,
    pub dev_login: bool,
    /// Our proxies in front, when `X-Forwarded-For` is to be read.
    pub trusted_proxy_hops: Option<u32>,
}

impl IdentitySettings {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            token_ttl: config.token_ttl,
            dev_login: config.dev_login,
            trusted_proxy_hops: config
                .trust_forwarded_for
                .then_some(config.trusted_proxy_hops),
        }
    }
}

/// The identity domain of one instance: token keys, the callers' roles
/// held in memory, and the login limit.
pub struct Identity {
    pub core: Core,
    pub tokens: TokenKeys,
    pub principals: moka::future::Cache<Uuid, HeldPrincipal>,
    /// Whether every change of roles reaches this instance (see
    /// `PRINCIPAL_TTL_FOLLOWED`); `changes::follow` keeps it on PostgreSQL.
    follows_changes: AtomicBool,
    pub login_limiter: RateLimiter,
    pub settings: IdentitySettings,
}

impl std::ops::Deref for Identity {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

impl Identity {
    pub fn new(
        core: Core,
        config: &crate::config::Config,
        shared: Option<crate::rate_limit::SharedWindows>,
    ) -> Self {
        let sqlite = core.db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite;
        Self {
            core,
            tokens: TokenKeys::new(config.jwt_secret.expose()),
            principals: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(PRINCIPAL_TTL_FOLLOWED)
                .build(),
            follows_changes: AtomicBool::new(sqlite),
            login_limiter: RateLimiter::new(
                config.login_rate_per_minute,
                std::time::Duration::from_secs(60),
            )
            .shared("login", shared),
            settings: IdentitySettings::from_config(config),
        }
    }

    /// Drops this instance's copy of a user's roles after they changed.
    pub async fn forget_roles(&self, user_id: Uuid) {
        self.principals.invalidate(&user_id).await;
    }

    /// Told by the change listener when it starts or stops hearing the
    /// other instances' changes.
    pub fn hears_changes(&self, up: bool) {
        self.follows_changes.store(up, Ordering::Relaxed);
    }

    fn principal_ttl(&self) -> std::time::Duration {
        if self.follows_changes.load(Ordering::Relaxed) {
            PRINCIPAL_TTL_FOLLOWED
        } else {
            PRINCIPAL_TTL
        }
    }
}

/// A caller's principal and when it was read.
#[derive(Clone)]
pub struct HeldPrincipal {
    principal: Arc<Principal>,
    read_at: Instant,
}

/// Finds the user with this openid, creating them on first login. Safe when
/// two logins of a new user race: the unique openid decides.
pub async fn find_or_create_user(
    db: &impl ConnectionTrait,
    openid: &str,
    unionid: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<user::Model> {
    let row = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        openid: Set(openid.to_owned()),
        unionid: Set(unionid),
        nickname: Set(DEFAULT_NICKNAME.to_owned()),
        phone: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        closed_at: Set(None),
    };
    user::Entity::insert(row)
        .on_conflict_do_nothing_on([user::Column::Openid])
        .exec(db)
        .await?;
    user::Entity::find()
        .filter(user::Column::Openid.eq(openid))
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("user vanished right after it was created"))
}

pub async fn load_principal(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> AppResult<Option<Principal>> {
    // Every first request of a user in a while lands here (a flash sale is
    // mostly first requests), so it is two queries for a resident: the user
    // with their roles, and the approved merchants they staff.
    let user_and_roles = Query::select()
        .column((user_role::Entity, user_role::Column::Role))
        .from(user::Entity)
        .left_join(
            user_role::Entity,
            Expr::col((user_role::Entity, user_role::Column::UserId))
                .equals((user::Entity, user::Column::Id)),
        )
        .and_where(Expr::col((user::Entity, user::Column::Id)).eq(user_id))
        // A closed account has no principal: its tokens stop working.
        .and_where(Expr::col((user::Entity, user::Column::ClosedAt)).is_null())
        .to_owned();
    let rows = db.query_all(&user_and_roles).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut granted = Vec::new();
    for row in rows {
        if let Some(role) = row
            .try_get::<Option<String>>("", "role")?
            .as_deref()
            .and_then(Role::parse)
        {
            granted.push(role);
        }
    }
    let mut handler_districts: Vec<String> = if granted.contains(&Role::Handler) {
        handler_district::Entity::find()
            .filter(handler_district::Column::UserId.eq(user_id))
            .all(db)
            .await?
            .into_iter()
            .map(|d| d.district_code)
            .collect()
    } else {
        Vec::new()
    };
    handler_districts.sort();
    let staffed = Query::select()
        .column((merchant_staff::Entity, merchant_staff::Column::MerchantId))
        .from(merchant_staff::Entity)
        .inner_join(
            merchant::Entity,
            Expr::col((merchant::Entity, merchant::Column::Id))
                .equals((merchant_staff::Entity, merchant_staff::Column::MerchantId)),
        )
        .and_where(Expr::col((merchant_staff::Entity, merchant_staff::Column::UserId)).eq(user_id))
        .and_where(
            Expr::col((merchant::Entity, merchant::Column::Status)).eq(MerchantStatus::Approved),
        )
        .to_owned();
    let mut merchant_ids = Vec::new();
    for row in db.query_all(&staffed).await? {
        merchant_ids.push(row.try_get::<Uuid>("", "merchant_id")?);
    }
    merchant_ids.sort();
    Ok(Some(Principal::new(
        user_id,
        &granted,
        merchant_ids,
        handler_districts,
    )))
}

/// The caller's principal, from a per-instance cache. Role changes made on
/// this instance invalidate it at once; other instances hear of them through
/// `changes`, or within `PRINCIPAL_TTL` while they cannot.
pub async fn principal(id: &Identity, user_id: Uuid) -> AppResult<Option<Arc<Principal>>> {
    if let Some(held) = id.principals.get(&user_id).await {
        if held.read_at.elapsed() < id.principal_ttl() {
            id.metrics.cache_lookup("principal", true);
            return Ok(Some(held.principal));
        }
        // Held longer than it may be without hearing of changes.
        id.principals.invalidate(&user_id).await;
    }
    id.metrics.cache_lookup("principal", false);
    // Concurrent first requests of one user share one load.
    let db = id.db.clone();
    let loaded = id
        .principals
        .try_get_with(user_id, async move {
            let read_at = Instant::now();
            match load_principal(&db, user_id).await {
                Ok(Some(p)) => Ok(HeldPrincipal {
                    principal: Arc::new(p),
                    read_at,
                }),
                Ok(None) => Err(None),
                Err(e) => Err(Some(e)),
            }
        })
        .await;
    match loaded {
        Ok(held) => Ok(Some(held.principal)),
        Err(e) => match e.as_ref() {
            None => Ok(None),
            Some(e) => Err(e.clone_for_reply()),
        },
    }
}

pub async fn me(id: &Identity, user_id: Uuid) -> AppResult<MeView> {
    let user = user::Entity::find_by_id(user_id)
        .one(&id.db)
        .await?
        .ok_or_else(|| AppError::not_found("用户不存在"))?;
    let principal = principal(id, user_id)
        .await?
        .ok_or_else(|| AppError::not_found("用户不存在"))?;
    Ok(MeView::new(&user, &principal))
}

pub async fn login(
    id: &Identity,
    openid: &str,
    unionid: Option<String>,
) -> AppResult<LoginResponse> {
    let now = id.clock.now();
    let user = find_or_create_user(&id.db, openid, unionid, now).await?;
    if user.closed_at.is_some() {
        return Err(AppError::unauthorized("该账号已注销"));
    }
    session_for(id, user.id).await
}

/// A new session for a user who proved who they are (a login, or a console
/// ticket they approved).
pub async fn session_for(id: &Identity, user_id: Uuid) -> AppResult<LoginResponse> {
    let (token, expires_at) = id
        .tokens
        .issue(user_id, id.clock.now(), id.settings.token_ttl);
    Ok(LoginResponse {
        token,
        expires_at,
        user: me(id, user_id).await?,
    })
}

pub async fn bind_phone(id: &Identity, user_id: Uuid, phone: String) -> AppResult<MeView> {
    user::Entity::update_many()
        .col_expr(user::Column::Phone, sea_orm::sea_query::Expr::value(phone))
        .col_expr(
            user::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(id.clock.now()),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(&id.db)
        .await?;
    me(id, user_id).await
}

/// The roles an admin may ask for, checked against the target's situation.
pub fn check_role_request(
    actor_id: Uuid,
    target_id: Uuid,
    target_is_merchant_staff: bool,
    requested: &[String],
    handler_districts: &[String],
) -> Result<Vec<Role>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut roles = Vec::new();
    for name in requested {
        match Role::parse(name) {
            Some(role) => roles.push(role),
            None => errors
                .entry("roles".into())
                .or_default()
                .push("unknown_role".into()),
        }
    }
    if roles.contains(&Role::Merchant) != target_is_merchant_staff {
        errors
            .entry("roles".into())
            .or_default()
            .push("merchant_follows_approval".into());
    }
    if actor_id == target_id && !roles.contains(&Role::Admin) {
        errors
            .entry("roles".into())
            .or_default()
            .push("cannot_remove_own_admin".into());
    }
    let handler = roles.contains(&Role::Handler);
    if handler && handler_districts.is_empty() {
        errors
            .entry("handler_districts".into())
            .or_default()
            .push("required_for_handler".into());
    }
    if !handler && !handler_districts.is_empty() {
        errors
            .entry("handler_districts".into())
            .or_default()
            .push("only_for_handler".into());
    }
    if errors.is_empty() {
        roles.retain(|r| matches!(r, Role::Handler | Role::Admin));
        roles.sort();
        roles.dedup();
        Ok(roles)
    } else {
        Err(errors)
    }
}

pub async fn set_roles(
    identity: &Identity,
    actor_id: Uuid,
    target_id: Uuid,
    requested: &[String],
    handler_districts: &[String],
) -> AppResult<MeView> {
    let current = load_principal(&identity.db, target_id)
        .await?
        .ok_or_else(|| AppError::not_found("用户不存在"))?;
    let mut districts_wanted = handler_districts.to_vec();
    districts_wanted.sort();
    districts_wanted.dedup();
    let grants = check_role_request(
        actor_id,
        target_id,
        current.has_role(Role::Merchant),
        requested,
        &districts_wanted,
    )
    .map_err(AppError::validation)?;
    let today: NaiveDate = identity.clock.now_local().date_naive();
    let unknown = districts::service::not_in_force(&identity.db, &districts_wanted, today).await?;
    if !unknown.is_empty() {
        return Err(
            AppError::invalid_field("handler_districts", "unknown_district").with_details(
                serde_json::json!({
                    "fields": { "handler_districts": ["unknown_district"] },
                    "unknown": unknown,
                }),
            ),
        );
    }

    let now = identity.clock.now();
    let txn = identity.db.begin().await?;
    user_role::Entity::delete_many()
        .filter(user_role::Column::UserId.eq(target_id))
        .exec(&txn)
        .await?;
    handler_district::Entity::delete_many()
        .filter(handler_district::Column::UserId.eq(target_id))
        .exec(&txn)
        .await?;
    if !grants.is_empty() {
        user_role::Entity::insert_many(grants.iter().map(|role| user_role::ActiveModel {
            user_id: Set(target_id),
            role: Set(role.as_str().to_owned()),
            granted_at: Set(now),
            granted_by: Set(Some(actor_id)),
        }))
        .exec(&txn)
        .await?;
    }
    if !districts_wanted.is_empty() {
        handler_district::Entity::insert_many(districts_wanted.iter().map(|code| {
            handler_district::ActiveModel {
                user_id: Set(target_id),
                district_code: Set(code.clone()),
            }
        }))
        .exec(&txn)
        .await?;
    }
    txn.commit().await?;
    identity.forget_roles(target_id).await;
    tracing::info!(%actor_id, %target_id, roles = ?grants, "roles changed");
    me(identity, target_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn handler_needs_districts_and_districts_need_handler() {
        let admin = Uuid::now_v7();
        let target = Uuid::now_v7();
        let err = check_role_request(admin, target, false, &s(&["handler"]), &[]).unwrap_err();
        assert_eq!(err["handler_districts"], vec!["required_for_handler"]);
        let err = check_role_request(admin, target, false, &s(&[]), &s(&["500103"])).unwrap_err();
        assert_eq!(err["handler_districts"], vec!["only_for_handler"]);
        let ok = check_role_request(
            admin,
            target,
            false,
            &s(&["resident", "handler"]),
            &s(&["500103"]),
        )
        .unwrap();
        assert_eq!(ok, vec![Role::Handler]);
    }

    #[test]
    fn merchant_role_must_match_membership() {
        let admin = Uuid::now_v7();
        let target = Uuid::now_v7();
        assert!(check_role_request(admin, target, false, &s(&["merchant"]), &[]).is_err());
        assert!(check_role_request(admin, target, true, &s(&[]), &[]).is_err());
        assert_eq!(
            check_role_request(admin, target, true, &s(&["merchant", "admin"]), &[]).unwrap(),
            vec![Role::Admin]
        );
    }

    #[test]
    fn admins_cannot_demote_themselves_and_unknown_roles_fail() {
        let admin = Uuid::now_v7();
        let err = check_role_request(admin, admin, false, &s(&["resident"]), &[]).unwrap_err();
        assert_eq!(err["roles"], vec!["cannot_remove_own_admin"]);
        let err = check_role_request(admin, Uuid::now_v7(), false, &s(&["king"]), &[]).unwrap_err();
        assert_eq!(err["roles"], vec!["unknown_role"]);
    }
}
