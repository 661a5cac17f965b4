//! Culture and tourism: routes with ordered stops (and the shops open near
//! each), and the events calendar.

pub mod dto;
pub mod handlers;
pub mod routes;
pub mod rules;
pub mod service;
