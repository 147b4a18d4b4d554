//! The job runner: retries with backoff, leases, de-duplication, periodic
//! singletons, and the refresh-token purge. Time is driven by the test clock.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use chrono::Duration;
use entity::job;
use entity::job::JobState;
use sea_orm::EntityTrait;
use serde_json::json;
use tests::app::ClockExt;
use tests::{Backend, TestApp, both};
use worker::jobs::{self, JobContext, JobError, JobFuture, JobHandler, NewJob, Worker};

/// Fails `fails` times (permanently if `permanent`), then succeeds; counts runs per job.
#[derive(Clone, Default)]
struct Scripted {
    fails: Arc<AtomicI32>,
    permanent: bool,
    runs: Arc<Mutex<HashMap<i64, i32>>>,
}

impl JobHandler for Scripted {
    fn run<'a>(&'a self, _ctx: &'a JobContext, job: &'a job::Model) -> JobFuture<'a> {
        Box::pin(async move {
            *self.runs.lock().unwrap().entry(job.id).or_default() += 1;
            if self.fails.fetch_sub(1, Ordering::SeqCst) > 0 {
                return Err(if self.permanent {
                    JobError::Permanent("refused for good".into())
                } else {
                    JobError::Retry("try later".into())
                });
            }
            Ok(())
        })
    }
}

fn worker_with(app: &TestApp, handler: Scripted) -> Worker {
    let mut w = Worker::bare(
        app.db.clone(),
        Arc::new(app.clock.clone()),
        &app.settings.worker,
    );
    w.register("test.scripted", handler);
    w
}

async fn enqueue(app: &TestApp, key: Option<&str>) -> Option<i64> {
    let mut job = NewJob::new("test.scripted", json!({"n": 1}), app.clock.now_utc());
    job.dedupe_key = key.map(str::to_owned);
    job.max_attempts = 4;
    jobs::enqueue(&app.db, job, app.clock.now_utc())
        .await
        .unwrap()
}

async fn load(app: &TestApp, id: i64) -> job::Model {
    job::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn failed_jobs_retry_after_a_growing_backoff(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let handler = Scripted {
        fails: Arc::new(AtomicI32::new(2)),
        ..Default::default()
    };
    let w = worker_with(&app, handler.clone());
    let id = enqueue(&app, None).await.unwrap();

    assert_eq!(w.run_pending().await.unwrap().failed, 1);
    let j = load(&app, id).await;
    assert_eq!((j.state.as_str(), j.attempts), ("queued", 1));
    assert_eq!(j.run_at, app.clock.now_utc() + Duration::seconds(10));
    assert_eq!(j.last_error.as_deref(), Some("try later"));

    // Not due yet.
    app.clock.advance(Duration::seconds(9));
    assert_eq!(w.run_pending().await.unwrap().failed, 0);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(w.run_pending().await.unwrap().failed, 1);
    assert_eq!(
        load(&app, id).await.run_at,
        app.clock.now_utc() + Duration::seconds(20)
    );
    app.clock.advance(Duration::seconds(20));
    assert_eq!(w.run_pending().await.unwrap().completed, 1);
    let j = load(&app, id).await;
    assert_eq!((j.state.as_str(), j.attempts), ("done", 3));
    assert_eq!(handler.runs.lock().unwrap()[&id], 3);
}

async fn jobs_fail_for_good_when_permanent_or_out_of_attempts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let permanent = Scripted {
        fails: Arc::new(AtomicI32::new(100)),
        permanent: true,
        ..Default::default()
    };
    let w = worker_with(&app, permanent);
    let id = enqueue(&app, None).await.unwrap();
    w.run_pending().await.unwrap();
    let j = load(&app, id).await;
    assert_eq!((j.state.as_str(), j.attempts), ("failed", 1));

    let flaky = Scripted {
        fails: Arc::new(AtomicI32::new(100)),
        ..Default::default()
    };
    let w = worker_with(&app, flaky);
    let id = enqueue(&app, None).await.unwrap();
    for _ in 0..4 {
        w.run_pending().await.unwrap();
        app.clock.advance(Duration::hours(1));
    }
    let j = load(&app, id).await;
    assert_eq!((j.state.as_str(), j.attempts), ("failed", 4));
    assert_eq!(w.run_pending().await.unwrap().failed, 0);
}

async fn a_dedupe_key_queues_one_job(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = enqueue(&app, Some("order:1:paid")).await;
    assert!(first.is_some());
    assert_eq!(enqueue(&app, Some("order:1:paid")).await, None);
    let handler = Scripted::default();
    let w = worker_with(&app, handler.clone());
    assert_eq!(w.run_pending().await.unwrap().completed, 1);
    assert_eq!(handler.runs.lock().unwrap().len(), 1);
}

async fn a_dead_workers_job_is_taken_over_after_its_lease(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = enqueue(&app, None).await.unwrap();
    let lease = Duration::seconds(app.settings.worker.lease_secs);
    // Worker "dead" claims the job and never reports back.
    let claimed = jobs::claim(
        &app.db,
        &["test.scripted".to_owned()],
        "dead",
        app.clock.now_utc(),
        lease,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(claimed.id, id);
    let handler = Scripted::default();
    let w = worker_with(&app, handler.clone());
    assert_eq!(
        w.run_pending().await.unwrap().completed,
        0,
        "leased job taken early"
    );
    app.clock.advance(lease + Duration::seconds(1));
    assert_eq!(w.run_pending().await.unwrap().completed, 1);
    let j = load(&app, id).await;
    assert_eq!((j.state.as_str(), j.attempts), ("done", 2));
    // The dead worker's late report changes nothing.
    assert!(
        !jobs::complete(&app.db, &claimed, "dead", app.clock.now_utc())
            .await
            .unwrap()
    );
}

async fn two_workers_run_each_job_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut ids = Vec::new();
    for _ in 0..30 {
        ids.push(enqueue(&app, None).await.unwrap());
    }
    let handler = Scripted::default();
    let a = worker_with(&app, handler.clone());
    let b = worker_with(&app, handler.clone());
    let (ra, rb) = tokio::join!(a.run_pending(), b.run_pending());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.completed + rb.completed, 30);
    let runs = handler.runs.lock().unwrap();
    for id in ids {
        assert_eq!(runs.get(&id), Some(&1), "job {id}");
    }
}

async fn the_purge_removes_expired_refresh_tokens_once_per_interval(backend: Backend) {
    use sea_orm::PaginatorTrait;
    let app = TestApp::spawn(backend).await;
    app.demo_login("rider-wang").await;
    app.demo_login("rider-li").await;
    let tokens = || entity::refresh_token::Entity::find().count(&app.db);
    assert_eq!(tokens().await.unwrap(), 2);

    let a = app.worker();
    let b = app.worker();
    // First pass: both workers try at once; the period runs exactly once.
    let (ra, rb) = tokio::join!(a.run_pending(), b.run_pending());
    let purges =
        |r: &worker::jobs::RunReport| r.periodic_ran.iter().filter(|n| *n == "purge").count();
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(purges(&ra) + purges(&rb), 1);
    assert_eq!(tokens().await.unwrap(), 2, "live tokens were purged");

    app.clock.advance(Duration::days(31));
    // Still within the interval of the first run? No: a month has passed.
    assert_eq!(purges(&a.run_pending().await.unwrap()), 1);
    assert_eq!(tokens().await.unwrap(), 0);
    // Within the next interval nobody runs it again.
    assert_eq!(purges(&b.run_pending().await.unwrap()), 0);
    app.clock
        .advance(Duration::seconds(app.settings.worker.purge_interval_secs));
    assert_eq!(purges(&b.run_pending().await.unwrap()), 1);
}

/// Panics on every run.
struct Panics;

impl JobHandler for Panics {
    fn run<'a>(&'a self, _ctx: &'a JobContext, _job: &'a job::Model) -> JobFuture<'a> {
        Box::pin(async move { panic!("handler bug") })
    }
}

async fn a_panicking_handler_is_a_failed_attempt_not_a_dead_worker(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut w = Worker::bare(
        app.db.clone(),
        Arc::new(app.clock.clone()),
        &app.settings.worker,
    );
    w.register("test.scripted", Panics);
    let id = enqueue(&app, None).await.unwrap();
    let report = w.run_pending().await.unwrap();
    assert_eq!(report.failed, 1);
    let j = load(&app, id).await;
    assert_eq!(j.state, JobState::Queued);
    assert_eq!(j.last_error.as_deref(), Some("handler panicked"));
    // The worker still works.
    let id2 = enqueue(&app, None).await.unwrap();
    let ok = worker_with(&app, Scripted::default());
    app.clock.advance(Duration::seconds(10));
    assert_eq!(ok.run_pending().await.unwrap().completed, 2);
    assert_eq!(load(&app, id2).await.state, JobState::Done);
}

async fn a_job_that_kills_its_worker_on_the_last_attempt_fails(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = enqueue(&app, None).await.unwrap(); // max 4 attempts
    let lease = Duration::seconds(app.settings.worker.lease_secs);
    for _ in 0..4 {
        let claimed = jobs::claim(
            &app.db,
            &["test.scripted".to_owned()],
            "doomed",
            app.clock.now_utc(),
            lease,
        )
        .await
        .unwrap();
        assert!(claimed.is_some());
        app.clock.advance(lease + Duration::seconds(1));
    }
    let w = worker_with(&app, Scripted::default());
    let report = w.run_pending().await.unwrap();
    assert_eq!(report.completed, 0, "claimed a fifth time");
    let j = load(&app, id).await;
    assert_eq!((j.state.as_str(), j.attempts), ("failed", 4));
    assert!(j.last_error.unwrap().contains("lease expired"));
}

both!(
    a_panicking_handler_is_a_failed_attempt_not_a_dead_worker,
    a_job_that_kills_its_worker_on_the_last_attempt_fails,
    failed_jobs_retry_after_a_growing_backoff,
    jobs_fail_for_good_when_permanent_or_out_of_attempts,
    a_dedupe_key_queues_one_job,
    a_dead_workers_job_is_taken_over_after_its_lease,
    two_workers_run_each_job_once,
    the_purge_removes_expired_refresh_tokens_once_per_interval,
);
