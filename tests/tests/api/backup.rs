//! Backups: `tongcheng backup` copies the SQLite database while orders keep
//! coming in, and `tongcheng restore` puts the copy in place; the restored
//! books balance and hold every order committed before the copy. PostgreSQL
//! is backed up with `pg_dump` and restored with `pg_restore`, as the
//! README shows, and `tongcheng backup` says so.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use tests::{Backend, TestApp, both};

use crate::cli::run_on;
use crate::delivery::{monday_10am, paid_order};

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .expect("query")
    .expect("row")
    .try_get_by_index::<i64>(0)
    .expect("count")
}

/// The books of a database balance: every posting sums to zero.
async fn assert_balanced(db: &DatabaseConnection) {
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM (SELECT posting_id FROM ledger_entries GROUP BY posting_id HAVING SUM(amount_fen) <> 0) unbalanced"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            db,
            "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM ledger_entries"
        )
        .await,
        0
    );
}

fn run(dir: &Path, url: &str, args: &[&str]) -> std::process::Output {
    run_on(dir, url, args, None)
}

async fn a_backup_taken_under_load_restores_whole(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.set(monday_10am());
    let resident = app.demo_token("zhang").await;
    paid_order(&app, &resident).await;
    let dir = tempfile::tempdir().expect("dir");
    match backend {
        Backend::Sqlite => sqlite_round_trip(&app, dir.path(), &resident).await,
        Backend::Postgres => postgres_round_trip(&app, dir.path()).await,
    }
}

async fn sqlite_round_trip(app: &TestApp, dir: &Path, resident: &str) {
    // Orders keep coming in while the copy is taken.
    let placed = Arc::new(Mutex::new(Vec::<i64>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let kitchen = app.demo_token("huaqiao").await;
    let store = app.get("/api/v1/merchant/store", Some(&kitchen)).await.body["id"].clone();
    let address = app.get("/api/v1/addresses", Some(resident)).await.body[0]["id"].clone();
    let order = serde_json::json!({"store_id": store, "address_id": address, "items": [{"sku_id": app.kitchen_sku("黑猪肉包子").await, "qty": 2}]});
    let load = {
        let (placed, stop) = (placed.clone(), stop.clone());
        let url = format!("{}/api/v1/orders", app.address);
        let resident = resident.to_owned();
        let client = app.client.clone();
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let Ok(r) = client
                    .post(&url)
                    .bearer_auth(&resident)
                    .json(&order)
                    .send()
                    .await
                else {
                    break;
                };
                if r.status() == 201
                    && let Ok(body) = r.json::<serde_json::Value>().await
                    && let Some(id) = body["id"].as_i64()
                {
                    placed.lock().expect("placed").push(id);
                }
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let committed_before: Vec<i64> = placed.lock().expect("placed").clone();
    let copy = dir.join("backup.db");
    let url = app.database_url.clone();
    let copy_arg = copy.display().to_string();
    let dir_owned = dir.to_path_buf();
    let out = tokio::task::spawn_blocking(move || run(&dir_owned, &url, &["backup", &copy_arg]))
        .await
        .expect("join");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    load.await.expect("load");
    assert!(
        !committed_before.is_empty(),
        "orders came in before the copy"
    );

    // A backup never overwrites; a non-database is not restored.
    let again = run(
        dir,
        &app.database_url,
        &["backup", &copy.display().to_string()],
    );
    assert_eq!(again.status.code(), Some(1));
    let junk = dir.join("junk.db");
    std::fs::write(&junk, b"not a database").expect("junk");
    let target = format!("sqlite://{}?mode=rwc", dir.join("restored.db").display());
    let refused = run(dir, &target, &["restore", &junk.display().to_string()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(!dir.join("restored.db").exists(), "nothing half-written");

    // Restored into a new place; a second restore needs --force.
    let restore = run(dir, &target, &["restore", &copy.display().to_string()]);
    assert!(
        restore.status.success(),
        "{}",
        String::from_utf8_lossy(&restore.stderr)
    );
    let over = run(dir, &target, &["restore", &copy.display().to_string()]);
    assert_eq!(over.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&over.stderr).contains("--force"));
    let forced = run(
        dir,
        &target,
        &["restore", "--force", &copy.display().to_string()],
    );
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );

    let restored = Database::connect(target.as_str()).await.expect("restored");
    assert_balanced(&restored).await;
    for id in &committed_before {
        assert_eq!(
            count(
                &restored,
                &format!("SELECT COUNT(*) FROM orders WHERE id = {id}")
            )
            .await,
            1,
            "order {id} was committed before the copy"
        );
    }
    let check = run(dir, &target, &["check", "--demo"]);
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("schema up to date"),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

async fn postgres_round_trip(app: &TestApp, dir: &Path) {
    // `tongcheng backup` points PostgreSQL to its own tools.
    let refused = run(dir, &app.database_url, &["backup", "x.db"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("pg_dump"));

    // The README's commands: pg_dump -Fc, then pg_restore into a new database.
    let dump = dir.join("tongcheng.dump");
    let out = std::process::Command::new(tests::pg::bin("pg_dump"))
        .args(["-Fc", "--no-owner", "-f"])
        .arg(&dump)
        .arg(&app.database_url)
        .output()
        .expect("pg_dump");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (target, _) = tests::app::fresh_database(Backend::Postgres).await;
    let out = std::process::Command::new(tests::pg::bin("pg_restore"))
        .args(["--no-owner", "-d", &target])
        .arg(&dump)
        .output()
        .expect("pg_restore");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = Database::connect(target.as_str()).await.expect("restored");
    assert_balanced(&restored).await;
    assert_eq!(
        count(&restored, "SELECT COUNT(*) FROM orders").await,
        count(&app.db, "SELECT COUNT(*) FROM orders").await
    );
    assert!(count(&restored, "SELECT COUNT(*) FROM orders").await >= 1);
}

both!(a_backup_taken_under_load_restores_whole);
