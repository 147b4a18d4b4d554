//! The mini-program (`miniprogram/`) against the real server: its pages,
//! rendered from their WXML by miniprogram-simulate under Node's test
//! runner, call `tongcheng serve --demo` over HTTP (only WeChat's own
//! calls — the login code, the payment sheet, the map — are stubbed at the
//! `wx.*` boundary). Before they run, the client's API types must be the
//! ones generated from the document this server serves, and the client
//! must type-check against them.
//!
//! Needs Node.js 20 and npm; the packages come from `package-lock.json`
//! (`npm ci`, once per lockfile).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tests::process::DemoServer;

fn client_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .join("miniprogram")
}

fn npm(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("npm");
    cmd.current_dir(dir).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap_or_else(|e| {
        panic!("npm could not run ({e}): the mini-program's tests need Node.js 20 and npm")
    })
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Installs the client's packages from the lockfile, unless the installed
/// ones were made from this very lockfile.
fn install(dir: &Path) {
    let lock = std::fs::read(dir.join("package-lock.json")).expect("package-lock.json");
    let stamp = dir.join("node_modules").join(".tongcheng-lock.json");
    if std::fs::read(&stamp).is_ok_and(|s| s == lock) {
        return;
    }
    let out = npm(dir, &["ci", "--no-audit", "--no-fund"], &[]);
    assert!(out.status.success(), "npm ci failed:\n{}", text(&out));
    std::fs::write(&stamp, lock).expect("stamp");
}

/// The operator's username and password, as the first start prints them.
fn operator_login(seen: &[String]) -> (String, String) {
    let line = seen
        .iter()
        .find(|l| l.contains("operator login:") && l.contains("password"))
        .unwrap_or_else(|| panic!("no operator password in the server's output: {seen:?}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let after = |w: &str| {
        words
            .iter()
            .position(|x| *x == w)
            .and_then(|i| words.get(i + 1))
            .map(|s| (*s).to_owned())
            .unwrap_or_else(|| panic!("no {w} in {line}"))
    };
    (after("username"), after("password"))
}

#[test]
fn the_mini_program_passes_its_flows_against_the_real_server() {
    let dir = client_dir();
    install(&dir);

    let cwd = tempfile::tempdir().expect("cwd");
    // Village departures are planned soon after their cut-off, so that the
    // village flow runs on the real clock in a couple of minutes.
    let (server, seen) = DemoServer::start(
        cwd.path(),
        &[(
            "TONGCHENG__WORKER__PLANNING_INTERVAL_SECS",
            "10".to_string(),
        )],
    );
    let api = server.base.clone();
    let (operator, password) = operator_login(&seen);

    // The types the client compiles against are the served document's.
    let live = cwd.path().join("live-schema.d.ts");
    let generated = npm(
        &dir,
        &[
            "exec",
            "--",
            "openapi-typescript",
            &format!("{api}/api-docs/openapi.json"),
            "-o",
            &live.display().to_string(),
        ],
        &[],
    );
    let tested = npm(
        &dir,
        &["test"],
        &[
            ("TONGCHENG_API", &api),
            ("TONGCHENG_OPERATOR", &operator),
            ("TONGCHENG_OPERATOR_PASSWORD", &password),
        ],
    );
    server.kill9();

    assert!(
        generated.status.success(),
        "openapi-typescript failed:\n{}",
        text(&generated)
    );
    let committed = std::fs::read_to_string(dir.join("src/api/schema.d.ts")).expect("schema");
    let served = std::fs::read_to_string(&live).expect("live schema");
    assert!(
        committed == served,
        "miniprogram/src/api/schema.d.ts is not the served API's: run `npm run api` in miniprogram/"
    );
    let report = text(&tested);
    println!("{report}");
    assert!(
        tested.status.success(),
        "the mini-program's tests failed:\n{report}"
    );
}
