//! Finding a user to grant a role to: the admin knows a colleague by
//! nickname, phone number or id, and wants to see who holds staff roles.

use entity::{user, user_role};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::dto::MeView;
use super::service::{Identity, load_principal};
use crate::error::{AppError, AppResult};

/// At most this many users per answer: a search, not an export.
const MAX_USERS: u64 = 20;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// A user id, an 11-digit phone number, or part of a nickname.
    pub q: Option<String>,
    /// Only users granted this role (`handler` or `admin`).
    pub role: Option<String>,
}

/// How a search text is read.
#[derive(Debug, PartialEq)]
enum Needle {
    Id(Uuid),
    Phone(String),
    Nickname(String),
}

fn needle(q: &str) -> Option<Needle> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    if let Ok(id) = q.parse() {
        return Some(Needle::Id(id));
    }
    if q.len() == 11 && q.starts_with('1') && q.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Needle::Phone(q.to_owned()));
    }
    Some(Needle::Nickname(q.to_owned()))
}

/// `%` and `_` in a nickname are letters, not wildcards.
fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

pub async fn find(identity: &Identity, q: &UserQuery) -> AppResult<Vec<MeView>> {
    let needle = q.q.as_deref().and_then(needle);
    let role = match q.role.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(r @ ("handler" | "admin")) => Some(r.to_owned()),
        Some(_) => return Err(AppError::invalid_field("role", "unknown_role")),
    };
    if needle.is_none() && role.is_none() {
        return Err(AppError::invalid_field("q", "required"));
    }
    if let Some(Needle::Nickname(n)) = &needle
        && n.chars().count() > 40
    {
        return Err(AppError::invalid_field("q", "length"));
    }

    let mut query = user::Entity::find().filter(user::Column::ClosedAt.is_null());
    query = match needle {
        None => query,
        Some(Needle::Id(id)) => query.filter(user::Column::Id.eq(id)),
        Some(Needle::Phone(p)) => query.filter(user::Column::Phone.eq(p)),
        Some(Needle::Nickname(n)) => query.filter(
            Expr::col(user::Column::Nickname)
                .like(LikeExpr::new(contains_pattern(&n)).escape('\\')),
        ),
    };
    if let Some(role) = role {
        query = query.filter(
            user::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(user_role::Column::UserId)
                    .from(user_role::Entity)
                    .and_where(user_role::Column::Role.eq(role))
                    .to_owned(),
            ),
        );
    }
    let users = query
        .order_by_asc(user::Column::Id)
        .limit(MAX_USERS)
        .all(&identity.db)
        .await?;
    let mut found = Vec::with_capacity(users.len());
    for u in users {
        if let Some(principal) = load_principal(&identity.db, u.id).await? {
            found.push(MeView::new(&u, &principal));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_text_is_an_id_a_phone_or_a_nickname() {
        let id = Uuid::now_v7();
        assert_eq!(needle(&format!(" {id} ")), Some(Needle::Id(id)));
        assert_eq!(
            needle("13912345678"),
            Some(Needle::Phone("13912345678".into()))
        );
        assert_eq!(
            needle("1391234567"),
            Some(Needle::Nickname("1391234567".into()))
        );
        assert_eq!(needle("张敏"), Some(Needle::Nickname("张敏".into())));
        assert_eq!(needle("   "), None);
    }

    #[test]
    fn wildcards_in_a_nickname_are_matched_as_letters() {
        assert_eq!(contains_pattern("a_b%c"), "%a\\_b\\%c%");
        assert_eq!(contains_pattern("张"), "%张%");
    }
}
