//! The audit trail (PIPL; FACTS §2): every read of unmasked personal data
//! and every staff action is one append-only event with who, in which
//! role, what, on which object and in which request. Reads are recorded by
//! the service before the data leaves it (no event, no data); staff actions
//! by a middleware once the action has succeeded.

pub mod dto;
mod handlers;
pub mod middleware;
pub mod routes;
pub mod service;

pub use service::{Entry, record};

/// The action of a read of unmasked personal data.
pub const VIEW_PERSONAL_DATA: &str = "view_personal_data";

tokio::task_local! {
    /// The request being served on this task, for the events it causes.
    static REQUEST_ID: String;
}

/// Runs `work` as part of request `id`.
pub async fn in_request<F: std::future::Future>(id: String, work: F) -> F::Output {
    REQUEST_ID.scope(id, work).await
}

/// The request this task serves; None in workers, the CLI and tests
/// that call services directly.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}
