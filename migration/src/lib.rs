//! The only source of the schema. One concern per file, applied in order.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_create_districts;
mod m20261127_000002_create_users;
mod m20261127_000003_create_merchants;
mod m20261127_000004_create_categories;
mod m20261127_000005_create_shops;
mod m20261127_000006_create_complaints;
mod m20261127_000007_create_support_tables;
mod m20261127_000008_create_complaint_attachments;
mod m20261127_000009_index_complaint_queue;
mod m20261127_000010_create_vouchers;
mod m20261127_000011_create_trade_in;
mod m20261127_000012_create_tourism;
mod m20261201_000013_legal_corners;
mod m20261201_000014_withdrawn_applications;
mod m20261201_000015_change_notifications;
mod m20261201_000016_console_tickets;
mod m20261202_000017_one_voucher_per_payment;
mod m20261202_000018_national_2025_window;
mod m20261202_000019_round_leftovers;
mod m20261202_000020_route_outside_places;
mod m20261202_000021_merchant_credit;
mod m20261202_000022_credit_oversight;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_districts::Migration),
            Box::new(m20261127_000002_create_users::Migration),
            Box::new(m20261127_000003_create_merchants::Migration),
            Box::new(m20261127_000004_create_categories::Migration),
            Box::new(m20261127_000005_create_shops::Migration),
            Box::new(m20261127_000006_create_complaints::Migration),
            Box::new(m20261127_000007_create_support_tables::Migration),
            Box::new(m20261127_000008_create_complaint_attachments::Migration),
            Box::new(m20261127_000009_index_complaint_queue::Migration),
            Box::new(m20261127_000010_create_vouchers::Migration),
            Box::new(m20261127_000011_create_trade_in::Migration),
            Box::new(m20261127_000012_create_tourism::Migration),
            Box::new(m20261201_000013_legal_corners::Migration),
            Box::new(m20261201_000014_withdrawn_applications::Migration),
            Box::new(m20261201_000015_change_notifications::Migration),
            Box::new(m20261201_000016_console_tickets::Migration),
            Box::new(m20261202_000017_one_voucher_per_payment::Migration),
            Box::new(m20261202_000018_national_2025_window::Migration),
            Box::new(m20261202_000019_round_leftovers::Migration),
            Box::new(m20261202_000020_route_outside_places::Migration),
            Box::new(m20261202_000021_merchant_credit::Migration),
            Box::new(m20261202_000022_credit_oversight::Migration),
        ]
    }
}
