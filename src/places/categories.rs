//! Shop categories, loaded once at start (they are seed data) and held by
//! index number so the spatial index stores a `u16`, not a string.

use std::collections::HashMap;

use entity::category;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Basic,
    Quality,
    Other,
}

impl Tier {
    fn parse(s: &str) -> Tier {
        match s {
            "basic" => Tier::Basic,
            "quality" => Tier::Quality,
            _ => Tier::Other,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CategoryInfo {
    pub code: String,
    pub name: String,
    pub tier: Tier,
}

#[derive(Debug, Clone, Default)]
pub struct CategoryRegistry {
    list: Vec<CategoryInfo>,
    by_code: HashMap<String, u16>,
}

impl CategoryRegistry {
    pub fn new(list: Vec<CategoryInfo>) -> Self {
        let by_code = list
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code.clone(), i as u16))
            .collect();
        Self { list, by_code }
    }

    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let rows = category::Entity::find()
            .order_by_asc(category::Column::SortOrder)
            .all(db)
            .await?;
        Ok(Self::new(
            rows.into_iter()
                .map(|c| CategoryInfo {
                    tier: Tier::parse(&c.tier),
                    code: c.code,
                    name: c.name,
                })
                .collect(),
        ))
    }

    pub fn index_of(&self, code: &str) -> Option<u16> {
        self.by_code.get(code).copied()
    }

    pub fn get(&self, index: u16) -> Option<&CategoryInfo> {
        self.list.get(usize::from(index))
    }

    pub fn all(&self) -> &[CategoryInfo] {
        &self.list
    }

    /// Indexes of one tier, in display order.
    pub fn of_tier(&self, tier: Tier) -> impl Iterator<Item = (u16, &CategoryInfo)> {
        self.list
            .iter()
            .enumerate()
            .filter(move |(_, c)| c.tier == tier)
            .map(|(i, c)| (i as u16, c))
    }
}
