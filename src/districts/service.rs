use chrono::NaiveDate;
use entity::district;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// A division that exists on `today` (not ended, already started).
pub fn is_in_force(d: &district::Model, today: NaiveDate) -> bool {
    d.valid_from.is_none_or(|from| from <= today) && d.valid_until.is_none_or(|until| today < until)
}

pub async fn list(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    include_ended: bool,
) -> Result<Vec<district::Model>, DbErr> {
    let all = district::Entity::find()
        .order_by_asc(district::Column::Code)
        .all(db)
        .await?;
    Ok(all
        .into_iter()
        .filter(|d| include_ended || is_in_force(d, today))
        .collect())
}

/// District names by code, for building views (a few dozen rows).
pub async fn names(
    db: &impl ConnectionTrait,
) -> Result<std::collections::HashMap<String, String>, DbErr> {
    Ok(district::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect())
}

pub async fn find(db: &impl ConnectionTrait, code: &str) -> Result<Option<district::Model>, DbErr> {
    district::Entity::find_by_id(code.to_owned()).one(db).await
}

/// Whether every code names a division in force today; returns the bad ones.
pub async fn not_in_force(
    db: &impl ConnectionTrait,
    codes: &[String],
    today: NaiveDate,
) -> Result<Vec<String>, DbErr> {
    let found = district::Entity::find()
        .filter(district::Column::Code.is_in(codes.iter().cloned()))
        .all(db)
        .await?;
    Ok(codes
        .iter()
        .filter(|code| {
            !found
                .iter()
                .any(|d| &d.code == *code && is_in_force(d, today))
        })
        .cloned()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(from: Option<&str>, until: Option<&str>) -> district::Model {
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        district::Model {
            code: "500105".into(),
            name: "江北区".into(),
            kind: "district".into(),
            valid_from: from.map(date),
            valid_until: until.map(date),
        }
    }

    #[test]
    fn merged_divisions_end_on_their_end_date() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let jiangbei = d(None, Some("2025-11-06"));
        assert!(is_in_force(&jiangbei, day("2025-11-05")));
        assert!(!is_in_force(&jiangbei, day("2025-11-06")));
        let liangjiang = d(Some("2025-11-06"), None);
        assert!(!is_in_force(&liangjiang, day("2025-11-05")));
        assert!(is_in_force(&liangjiang, day("2026-11-27")));
    }
}
