use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000006_create_complaints::Complaints;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ComplaintAttachments::Table)
                    .if_not_exists()
                    .col(uuid(ComplaintAttachments::Id).primary_key())
                    .col(uuid(ComplaintAttachments::ComplaintId))
                    .col(string_len(ComplaintAttachments::Sha256, 64))
                    .col(string_len(ComplaintAttachments::ContentType, 32))
                    .col(big_integer(ComplaintAttachments::SizeBytes))
                    .col(uuid(ComplaintAttachments::UploaderId))
                    .col(timestamp_with_time_zone(ComplaintAttachments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_complaint_attachments_complaint")
                            .from(
                                ComplaintAttachments::Table,
                                ComplaintAttachments::ComplaintId,
                            )
                            .to(Complaints::Table, Complaints::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_complaint_attachments_complaint")
                    .table(ComplaintAttachments::Table)
                    .col(ComplaintAttachments::ComplaintId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ComplaintAttachments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ComplaintAttachments {
    Table,
    Id,
    ComplaintId,
    Sha256,
    ContentType,
    SizeBytes,
    UploaderId,
    CreatedAt,
}
