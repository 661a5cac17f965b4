//! Staff actions: a request that changed something, made in a staff role
//! (the role extractors mark it), is recorded once it has succeeded.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, web};
use uuid::Uuid;

use super::{Entry, record};
use crate::auth::Principal;
use crate::state::AppState;

/// The caller acts in a staff role on this request.
#[derive(Clone)]
pub struct StaffCapacity {
    pub principal: Arc<Principal>,
    pub role: &'static str,
}

/// Marks the request as made in `role` by `principal`.
pub fn acting_as(req: &HttpRequest, principal: Arc<Principal>, role: &'static str) {
    req.extensions_mut()
        .insert(StaffCapacity { principal, role });
}

pub async fn staff_actions(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let response = next.call(req).await?;
    if !changes || !response.status().is_success() {
        return Ok(response);
    }
    let request = response.request();
    let Some(capacity) = request.extensions().get::<StaffCapacity>().cloned() else {
        return Ok(response);
    };
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(response);
    };
    let pattern = request
        .match_pattern()
        .unwrap_or_else(|| request.path().to_owned());
    let action = format!("{} {pattern}", request.method());
    let object_id = request
        .match_info()
        .iter()
        .find_map(|(_, value)| value.parse::<Uuid>().ok());
    let entry = Entry {
        actor_id: Some(capacity.principal.user_id),
        actor_role: capacity.role,
        action: &action,
        object_type: object_type(&pattern),
        object_id,
    };
    // The action is done: a failure here is logged loudly, not undone.
    if let Err(e) = record(&state.db, state.clock.now(), entry).await {
        tracing::error!(error = %e, action, "audit event for a staff action could not be written");
        state.metrics.audit_write_failed();
    }
    Ok(response)
}

/// The kind of object a route acts on: its first resource segment after
/// the API base and any role prefix, in the singular.
pub fn object_type(pattern: &str) -> &str {
    pattern
        .trim_start_matches("/api/v1")
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .find(|s| !matches!(*s, "admin" | "merchant" | "handler"))
        .map(|s| s.strip_suffix('s').unwrap_or(s))
        .unwrap_or("api")
}

#[cfg(test)]
mod tests {
    use super::object_type;

    #[test]
    fn routes_name_their_object() {
        assert_eq!(object_type("/api/v1/complaints/{id}/accept"), "complaint");
        assert_eq!(
            object_type("/api/v1/admin/merchants/{id}/approve"),
            "merchant"
        );
        assert_eq!(object_type("/api/v1/merchant/shops"), "shop");
        assert_eq!(object_type("/api/v1/admin/calendar/{year}"), "calendar");
        assert_eq!(object_type("/api/v1/admin"), "api");
    }
}
