use sea_orm::entity::prelude::*;

/// One release of a campaign's stock. Open from `opens_at` until the next
/// round opens (or the campaign ends). Stock left: see `stock_left`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher_rounds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub seq: i32,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    pub quantity: i64,
    pub returned: i64,
    pub claimed: i64,
    /// Written by the claim statement only (what it granted).
    pub last_grant: i64,
    /// Leftover of the previous round rolled into this one. Also counted in
    /// `returned` (stock that came back to this round from anywhere), which
    /// keeps the table's check `claimed <= quantity + returned` true.
    pub carried_in: i64,
    /// This round's leftover rolled into the next one when it closed.
    pub carried_out: i64,
    /// The round's window is over and its leftover was dealt with.
    pub closed_out: bool,
}

impl Model {
    /// What can still be claimed in this round. The claim statement
    /// (`vouchers::claim_writer::take_stock`) writes the same sum in SQL.
    pub fn stock_left(&self) -> i64 {
        self.quantity + self.returned - self.carried_out - self.claimed
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
