use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_districts::Districts;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(uuid(Users::Id).primary_key())
                    .col(string_len(Users::Openid, 128))
                    .col(string_len_null(Users::Unionid, 128))
                    .col(string_len(Users::Nickname, 64))
                    .col(string_len_null(Users::Phone, 20))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_users_openid")
                    .table(Users::Table)
                    .col(Users::Openid)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserRoles::Table)
                    .if_not_exists()
                    .col(uuid(UserRoles::UserId))
                    .col(string_len(UserRoles::Role, 16))
                    .col(timestamp_with_time_zone(UserRoles::GrantedAt))
                    .col(uuid_null(UserRoles::GrantedBy))
                    .primary_key(Index::create().col(UserRoles::UserId).col(UserRoles::Role))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_roles_user")
                            .from(UserRoles::Table, UserRoles::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HandlerDistricts::Table)
                    .if_not_exists()
                    .col(uuid(HandlerDistricts::UserId))
                    .col(string_len(HandlerDistricts::DistrictCode, 12))
                    .primary_key(
                        Index::create()
                            .col(HandlerDistricts::UserId)
                            .col(HandlerDistricts::DistrictCode),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_handler_districts_user")
                            .from(HandlerDistricts::Table, HandlerDistricts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_handler_districts_district")
                            .from(HandlerDistricts::Table, HandlerDistricts::DistrictCode)
                            .to(Districts::Table, Districts::Code),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(HandlerDistricts::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(UserRoles::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Openid,
    Unionid,
    Nickname,
    Phone,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserRoles {
    Table,
    UserId,
    Role,
    GrantedAt,
    GrantedBy,
}

#[derive(DeriveIden)]
enum HandlerDistricts {
    Table,
    UserId,
    DistrictCode,
}
