use sea_orm_migration::prelude::*;

/// A trade-in application withdrawn (its resident closed the account) frees
/// its quota slot, invoice, serial and pickup like a rejected one, so the
/// same purchase can be applied for again from a new account.
#[derive(DeriveMigrationName)]
pub struct Migration;

const UNIQUE_WHILE_ALIVE: [(&str, &[Apps]); 4] = [
    (
        "uq_trade_in_applications_quota_slot",
        &[
            Apps::UserId,
            Apps::Category,
            Apps::QuotaYear,
            Apps::QuotaSlot,
        ],
    ),
    (
        "uq_trade_in_applications_invoice_no",
        &[Apps::MerchantId, Apps::InvoiceNo],
    ),
    ("uq_trade_in_applications_serial_no", &[Apps::SerialNo]),
    (
        "uq_trade_in_applications_recycling_pickup_id",
        &[Apps::RecyclingPickupId],
    ),
];

fn unique_among(name: &str, cols: &[Apps], dead: &[&str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(name)
        .table(Apps::Table)
        .unique()
        .and_where(Expr::col(Apps::Status).is_not_in(dead.iter().copied()));
    for col in cols {
        index.col(*col);
    }
    index.to_owned()
}

async fn rebuild(manager: &SchemaManager<'_>, dead: &[&str]) -> Result<(), DbErr> {
    for (name, cols) in UNIQUE_WHILE_ALIVE {
        let create = unique_among(name, cols, dead);
        let create = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => create.to_string(PostgresQueryBuilder),
            _ => create.to_string(SqliteQueryBuilder),
        };
        // One script, so the drop and the create run on one connection.
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP INDEX IF EXISTS {name}; {create}"))
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, &["rejected", "withdrawn"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, &["rejected"]).await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Apps {
    #[sea_orm(iden = "trade_in_applications")]
    Table,
    Status,
    UserId,
    Category,
    QuotaYear,
    QuotaSlot,
    MerchantId,
    InvoiceNo,
    SerialNo,
    RecyclingPickupId,
}
