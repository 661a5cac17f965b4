//! sea-orm entities for Yuhui. Data shapes only: behaviour lives in the app crate.

pub mod category;
pub mod complaint;
pub mod complaint_attachment;
pub mod complaint_category;
pub mod complaint_counter;
pub mod complaint_event;
pub mod district;
pub mod handler_district;
pub mod holiday_table;
pub mod idempotency_key;
pub mod merchant;
pub mod merchant_staff;
pub mod outbox;
pub mod recycling_pickup;
pub mod recycling_slot;
pub mod recycling_slot_booking;
pub mod shop;
pub mod trade_in_application;
pub mod trade_in_offer;
pub mod trade_in_rule_set;
pub mod user;
pub mod user_role;
pub mod voucher;
pub mod voucher_campaign;
pub mod voucher_redemption;
pub mod voucher_round;
