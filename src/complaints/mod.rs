//! 12315 complaints: filing, the triage state machine with legal deadlines,
//! mediation, notifications and public disclosure.

pub mod attachments;
pub mod disclosure;
pub mod dto;
mod handlers;
pub mod numbers;
pub mod routes;
pub mod rules;
pub mod service;
pub mod writer;
