//! The 2025 national trade-in rules cover invoices dated in 2025 only. The
//! seed once stored them with no end, so a 2027 invoice was still quoted
//! under them; databases seeded then get the end date here. A set an admin
//! has already ended is left as it is.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // `body` is the set as compact JSON (serde_json::to_string), so its
        // open end is exactly this text.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE trade_in_rule_sets \
                 SET effective_to = '2025-12-31', \
                     body = REPLACE(body, '\"effective_to\":null', '\"effective_to\":\"2025-12-31\"') \
                 WHERE code = 'national-2025' AND effective_to IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Reopening the window would quote later invoices under 2025's rules.
        Ok(())
    }
}
