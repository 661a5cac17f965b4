//! Merchants: applications with a checked credit code, admin review, staff,
//! public profiles.

pub mod dto;
mod handlers;
pub mod routes;
pub mod service;
pub mod uscc;

pub use entity::status::MerchantStatus;
