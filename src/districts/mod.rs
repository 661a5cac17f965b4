//! Chongqing's county-level divisions: reference data for merchants,
//! handlers and complaint jurisdiction.

pub mod dto;
mod handlers;
pub mod routes;
pub mod service;
