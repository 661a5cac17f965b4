//! A resident's data rights (PIPL arts. 45 and 47; WeChat requires account
//! deletion in mini-programs with accounts): a copy of everything Yuhui
//! holds about the caller, and closing the account (注销) without breaking
//! anyone else's records.

pub mod closing;
pub mod dto;
pub mod export;
mod handlers;
pub mod routes;
