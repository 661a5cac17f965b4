//! A route that leaves Chongqing (the 川渝 routes stop in Chengdu) names the
//! places outside it: `district_codes` holds Chongqing's districts only, so
//! without this the route would seem to stay in 渝中区.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Routes::Table)
                    .add_column(text(Routes::OutsidePlaces).default("[]"))
                    .to_owned(),
            )
            .await?;
        // The demo 川渝 route of a database seeded before (the seed adds
        // only missing rows, so it would keep its empty list).
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE tourism_routes \
                 SET outside_places = '[\"四川省成都市青羊区\",\"四川省成都市武侯区\"]' \
                 WHERE title = '川渝双城记：重庆—成都两日' AND outside_places = '[]'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Routes::Table)
                    .drop_column(Routes::OutsidePlaces)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Routes {
    #[sea_orm(iden = "tourism_routes")]
    Table,
    OutsidePlaces,
}
