//! Consumption vouchers (消费券): campaigns in rounds, claims that never
//! oversell, redemption at the till, expiry and stats.

pub mod claims;
pub mod dto;
pub mod handlers;
pub mod routes;
pub mod rules;
pub mod service;
