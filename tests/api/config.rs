//! Production mode refuses unsafe configurations before serving anything.

use std::process::Command;

fn run_production(extra: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yuhui"));
    cmd.env_clear()
        .env("YUHUI_ENV", "production")
        .env("YUHUI_BIND", "127.0.0.1:0")
        .env("DATABASE_URL", "sqlite::memory:");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn production_without_a_jwt_secret_refuses_to_start() {
    let (ok, stderr) = run_production(&[]);
    assert!(!ok);
    assert!(stderr.contains("JWT_SECRET is required"), "{stderr}");
}

#[test]
fn production_with_a_short_jwt_secret_refuses_to_start() {
    let (ok, stderr) = run_production(&[("JWT_SECRET", "too-short")]);
    assert!(!ok);
    assert!(stderr.contains("at least 32"), "{stderr}");
}

#[test]
fn production_with_dev_login_refuses_to_start() {
    let (ok, stderr) = run_production(&[
        ("JWT_SECRET", "a-production-secret-of-enough-length-0123"),
        ("YUHUI_DEV_LOGIN", "true"),
    ]);
    assert!(!ok);
    assert!(stderr.contains("YUHUI_DEV_LOGIN"), "{stderr}");
}

#[test]
fn production_without_code_signing_keys_refuses_to_start() {
    let (ok, stderr) =
        run_production(&[("JWT_SECRET", "a-production-secret-of-enough-length-0123")]);
    assert!(!ok);
    assert!(stderr.contains("YUHUI_CREDIT_SIGNING_KEYS"), "{stderr}");
}

#[test]
fn unknown_commands_are_refused_with_usage() {
    let output = Command::new(env!("CARGO_BIN_EXE_yuhui"))
        .arg("frobnicate")
        .env("DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage: yuhui"));
}
