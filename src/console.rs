//! The staff console (`console/`, Vue), built into `console/dist` and
//! embedded in the binary, served at `/console/`.
//!
//! - hashed assets (`assets/*-<hash>.js`) are cached for a year as immutable;
//!   `index.html` is revalidated every time, so a release shows at once;
//! - the build writes `.br` and `.gz` beside each text file; the smallest the
//!   client accepts is sent as it is, with no compression work per request;
//! - a path that is not a file is a deep link into the app: `index.html`;
//! - a strict Content-Security-Policy: scripts, styles, data and fonts from
//!   this origin only, no inline script.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use include_dir::{Dir, include_dir};

static BUNDLE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/console/dist");

/// Inline styles stay allowed: Element Plus positions popups with style
/// attributes. Images may be `data:` (the sign-in QR code) or `blob:`
/// (evidence photos fetched with the session).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
     connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::redirect("/console", "/console/"))
        .route("/console/{path:.*}", web::get().to(serve))
        .route("/console/{path:.*}", web::head().to(serve));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    fn suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => ".br",
            Encoding::Gzip => ".gz",
            Encoding::Identity => "",
        }
    }

    fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }
}

/// The encodings an `Accept-Encoding` header allows, best first (a `q=0`
/// refuses one).
pub fn accepted(accept_encoding: &str) -> Vec<Encoding> {
    let allows = |name: &str| {
        accept_encoding.split(',').any(|part| {
            let mut pieces = part.split(';').map(str::trim);
            let named = pieces.next().is_some_and(|n| n.eq_ignore_ascii_case(name));
            let refused = pieces.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            named && !refused
        })
    };
    let mut out = Vec::new();
    if allows("br") {
        out.push(Encoding::Brotli);
    }
    if allows("gzip") {
        out.push(Encoding::Gzip);
    }
    out.push(Encoding::Identity);
    out
}

/// The bundle file a request path names; deep links get the app itself.
pub fn resolve(path: &str) -> Option<&'static str> {
    let path = path.trim_start_matches('/');
    if path.is_empty() || path == "index.html" {
        return Some("index.html");
    }
    if path.split('/').any(|s| s == ".." || s.is_empty()) {
        return None;
    }
    if BUNDLE.get_file(path).is_some() {
        return BUNDLE.get_file(path).and_then(|f| f.path().to_str());
    }
    // A missing asset is a 404 (a stale page after a release must not get
    // HTML for its script); anything else is a route of the app.
    let looks_like_file = path.starts_with("assets/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'));
    (!looks_like_file).then_some("index.html")
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Hashed assets never change under their name; the page must be fresh.
pub fn cache_control(file: &str) -> &'static str {
    if file.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

async fn serve(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let Some(file) = resolve(&path) else {
        return not_found();
    };
    let accept = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some((encoding, body)) = accepted(accept).into_iter().find_map(|e| {
        BUNDLE
            .get_file(format!("{file}{}", e.suffix()))
            .map(|f| (e, f.contents()))
    }) else {
        return not_found();
    };
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CONTENT_TYPE, content_type(file)))
        .insert_header((header::CACHE_CONTROL, cache_control(file)))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    if let Some(name) = encoding.header() {
        res.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static(name)));
    }
    if req.method() == actix_web::http::Method::HEAD {
        return res.finish();
    }
    res.body(body)
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body("not found")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_accepted_encoding_comes_first() {
        assert_eq!(
            accepted("gzip, deflate, br, zstd"),
            [Encoding::Brotli, Encoding::Gzip, Encoding::Identity]
        );
        assert_eq!(accepted("gzip"), [Encoding::Gzip, Encoding::Identity]);
        assert_eq!(accepted(""), [Encoding::Identity]);
        assert_eq!(
            accepted("br;q=0, gzip;q=0.5"),
            [Encoding::Gzip, Encoding::Identity]
        );
    }

    #[test]
    fn deep_links_get_the_app_and_missing_assets_do_not() {
        assert_eq!(resolve(""), Some("index.html"));
        assert_eq!(resolve("handler/cases/0193"), Some("index.html"));
        assert_eq!(resolve("assets/index-gone.js"), None);
        assert_eq!(resolve("favicon.ico"), None);
        assert_eq!(resolve("../Cargo.toml"), None);
        assert_eq!(resolve("assets//x"), None);
    }

    #[test]
    fn only_hashed_assets_are_immutable() {
        assert_eq!(cache_control("index.html"), "no-cache");
        assert!(cache_control("assets/index-abc123.js").contains("immutable"));
    }

    #[test]
    fn the_bundle_is_embedded_with_its_compressed_copies() {
        let index = BUNDLE
            .get_file("index.html")
            .expect("console/dist/index.html");
        let html = std::str::from_utf8(index.contents()).expect("utf-8");
        assert!(
            html.contains("/console/assets/"),
            "built with base /console/"
        );
        assert!(!html.contains("<script>"), "no inline script");
        assert!(BUNDLE.get_file("index.html.br").is_some());
        assert!(BUNDLE.get_file("index.html.gz").is_some());
    }
}
