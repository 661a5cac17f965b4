//! The OpenAPI document: the base here, every path collected from the
//! handlers registered in `routes::routes`.

use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Yuhui 渝惠 API",
        description = "Backend of the Yuhui mini-program: 15-minute convenience circle, \
                       consumption vouchers, trade-in subsidies, tourism and 12315 complaints. \
                       Errors are `{code, message, details}`; money is integer fen; times are RFC 3339."
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "identity", description = "Login and the caller's profile"),
        (name = "merchants", description = "Merchant applications and profiles"),
        (name = "credit", description = "山城有信 merchant credit profiles and 一企一码 signed codes"),
        (name = "admin", description = "Administration"),
        (name = "places", description = "Shops, nearby search and the 15-minute circle"),
        (name = "merchant", description = "Merchant staff: their shops"),
        (name = "complaints", description = "12315 complaints: filing, triage, mediation, disclosure"),
        (name = "vouchers", description = "Consumption vouchers: campaigns, claims, redemption"),
        (name = "trade-in", description = "Old-for-new trade-in: rules, quotes, offers, subsidy applications"),
        (name = "recycling", description = "Old-appliance recycling pickups"),
        (name = "tourism", description = "Culture and tourism: routes with stops, the events calendar"),
        (name = "reference", description = "Reference data"),
        (name = "operations", description = "Health, readiness, metrics"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            );
    }
}

/// The whole document, built by registering the routes on a throwaway app,
/// then completed with the answers that come from the framework and from what
/// a route does rather than from its handler (`routes::ROUTE_ANSWERS`).
pub fn document() -> OpenApiDoc {
    let (_, mut doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::routes)
        .split_for_parts();
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                let route_answers = crate::routes::ROUTE_ANSWERS
                    .iter()
                    .filter(|a| a.method == method && a.path == path)
                    .flat_map(|a| a.statuses.iter().copied());
                for status in framework_answers(operation).chain(route_answers) {
                    add_error_answer(operation, status);
                }
            }
        }
    }
    doc
}

/// Statuses the extractors and middleware give before a handler runs: a path
/// or query value that does not parse (400), a body that is not JSON, too
/// large or of the wrong type (400, 413, 415) or that fails validation (422),
/// and a missing or stale session (401).
fn framework_answers(operation: &Operation) -> impl Iterator<Item = u16> + use<> {
    let has_parameters = operation.parameters.iter().flatten().any(|p| match p {
        RefOr::T(p) => matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query),
        RefOr::Ref(_) => true,
    });
    let has_body = operation.request_body.is_some();
    let needs_session = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let mut statuses = Vec::new();
    if has_parameters || has_body {
        statuses.push(400);
    }
    if has_body {
        statuses.extend([413, 415, 422]);
    }
    if needs_session {
        statuses.push(401);
    }
    statuses.into_iter()
}

fn add_error_answer(operation: &mut Operation, status: u16) {
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| {
            ResponseBuilder::new()
                .description(describe(status))
                .content(
                    "application/json",
                    Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                )
                .build()
                .into()
        });
}

fn describe(status: u16) -> &'static str {
    match status {
        400 => "Malformed path, query or body (`bad_request`)",
        401 => "No session, or an expired or revoked one (`unauthorized`)",
        413 => "Body larger than the limit (`payload_too_large`)",
        415 => "Body not `application/json` (`unsupported_media_type`)",
        422 => "Body fails validation (`validation_failed`, `details.fields`)",
        429 => "Too many requests; `Retry-After` says when to try again (`rate_limited`)",
        502 => "WeChat answered with an error (`upstream_error`)",
        503 => {
            "WeChat is not configured or not answering (`wechat_not_configured`, `upstream_unavailable`)"
        }
        _ => "Error",
    }
}

#[cfg(test)]
mod document_tests {
    use std::collections::HashMap;
    use std::path::Path;

    fn collect(dir: &Path, names: &mut HashMap<String, Vec<String>>) {
        for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect(&path, names);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let mut derives_schema = false;
            for line in text.lines().map(str::trim) {
                if line.starts_with("#[derive(") {
                    derives_schema = line.contains("ToSchema");
                } else if derives_schema
                    && let Some(rest) = line
                        .strip_prefix("pub struct ")
                        .or_else(|| line.strip_prefix("pub enum "))
                {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    names
                        .entry(name)
                        .or_default()
                        .push(path.display().to_string());
                    derives_schema = false;
                }
            }
        }
    }

    /// The document names schemas by type name alone: two types of one name
    /// silently become one schema, and one of them is then described wrong
    /// (a case timeline once documented as tourism events).
    #[test]
    fn no_two_schema_types_share_a_name() {
        let mut names = HashMap::new();
        collect(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut names,
        );
        let shared: Vec<_> = names.iter().filter(|(_, files)| files.len() > 1).collect();
        assert!(names.len() > 50, "found only {} schema types", names.len());
        assert!(shared.is_empty(), "schema names used twice: {shared:?}");
    }

    /// Generated clients name their calls by operation id, and the
    /// specification wants each unique: two handlers named `reject` once
    /// gave the console's merchant review the types of a case rejection.
    #[test]
    fn every_operation_has_its_own_id() {
        let doc = super::document();
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut operations = 0;
        for (path, item) in &doc.paths.paths {
            for (method, op) in [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
            ] {
                let Some(op) = op else { continue };
                operations += 1;
                let id = op.operation_id.clone().unwrap_or_default();
                assert!(!id.is_empty(), "{method} {path} has no operation id");
                if let Some(other) = seen.insert(id.clone(), format!("{method} {path}")) {
                    panic!("operation id {id} is used by {other} and by {method} {path}");
                }
            }
        }
        assert!(operations > 80, "found only {operations} operations");
    }
}
