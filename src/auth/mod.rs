//! Identity: WeChat and dev login, session tokens, roles, `/me`.

pub mod console_sign_in;
pub mod dto;
pub mod extract;
mod handlers;
pub mod jwt;
pub mod principal;
pub mod routes;
pub mod service;
mod user_directory;

pub use extract::{AdminUser, AuthUser, HandlerUser, MerchantUser};
pub use principal::{Principal, Role};
