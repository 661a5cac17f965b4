use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Districts::Table)
                    .if_not_exists()
                    .col(string_len(Districts::Code, 12).primary_key())
                    .col(string_len(Districts::Name, 32))
                    .col(string_len(Districts::Kind, 24))
                    .col(date_null(Districts::ValidFrom))
                    .col(date_null(Districts::ValidUntil))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Districts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Districts {
    Table,
    Code,
    Name,
    Kind,
    ValidFrom,
    ValidUntil,
}
