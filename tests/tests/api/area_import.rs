//! A county's communities, villages and agent points from CSV files: a dry run says
//! what would change and writes nothing, a bad file is refused whole with
//! every bad line named, and the same file twice changes nothing.

use std::path::Path;
use std::process::Output;

use sea_orm::{ConnectionTrait, Database, Statement};
use tests::{Backend, both};

use crate::cli::{output_text as text, run_on};

fn run(dir: &Path, url: &str, args: &[&str]) -> Output {
    run_on(dir, url, args, None)
}

async fn a_county_imports_its_villages_from_a_spreadsheet(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let (url, _pg) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}?mode=rwc", dir.path().join("c.db").display()),
            None,
        ),
        Backend::Postgres => tests::app::fresh_database(backend).await,
    };
    let d = dir.path();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/samples/villages.csv");
    let sample = sample.display().to_string();
    let create = run(
        d,
        &url,
        &[
            "platform",
            "create",
            "--code",
            "kang",
            "--name",
            "康县同城",
            "--region",
            "甘肃省陇南市康县",
            "--centre",
            "33.329,105.609",
        ],
    );
    assert!(create.status.success(), "{}", text(&create));
    let db = Database::connect(url.as_str()).await.expect("db");
    let count = |table: &'static str| {
        let db = db.clone();
        async move {
            db.query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row")
            .try_get_by_index::<i64>(0)
            .expect("n")
        }
    };

    // An unknown county, and a file with bad lines: refused, nothing written.
    let unknown = run(
        d,
        &url,
        &["import", "villages", &sample, "--platform", "nowhere"],
    );
    assert_eq!(unknown.status.code(), Some(1), "{}", text(&unknown));
    let bad = d.join("bad.csv");
    std::fs::write(
        &bad,
        "township,village,village_lat,village_lng,agent_point,keeper_name,phone,lat,lng,opening_hours\n\
         长坝镇,花桥村,33.41,105.71,花桥村便民服务点,杨秀英,13909391001,33.41,105.72,08:00-20:00\n\
         长坝镇,石门村,95.0,105.74,,,,,,\n\
         长坝镇,李家庄村,33.39,105.70,李家庄村便民服务点,李德明,12345,33.39,105.70,08:30-19:00\n\
         长坝镇,王家村,33.39,105.70,王家村便民服务点,王,13909391003,33.39,105.70,8 to 7\n",
    )
    .expect("bad file");
    let refused = run(
        d,
        &url,
        &[
            "import",
            "villages",
            &bad.display().to_string(),
            "--platform",
            "kang",
        ],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    let said = text(&refused);
    for (line, field) in [(3, "village_lat"), (4, "phone"), (5, "opening_hours")] {
        assert!(
            said.contains(&format!("line {line}: {field}:")),
            "line {line} ({field}) not named:\n{said}"
        );
    }
    assert!(!said.contains("line 2"), "{said}");
    assert_eq!(count("villages").await, 0, "nothing half-written");

    // A dry run counts and writes nothing; the import writes; again: nothing.
    let dry = run(
        d,
        &url,
        &[
            "import",
            "villages",
            &sample,
            "--platform",
            "kang",
            "--dry-run",
        ],
    );
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(
        text(&dry)
            .contains("would import 12 lines: villages 11 new, 0 changed; agent points 11 new"),
        "{}",
        text(&dry)
    );
    assert_eq!(count("villages").await, 0);
    let done = run(
        d,
        &url,
        &["import", "villages", &sample, "--platform", "kang"],
    );
    assert!(done.status.success(), "{}", text(&done));
    assert_eq!(count("villages").await, 11);
    assert_eq!(count("agent_points").await, 11);
    let again = run(
        d,
        &url,
        &["import", "villages", &sample, "--platform", "kang"],
    );
    assert!(
        text(&again)
            .contains("villages 0 new, 0 changed; agent points 0 new, 0 changed; 12 unchanged"),
        "{}",
        text(&again)
    );
    assert_eq!(count("agent_points").await, 11);

    // Communities the same way.
    let communities = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/samples/communities.csv");
    let communities = communities.display().to_string();
    let bad = d.join("bad-communities.csv");
    std::fs::write(
        &bad,
        "name,lat,lng,radius_m\n东关社区,33.33,105.61,900\n西关社区,33.32,105.59,10\n",
    )
    .expect("bad");
    let refused = run(
        d,
        &url,
        &[
            "import",
            "communities",
            &bad.display().to_string(),
            "--platform",
            "kang",
        ],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("line 3: radius_m:"),
        "{}",
        text(&refused)
    );
    assert_eq!(count("communities").await, 0);
    let done = run(
        d,
        &url,
        &["import", "communities", &communities, "--platform", "kang"],
    );
    assert!(
        text(&done).contains("imported 5 lines: communities 5 new, 0 changed; 0 unchanged"),
        "{}",
        text(&done)
    );
    let again = run(
        d,
        &url,
        &["import", "communities", &communities, "--platform", "kang"],
    );
    assert!(text(&again).contains("5 unchanged"), "{}", text(&again));
    assert_eq!(count("communities").await, 5);
}

both!(a_county_imports_its_villages_from_a_spreadsheet);
