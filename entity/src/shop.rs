use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "shops")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub name: String,
    pub category_code: String,
    pub address: String,
    pub district_code: String,
    /// GCJ-02 latitude.
    pub lat: f64,
    /// GCJ-02 longitude.
    pub lng: f64,
    pub phone: Option<String>,
    /// JSON: the API's weekly list `[{days, open, close}]`.
    pub opening_hours: String,
    /// JSON: dated exceptions `[{date, closed, open, close, note}]`.
    pub exceptions: String,
    /// JSON: list of tags from the vocabulary.
    pub tags: String,
    pub status: crate::status::ShopStatus,
    pub created_at: DateTimeUtc,
    /// Every write sets it; other instances poll by it to refresh their index.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
