//! The `tongcheng` binary as an operator runs it: `serve --demo` with no
//! configuration, refusal without a JWT secret, `migrate`, `seed-demo`,
//! graceful exit on SIGTERM.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use tests::{Backend, both};

pub(crate) use tests::process::{free_port, lines, tongcheng, wait_for};

/// Runs `tongcheng ARGS` on the database at `url`, with `stdin` as
/// standard input.
pub(crate) fn run_on(cwd: &Path, url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    run_with(
        cwd,
        &[("TONGCHENG__DATABASE__URL", url.to_owned())],
        args,
        stdin,
    )
}

/// Runs `tongcheng ARGS` with only the given environment, with `stdin` as
/// standard input.
pub(crate) fn run_with(
    cwd: &Path,
    env: &[(&str, String)],
    args: &[&str],
    stdin: Option<&str>,
) -> Output {
    let mut child = tongcheng(cwd, env)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tongcheng");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("tongcheng output")
}

/// What a run printed, standard output then standard error.
pub(crate) fn output_text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn serve_demo_runs_with_no_configuration(backend: Backend) {
    let cwd = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut env = vec![("TONGCHENG__HTTP__BIND", format!("127.0.0.1:{port}"))];
    let mut _pg_dir = None;
    if backend == Backend::Postgres {
        let (url, dir) = tests::app::fresh_database(backend).await;
        _pg_dir = dir;
        env.push(("TONGCHENG__DATABASE__URL", url));
    }
    let mut child = tongcheng(cwd.path(), &env)
        // Three days of made-up past (a month takes long in a debug build).
        .args(["serve", "--demo", "--demo-days", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let rx = lines(&mut child);
    let mut seen = Vec::new();
    let password_line = wait_for(&rx, "operator login:", &mut seen);
    let password = password_line
        .split("password ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("password printed at seed time")
        .to_owned();
    let past = wait_for(&rx, "the past 3 days:", &mut seen);
    assert!(past.contains("delivered in town"), "{past}");
    wait_for(&rx, "Tongcheng serving on", &mut seen);
    if backend == Backend::Sqlite {
        assert!(cwd.path().join("tongcheng.db").exists(), "no SQLite file");
    }

    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let login = client
        .post(format!("{base}/api/v1/auth/wechat-login"))
        .json(&json!({"code": "demo:huaqiao"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let op = client
        .post(format!("{base}/api/v1/auth/password-login"))
        .json(&json!({"username": "kang-admin", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(op.status(), 200);

    // SIGTERM: the server drains, the worker stops, the process exits 0.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    wait_for(&rx, "worker stopped", &mut seen);
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(exit.success(), "exit status {exit:?}");
}

async fn serve_refuses_to_start_without_a_jwt_secret(_backend: Backend) {
    let cwd = tempfile::tempdir().unwrap();
    let out = tongcheng(cwd.path(), &[]).arg("serve").output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("TONGCHENG__AUTH__JWT_SECRET"), "{stderr}");

    // A known default is refused before anything binds (a free port keeps a
    // regression from hanging on a busy one).
    let weak = tongcheng(
        cwd.path(),
        &[
            ("TONGCHENG__AUTH__JWT_SECRET", "changeme".to_owned()),
            (
                "TONGCHENG__HTTP__BIND",
                format!("127.0.0.1:{}", free_port()),
            ),
        ],
    )
    .arg("serve")
    .output()
    .unwrap();
    assert!(!weak.status.success());
    let stderr = String::from_utf8_lossy(&weak.stderr);
    assert!(stderr.contains("TONGCHENG__AUTH__JWT_SECRET"), "{stderr}");

    let bad_key = tongcheng(
        cwd.path(),
        &[("TONGCHENG__DATABASE__URL", "mysql://x".to_owned())],
    )
    .arg("migrate")
    .output()
    .unwrap();
    assert_eq!(bad_key.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_key.stderr).contains("TONGCHENG__DATABASE__URL"));
}

async fn migrate_and_seed_demo_are_repeatable(backend: Backend) {
    let cwd = tempfile::tempdir().unwrap();
    let (url, _dir) = tests::app::fresh_database(backend).await;
    let env = [("TONGCHENG__DATABASE__URL", url)];
    for _ in 0..2 {
        let out = tongcheng(cwd.path(), &env).arg("migrate").output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let first = tongcheng(cwd.path(), &env)
        .args(["seed-demo", "--demo-days", "2"])
        .output()
        .unwrap();
    let first = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(first.contains("password "), "{first}");
    assert!(first.contains("the past 2 days:"), "{first}");
    let second = tongcheng(cwd.path(), &env)
        .args(["seed-demo", "--demo-days", "2"])
        .output()
        .unwrap();
    let second = String::from_utf8_lossy(&second.stdout).to_string();
    assert!(second.contains("rows inserted: 0"), "{second}");
    assert!(
        !second.contains("the past"),
        "a second run adds no past: {second}"
    );
    assert!(second.contains("password unchanged"), "{second}");
}

async fn help_explains_every_command(_backend: Backend) {
    let cwd = tempfile::tempdir().unwrap();
    let out = tongcheng(cwd.path(), &[]).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for word in ["serve", "migrate", "seed-demo", "TONGCHENG__", "--config"] {
        assert!(help.contains(word), "{word} missing from --help:\n{help}");
    }
    let serve = tongcheng(cwd.path(), &[])
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&serve.stdout).contains("--demo"));
}

async fn check_names_every_problem_with_the_key_to_fix(backend: Backend) {
    let cwd = tempfile::tempdir().unwrap();
    let (url, _pg) = match backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}?mode=rwc", cwd.path().join("t.db").display());
            // An existing file with no schema: migrations are pending.
            std::fs::write(cwd.path().join("t.db"), b"").unwrap();
            (url, None)
        }
        Backend::Postgres => tests::app::fresh_database(backend).await,
    };
    let not_a_dir = cwd.path().join("media-file");
    std::fs::write(&not_a_dir, b"x").unwrap();
    let bad = [
        ("TONGCHENG__DATABASE__URL", url.clone()),
        ("TONGCHENG__AUTH__JWT_SECRET", "changeme".to_owned()),
        ("TONGCHENG__HTTP__BIND", "everywhere".to_owned()),
        ("TONGCHENG__WECHAT__APPID", "wx0123456789abcdef".to_owned()),
        ("TONGCHENG__WECHATPAY__MCHID", "1900000001".to_owned()),
        (
            "TONGCHENG__WECHATPAY__NOTIFY_URL",
            "http://pay.example/notify".to_owned(),
        ),
        ("TONGCHENG__MEDIA__DIR", not_a_dir.display().to_string()),
    ];
    // A configuration that does not even load is a problem like the others.
    let out = tongcheng(cwd.path(), &bad).arg("check").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("PROBLEM") && text.contains("TONGCHENG__WECHAT__APPID"),
        "{text}"
    );
    let mut bad = bad.to_vec();
    bad.push((
        "TONGCHENG__WECHAT__SECRET",
        "mini-program-secret".to_owned(),
    ));
    let out = tongcheng(cwd.path(), &bad).arg("check").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{text}");
    for key in [
        "TONGCHENG__AUTH__JWT_SECRET",
        "TONGCHENG__HTTP__BIND",
        "TONGCHENG__WECHATPAY__NOTIFY_URL",
        "TONGCHENG__WECHATPAY__MERCHANT_KEY_PEM_FILE",
        "TONGCHENG__MEDIA__DIR",
        "TONGCHENG__DATABASE__URL",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("PROBLEM") && l.contains(key)),
            "{key} not named:\n{text}"
        );
    }
    assert!(text.contains("not applied"), "pending migrations: {text}");

    // Fixed, and migrated: nothing to report.
    let media = cwd.path().join("media");
    let good = [
        ("TONGCHENG__DATABASE__URL", url.clone()),
        (
            "TONGCHENG__AUTH__JWT_SECRET",
            "a-random-secret-of-at-least-32-bytes-long".to_owned(),
        ),
        ("TONGCHENG__MEDIA__DIR", media.display().to_string()),
    ];
    let migrate = tongcheng(cwd.path(), &good)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    let out = tongcheng(cwd.path(), &good).arg("check").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("no problems found"), "{text}");
    assert!(text.contains("schema up to date"), "{text}");
    assert!(!media.exists(), "check leaves nothing behind");
    let leftovers: Vec<_> = std::fs::read_dir(cwd.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".tongcheng-check")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

both!(
    serve_demo_runs_with_no_configuration,
    migrate_and_seed_demo_are_repeatable,
    check_names_every_problem_with_the_key_to_fix,
);

mod single {
    #[tokio::test]
    async fn serve_refuses_to_start_without_a_jwt_secret() {
        super::serve_refuses_to_start_without_a_jwt_secret(tests::Backend::Sqlite).await
    }
    #[tokio::test]
    async fn help_explains_every_command() {
        super::help_explains_every_command(tests::Backend::Sqlite).await
    }
}
