//! Migrations apply, re-apply and roll back on both databases.

use migration::{Migrator, MigratorTrait};
use tests::{Backend, both};

async fn migrations_go_up_down_and_up_again(backend: Backend) {
    let (url, _dir) = tests::app::fresh_database(backend).await;
    // One connection: the migrations run one statement at a time, and a
    // default pool of ten once left sqlx spinning in its acquire loop
    // (seen once, on SQLite).
    let mut opts = sea_orm::ConnectOptions::new(url.clone());
    opts.max_connections(1).sqlx_logging(false);
    let db = sea_orm::Database::connect(opts).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    assert!(
        Migrator::get_pending_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );
    // A second run is a no-op.
    Migrator::up(&db, None).await.unwrap();
    Migrator::down(&db, None).await.unwrap();
    assert_eq!(
        Migrator::get_pending_migrations(&db).await.unwrap().len(),
        Migrator::migrations().len()
    );
    Migrator::up(&db, None).await.unwrap();
    assert!(
        Migrator::get_pending_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );
}

both!(migrations_go_up_down_and_up_again);
