use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TourismRoutes::Table)
                    .if_not_exists()
                    .col(uuid(TourismRoutes::Id).primary_key())
                    .col(string_len(TourismRoutes::Title, 60))
                    .col(string_len(TourismRoutes::Summary, 500))
                    // JSON arrays of codes: lists are served from memory,
                    // never queried into.
                    .col(text(TourismRoutes::Themes))
                    .col(text(TourismRoutes::DistrictCodes))
                    .col(integer(TourismRoutes::Days))
                    .col(integer(TourismRoutes::DistanceM))
                    .col(string_len(TourismRoutes::BestSeason, 40))
                    .col(boolean(TourismRoutes::Published))
                    .col(uuid(TourismRoutes::CreatedBy))
                    .col(timestamp_with_time_zone(TourismRoutes::CreatedAt))
                    .col(timestamp_with_time_zone(TourismRoutes::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TourismRouteStops::Table)
                    .if_not_exists()
                    .col(uuid(TourismRouteStops::RouteId))
                    .col(integer(TourismRouteStops::Seq))
                    .col(integer(TourismRouteStops::Day))
                    .col(string_len(TourismRouteStops::Name, 60))
                    .col(double(TourismRouteStops::Lat))
                    .col(double(TourismRouteStops::Lng))
                    .col(integer(TourismRouteStops::Minutes))
                    .col(string_len_null(TourismRouteStops::OpeningNotes, 200))
                    .col(big_integer(TourismRouteStops::TicketFen))
                    .col(uuid_null(TourismRouteStops::ShopId))
                    .primary_key(
                        Index::create()
                            .col(TourismRouteStops::RouteId)
                            .col(TourismRouteStops::Seq),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tourism_route_stops_route")
                            .from(TourismRouteStops::Table, TourismRouteStops::RouteId)
                            .to(TourismRoutes::Table, TourismRoutes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check(Expr::col(TourismRouteStops::TicketFen).gte(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .if_not_exists()
                    .col(uuid(Events::Id).primary_key())
                    .col(string_len(Events::Name, 60))
                    .col(string_len(Events::Summary, 500))
                    .col(string_len(Events::Category, 30))
                    .col(timestamp_with_time_zone(Events::StartsAt))
                    .col(timestamp_with_time_zone(Events::EndsAt))
                    .col(string_len(Events::Venue, 100))
                    .col(double(Events::Lat))
                    .col(double(Events::Lng))
                    .col(string_len(Events::DistrictCode, 12))
                    .col(string_len(Events::Organiser, 100))
                    .col(boolean(Events::Free))
                    .col(big_integer_null(Events::PriceFen))
                    .col(boolean(Events::Published))
                    .col(uuid(Events::CreatedBy))
                    .col(timestamp_with_time_zone(Events::CreatedAt))
                    .col(timestamp_with_time_zone(Events::UpdatedAt))
                    .check(Expr::col(Events::EndsAt).gt(Expr::col(Events::StartsAt)))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_events_ends_at")
                    .table(Events::Table)
                    .col(Events::EndsAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Events::Table.into_iden(),
            TourismRouteStops::Table.into_iden(),
            TourismRoutes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum TourismRoutes {
    Table,
    Id,
    Title,
    Summary,
    Themes,
    DistrictCodes,
    Days,
    DistanceM,
    BestSeason,
    Published,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TourismRouteStops {
    Table,
    RouteId,
    Seq,
    Day,
    Name,
    Lat,
    Lng,
    Minutes,
    OpeningNotes,
    TicketFen,
    ShopId,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Name,
    Summary,
    Category,
    StartsAt,
    EndsAt,
    Venue,
    Lat,
    Lng,
    DistrictCode,
    Organiser,
    Free,
    PriceFen,
    Published,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}
