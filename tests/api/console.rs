//! The embedded console: served from the binary with a strict CSP,
//! precompressed, hashed assets immutable, deep links falling back to the app.

use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
};

use crate::helpers::spawn_app;

/// The client sees raw bytes: it must not decompress them itself.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[actix_web::test]
async fn the_console_page_is_served_compressed_with_a_strict_policy() {
    let app = spawn_app().await;
    let client = raw_client();
    let page = client
        .get(app.url("/console/"))
        .header(ACCEPT_ENCODING, "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()[CONTENT_ENCODING], "br");
    assert_eq!(page.headers()[CACHE_CONTROL], "no-cache");
    assert!(
        page.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = page.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe-eval"));
    assert!(csp.contains("frame-ancestors 'none'"));

    // Without compression the page itself, naming its hashed script.
    let plain = client.get(app.url("/console/")).send().await.unwrap();
    assert!(plain.headers().get(CONTENT_ENCODING).is_none());
    let html = plain.text().await.unwrap();
    let script = html
        .split("src=\"/console/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a script in the page")
        .to_owned();
    assert!(
        script.starts_with("assets/index-") && script.ends_with(".js"),
        "{script}"
    );

    let asset = client
        .get(app.url(&format!("/console/{script}")))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(asset.status(), StatusCode::OK);
    assert_eq!(asset.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(
        asset.headers()[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(
        asset.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
}

#[actix_web::test]
async fn deep_links_open_the_app_and_missing_assets_are_404() {
    let app = spawn_app().await;
    let client = raw_client();
    let deep = client
        .get(app.url("/console/handler/cases/0193a3c8-0000-7000-8000-000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(deep.status(), StatusCode::OK);
    assert!(deep.text().await.unwrap().contains("<div id=\"app\">"));

    let gone = client
        .get(app.url("/console/assets/index-old.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);

    let bare = client.get(app.url("/console")).send().await.unwrap();
    assert!(bare.status().is_redirection());
    assert_eq!(bare.headers()["location"], "/console/");
}
