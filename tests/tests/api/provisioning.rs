//! Opening a county from the command line, as a host would: `tongcheng
//! platform create|list` and `tongcheng operator add|reset-password` on an
//! empty database, then the operator signs in over HTTP.

use std::process::{Output, Stdio};

use serde_json::json;
use tests::{Backend, both};

use crate::cli::{lines, output_text as text, run_on as run, tongcheng, wait_for};

const SECRET: &str = "provisioning-test-secret-of-32-bytes!";

/// The password printed once in `out`, right after `marker`.
fn printed_password(out: &Output, marker: &str) -> String {
    String::from_utf8_lossy(&out.stdout)
        .split(marker)
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no password printed: {}", text(out)))
        .to_owned()
}

const CREATE: &[&str] = &[
    "platform",
    "create",
    "--code",
    "cheng",
    "--name",
    "成县同城",
    "--region",
    "甘肃省陇南市成县",
    "--utc-offset",
    "+08:00",
    "--centre",
    "33.7503,105.7425",
];

async fn a_county_is_opened_from_the_command_line(backend: Backend) {
    let cwd = tempfile::tempdir().expect("cwd");
    let (url, _pg) = match backend {
        Backend::Sqlite => (
            format!(
                "sqlite://{}?mode=rwc",
                cwd.path().join("county.db").display()
            ),
            None,
        ),
        Backend::Postgres => tests::app::fresh_database(backend).await,
    };
    let dir = cwd.path();

    // Bad input is refused with the field to fix, and nothing is written.
    for (flag, value, field) in [
        ("--centre", "95.1,105.7", "centre"),
        ("--utc-offset", "+15:00", "utc_offset"),
        ("--code", "Cheng County", "code"),
    ] {
        let mut args = CREATE.to_vec();
        let at = args.iter().position(|a| *a == flag).expect("flag") + 1;
        args[at] = value;
        let out = run(dir, &url, &args, None);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(text(&out).contains(field), "{}", text(&out));
    }
    let short = run(
        dir,
        &url,
        &[CREATE, &["--password-stdin"]].concat(),
        Some("short\n"),
    );
    assert_eq!(short.status.code(), Some(1), "{}", text(&short));
    assert!(text(&short).contains("password"), "{}", text(&short));
    let list = run(dir, &url, &["platform", "list"], None);
    assert!(list.status.success(), "{}", text(&list));
    assert!(
        !text(&list).contains("cheng"),
        "nothing half-written: {}",
        text(&list)
    );

    // The county and its first operator, with a password from stdin.
    let given = "chengxian-open-2026";
    let out = run(
        dir,
        &url,
        &[CREATE, &["--password-stdin"]].concat(),
        Some(&format!("{given}\n")),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("platform cheng created"),
        "{}",
        text(&out)
    );
    assert!(
        !text(&out).contains(given),
        "a given password is not echoed"
    );
    // The same again changes nothing; the code with another county is refused.
    let again = run(dir, &url, CREATE, None);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("unchanged"), "{}", text(&again));
    assert!(
        text(&again).contains("password unchanged"),
        "{}",
        text(&again)
    );
    let mut other = CREATE.to_vec();
    other[5] = "别的县";
    let taken = run(dir, &url, &other, None);
    assert_eq!(taken.status.code(), Some(1), "{}", text(&taken));
    assert!(text(&taken).contains("taken"), "{}", text(&taken));
    let list = run(dir, &url, &["platform", "list"], None);
    let listed = text(&list);
    assert!(
        listed.contains("cheng") && listed.contains("成县同城") && listed.contains("+08:00"),
        "{listed}"
    );

    // A second operator, with a generated password; a taken username is refused.
    let add = run(
        dir,
        &url,
        &[
            "operator",
            "add",
            "--platform",
            "cheng",
            "--username",
            "cheng-ops",
            "--name",
            "值班运营",
        ],
        None,
    );
    assert!(add.status.success(), "{}", text(&add));
    let second = printed_password(&add, "password ");
    let dup = run(
        dir,
        &url,
        &[
            "operator",
            "add",
            "--platform",
            "cheng",
            "--username",
            "cheng-ops",
        ],
        None,
    );
    assert_eq!(dup.status.code(), Some(1), "{}", text(&dup));
    let unknown = run(
        dir,
        &url,
        &[
            "operator",
            "add",
            "--platform",
            "nowhere",
            "--username",
            "x-ops",
        ],
        None,
    );
    assert_eq!(unknown.status.code(), Some(1), "{}", text(&unknown));
    assert!(
        text(&unknown).contains("platform not found"),
        "{}",
        text(&unknown)
    );

    // Both sign in over HTTP, as operators of the new county.
    let port = crate::cli::free_port();
    let mut server = tongcheng(
        dir,
        &[
            ("TONGCHENG__DATABASE__URL", url.clone()),
            ("TONGCHENG__AUTH__JWT_SECRET", SECRET.to_owned()),
            ("TONGCHENG__HTTP__BIND", format!("127.0.0.1:{port}")),
            ("TONGCHENG__WORKER__EMBEDDED", "false".to_owned()),
        ],
    )
    .arg("serve")
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("serve");
    let rx = lines(&mut server);
    wait_for(&rx, "Tongcheng serving on", &mut Vec::new());
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let http = reqwest::Client::new();
    let login = |username: &'static str, password: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let r = http
                .post(format!("{base}/auth/password-login"))
                .json(&json!({"username": username, "password": password}))
                .send()
                .await
                .expect("login");
            let status = r.status().as_u16();
            (
                status,
                r.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }
    };
    let (s, first) = login("cheng-admin", given.to_owned()).await;
    assert_eq!(s, 200, "{first}");
    assert!(
        first["user"]["roles"].to_string().contains("operator"),
        "{first}"
    );
    let (s, b) = login("cheng-ops", second.clone()).await;
    assert_eq!(s, 200, "{b}");
    let me = http
        .get(format!("{base}/admin/communities"))
        .bearer_auth(first["access_token"].as_str().unwrap_or_default())
        .send()
        .await
        .expect("communities");
    assert_eq!(me.status(), 200, "an operator of the new county");

    // A reset shuts the old password and the open sessions out.
    let reset = run(
        dir,
        &url,
        &["operator", "reset-password", "--username", "cheng-admin"],
        None,
    );
    assert!(reset.status.success(), "{}", text(&reset));
    assert!(
        text(&reset).contains("1 open sessions ended"),
        "{}",
        text(&reset)
    );
    let fresh = printed_password(&reset, "set to ");
    let (s, _) = login("cheng-admin", given.to_owned()).await;
    assert_eq!(s, 401, "the old password no longer works");
    let refreshed = http
        .post(format!("{base}/auth/refresh"))
        .json(&json!({"refresh_token": first["refresh_token"]}))
        .send()
        .await
        .expect("refresh");
    assert_eq!(refreshed.status(), 401, "the old session is ended");
    let (s, b) = login("cheng-admin", fresh).await;
    assert_eq!(s, 200, "{b}");
    let unknown = run(
        dir,
        &url,
        &["operator", "reset-password", "--username", "nobody"],
        None,
    );
    assert_eq!(unknown.status.code(), Some(1), "{}", text(&unknown));
    let _ = server.kill();
    let _ = server.wait();
}

both!(a_county_is_opened_from_the_command_line);
