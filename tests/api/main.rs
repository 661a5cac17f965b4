//! Black-box API tests: each test starts the real server on a random port
//! with a fresh database (SQLite by default, PostgreSQL when
//! `TEST_DATABASE_URL` is set) and a fake WeChat server.

mod helpers;

mod cache_changes;
mod complaints;
mod config;
mod console;
mod console_sign_in;
mod credit;
mod dashboard;
mod errors;
mod identity;
mod instances;
mod legal_clock;
mod merchant_cases;
mod merchants;
mod openapi;
mod ops;
mod places;
mod privacy;
mod tourism;
mod tradein;
mod vouchers;
