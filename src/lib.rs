//! Yuhui (渝惠): the backend of a WeChat mini-program for Chongqing's
//! consumption measures. See ARCHITECTURE.md for the map of this crate.

pub mod account;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod calendar;
pub mod changes;
pub mod cli;
pub mod clock;
pub mod complaints;
pub mod config;
pub mod console;
pub mod credit;
pub mod db;
pub mod districts;
pub mod domains;
pub mod error;
pub mod geo;
pub mod idempotency;
pub mod merchants;
pub mod metrics;
pub mod notify;
pub mod openapi;
pub mod ops;
pub mod pagination;
pub mod places;
pub mod rate_limit;
pub mod routes;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
#[cfg(test)]
pub mod testing;
pub mod tourism;
pub mod tradein;
pub mod validation;
pub mod vouchers;
pub mod wechat;
pub mod workers;
