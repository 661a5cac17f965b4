//! Old-for-new trade-in (以旧换新): subsidy rules as versioned data, quotes,
//! merchant offers, subsidy applications with a per-person quota, and
//! recycling pickups of the old units.

pub mod dto;
pub mod handlers;
pub mod offers;
pub mod pickups;
pub mod routes;
pub mod rules;
pub mod service;
pub mod slots;
