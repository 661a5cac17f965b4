//! The OpenAPI document lists every route the server registers.

use std::path::Path;

use reqwest::{Method, StatusCode};

use crate::helpers::spawn_app;

/// Handlers are the functions carrying an actix route attribute in `src/`.
fn handler_attributes_in(dir: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            handler_attributes_in(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines() {
                let line = line.trim();
                for method in ["get", "post", "put", "patch", "delete"] {
                    if line.starts_with(&format!("#[{method}(\"")) {
                        found.push(format!("{}: {line}", path.display()));
                    }
                }
            }
        }
    }
}

#[actix_web::test]
async fn every_handler_is_registered_and_documented() {
    let app = spawn_app().await;
    let doc = app.get("/api-docs/openapi.json", None).await;
    assert_eq!(doc.status, StatusCode::OK);
    let paths = doc.body["paths"].as_object().expect("paths");

    let mut operations = Vec::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                operations.push((method.to_uppercase(), path.clone()));
                let responses = operation["responses"].as_object().unwrap();
                assert!(
                    !responses.is_empty(),
                    "{method} {path} documents no response"
                );
            }
        }
    }

    let mut handlers = Vec::new();
    handler_attributes_in(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut handlers,
    );
    assert_eq!(
        operations.len(),
        handlers.len(),
        "handlers in src/ and operations in the OpenAPI document differ:\nhandlers: {handlers:#?}\noperations: {operations:#?}"
    );

    // Each documented operation is really served (not the unknown-route 404).
    for (method, path) in &operations {
        let concrete = path.replace("{id}", &uuid::Uuid::now_v7().to_string());
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let res = app
            .request(method.clone(), &concrete, None, Some(serde_json::json!({})))
            .await;
        let unknown_route =
            res.status == StatusCode::NOT_FOUND && res.body["message"] == "请求的接口不存在";
        assert!(
            !unknown_route,
            "{method} {path} is documented but not served"
        );
    }
}

#[actix_web::test]
async fn error_responses_are_documented_with_the_error_schema() {
    let app = spawn_app().await;
    let doc = app.get("/api-docs/openapi.json", None).await.body;
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let login = &doc["paths"]["/api/v1/auth/wechat/login"]["post"]["responses"];
    for status in ["200", "400", "401", "422", "429", "502"] {
        assert!(login[status].is_object(), "login lacks {status}");
    }
}

/// What the extractors refuse before a handler runs (a path value that is not
/// a UUID, a body that is not JSON, too large, or broken) is documented on
/// every operation that can meet it, as schemathesis checks in `.ci/contract`.
#[actix_web::test]
async fn refusals_before_the_handler_are_documented_on_every_operation() {
    let app = spawn_app().await;
    let token = app.login("demo-admin").await;
    let doc = app.get("/api-docs/openapi.json", None).await.body;
    let large = format!("{{\"padding\": \"{}\"}}", "x".repeat(70_000));
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let Ok(http_method) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            let documented = operation["responses"].as_object().expect("responses");
            let takes_json = operation["requestBody"]["content"]["application/json"].is_object();
            let mut tries: Vec<(String, &str, String)> = Vec::new();
            if path.contains('{') {
                let malformed = path
                    .split('/')
                    .map(|seg| {
                        if seg.starts_with('{') {
                            "not-a-uuid"
                        } else {
                            seg
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                tries.push((malformed, "application/json", "{}".into()));
            }
            if takes_json {
                let concrete = path
                    .split('/')
                    .map(|seg| if seg.starts_with('{') { "2026" } else { seg })
                    .collect::<Vec<_>>()
                    .join("/");
                tries.push((concrete.clone(), "text/plain", "{}".into()));
                tries.push((concrete.clone(), "application/json", "{\"broken".into()));
                tries.push((concrete, "application/json", large.clone()));
            }
            for (target, content_type, body) in tries {
                let res = app
                    .client
                    .request(http_method.clone(), app.url(&target))
                    .bearer_auth(&token)
                    .header("content-type", content_type)
                    .body(body)
                    .send()
                    .await
                    .expect("request sent");
                let status = res.status();
                assert!(
                    !status.is_server_error(),
                    "{method} {target} ({content_type}) answered {status}"
                );
                assert!(
                    documented.contains_key(status.as_str()),
                    "{method} {path}: {target} ({content_type}) answered {status}, \
                     not in the document ({:?})",
                    documented.keys().collect::<Vec<_>>()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} refusals tried");
}

#[actix_web::test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.to_lowercase().contains("swagger"));
    let res = app
        .client
        .get(app.url("/docs/swagger-ui.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // `/docs` without the slash leads there too.
    let res = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
