//! sea-orm entities for Yuhui. Data shapes only: behaviour lives in the app crate.

pub mod category;
pub mod district;
pub mod handler_district;
pub mod merchant;
pub mod merchant_staff;
pub mod shop;
pub mod user;
pub mod user_role;
