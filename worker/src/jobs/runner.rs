//! The worker loop: periodic jobs first, then due queued jobs, until shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use entity::job;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::watch;
use tracing::Instrument;

use super::periodic::PeriodicJob;
use super::queue;
use entity::clock::SharedClock;
use entity::runtime::settings::WorkerSettings;

/// What a job handler sees: the database and the clock.
#[derive(Debug, Clone)]
pub struct JobContext {
    /// The pool.
    pub db: DatabaseConnection,
    /// The time source.
    pub clock: SharedClock,
}

/// Why a job attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt after a backoff.
    #[error("{0}")]
    Retry(String),
    /// Another attempt would fail the same way.
    #[error("{0}")]
    Permanent(String),
}

impl From<DbErr> for JobError {
    fn from(e: DbErr) -> Self {
        JobError::Retry(e.to_string())
    }
}

/// The future a handler returns.
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send + 'a>>;

/// Runs one kind of queued job.
pub trait JobHandler: Send + Sync + 'static {
    /// Runs one attempt of `job`.
    fn run<'a>(&'a self, ctx: &'a JobContext, job: &'a job::Model) -> JobFuture<'a>;
}

/// What one pass of the worker did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// Periodic jobs that ran.
    pub periodic_ran: Vec<String>,
    /// Queued jobs that completed.
    pub completed: usize,
    /// Queued jobs that failed an attempt (retried later or failed for good).
    pub failed: usize,
    /// Jobs whose lease ran out while they ran (another worker may have
    /// run them too: handlers must be idempotent).
    pub lost: usize,
}

/// The background worker: a set of job handlers and periodic jobs.
pub struct Worker {
    ctx: JobContext,
    id: String,
    handlers: HashMap<String, Arc<dyn JobHandler>>,
    periodic: Vec<PeriodicJob>,
    lease: Duration,
    poll: StdDuration,
    slots: usize,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("id", &self.id)
            .field("kinds", &self.handlers.keys().collect::<Vec<_>>())
            .field("periodic", &self.periodic)
            .finish()
    }
}

impl Worker {
    /// A worker with Tongcheng's built-in jobs registered.
    pub fn new(
        db: DatabaseConnection,
        clock: SharedClock,
        settings: &entity::runtime::Settings,
    ) -> Self {
        let w = &settings.worker;
        let mut worker = Self::bare(db, clock, w);
        let merchants =
            crate::wechatpay::PayMerchants::from_settings(settings).unwrap_or_else(|e| {
                tracing::error!(error = %e, "WeChat Pay unavailable to the worker");
                crate::wechatpay::PayMerchants::none()
            });
        worker.add_periodic(crate::purge::periodic(w));
        worker.add_periodic(crate::dispatch::round::dispatch_job(
            w.dispatch_interval_secs,
        ));
        worker.add_periodic(crate::settle::periodic(w.settlement_interval_secs));
        worker.add_periodic(crate::settle::stats_periodic(w.settlement_interval_secs));
        worker.add_periodic(crate::village::departures::periodic(
            w.planning_interval_secs,
        ));
        worker.add_periodic(crate::village::cold::periodic(w.planning_interval_secs));
        worker.add_periodic(crate::orders::timeouts_job(
            w.timeouts_interval_secs,
            crate::orders::OrderTimeouts {
                merchants: merchants.clone(),
            },
        ));
        worker.add_periodic(crate::reconcile::periodic(
            w.reconcile_interval_secs,
            merchants.clone(),
        ));
        worker.register(
            entity::platform_end::payouts::SEND_JOB,
            crate::payouts::SendPayout {
                merchants: merchants.clone(),
            },
        );
        worker.register(
            entity::to_door_line::payment_close::CLOSE_JOB,
            crate::orders::ClosePayment {
                merchants: merchants.clone(),
            },
        );
        worker.add_periodic(crate::refunds::follow_up_job(
            w.timeouts_interval_secs.max(60),
            crate::refunds::RefundFollowUp {
                merchants: merchants.clone(),
                after: Duration::minutes(10),
            },
        ));
        worker.register(
            entity::platform_end::profit_sharing::RUN_JOB,
            crate::sharing::RunSharing {
                merchants: merchants.clone(),
            },
        );
        worker.register(
            entity::to_door_line::refunds::EXECUTE_JOB,
            crate::refunds::ExecuteRefund { merchants },
        );
        let programs = crate::mini_programs::MiniPrograms::from_settings(settings)
            .map_err(|e| tracing::error!(error = %e, "WeChat clients unavailable: notifications are off"))
            .ok();
        if let Some(programs) = programs {
            worker.register(
                entity::to_door_line::notices::NOTIFY_JOB,
                crate::notify::SubscribeSender::new(programs),
            );
        }
        worker
    }

    /// A worker with no jobs at all (tests register their own).
    pub fn bare(db: DatabaseConnection, clock: SharedClock, settings: &WorkerSettings) -> Self {
        let id = format!(
            "{}-{}",
            std::process::id(),
            hex::encode(entity::ids::random_bytes::<4>())
        );
        Self {
            ctx: JobContext { db, clock },
            id,
            handlers: HashMap::new(),
            periodic: Vec::new(),
            lease: Duration::seconds(settings.lease_secs.max(1)),
            poll: StdDuration::from_millis(settings.poll_interval_ms.max(10)),
            slots: settings.concurrency.clamp(1, 64),
        }
    }

    /// Registers the handler of a queued job kind.
    pub fn register(&mut self, kind: &str, handler: impl JobHandler) -> &mut Self {
        self.handlers.insert(kind.to_owned(), Arc::new(handler));
        self
    }

    /// Adds a periodic job.
    pub fn add_periodic(&mut self, job: PeriodicJob) -> &mut Self {
        self.periodic.push(job);
        self
    }

    /// This worker's id, as recorded in `jobs.locked_by`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs every due periodic job, then every due queued job, and returns.
    ///
    /// Tests call this to drive background work without sleeping.
    pub async fn run_pending(&self) -> Result<RunReport, DbErr> {
        self.run_pending_until(|| false).await
    }

    /// Like [`Worker::run_pending`], but stops between jobs once `stop()` is true.
    pub async fn run_pending_until(&self, stop: impl Fn() -> bool) -> Result<RunReport, DbErr> {
        let mut report = RunReport::default();
        for p in &self.periodic {
            // One broken periodic job must not stop the others or the queue.
            match p.run_if_due(&self.ctx).await {
                Ok(true) => report.periodic_ran.push(p.name().to_owned()),
                Ok(false) => {}
                Err(e) => tracing::error!(job = p.name(), error = %e, "periodic job failed"),
            }
        }
        let swept = queue::sweep_expired(&self.ctx.db, self.ctx.clock.now()).await?;
        if swept > 0 {
            tracing::warn!(swept, "jobs failed after their last lease expired");
        }
        while !stop() && self.run_one(&mut report).await? {}
        Ok(report)
    }

    async fn run_one(&self, report: &mut RunReport) -> Result<bool, DbErr> {
        let kinds: Vec<String> = self.handlers.keys().cloned().collect();
        let now = self.ctx.clock.now();
        let Some(job) = queue::claim(&self.ctx.db, &kinds, &self.id, now, self.lease).await? else {
            return Ok(false);
        };
        let Some(handler) = self.handlers.get(&job.kind).cloned() else {
            return Ok(true);
        };
        let span =
            tracing::info_span!("job", id = job.id, kind = %job.kind, attempt = job.attempts);
        // The handler runs in a task of its own: a panic becomes a failed
        // attempt instead of killing the worker, and the lease bounds its time.
        let ctx = self.ctx.clone();
        let owned = job.clone();
        let task =
            tokio::spawn(async move { handler.run(&ctx, &owned).await }.instrument(span.clone()));
        let limit = self.lease.to_std().unwrap_or(StdDuration::from_secs(300));
        let outcome = match tokio::time::timeout(limit, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) if join.is_panic() => Err(JobError::Retry("handler panicked".into())),
            Ok(Err(join)) => Err(JobError::Retry(format!("handler task ended: {join}"))),
            Err(_) => Err(JobError::Retry("handler ran past its lease".into())),
        };
        let now = self.ctx.clock.now();
        let _guard = span.enter();
        match outcome {
            Ok(()) => {
                if queue::complete(&self.ctx.db, &job, &self.id, now).await? {
                    report.completed += 1;
                } else {
                    tracing::warn!("job finished after its lease was taken over");
                    report.lost += 1;
                }
            }
            Err(e) => {
                let permanent = matches!(e, JobError::Permanent(_));
                let state =
                    queue::fail(&self.ctx.db, &job, &self.id, &e.to_string(), permanent, now)
                        .await?;
                tracing::warn!(error = %e, state, "job attempt failed");
                report.failed += 1;
            }
        }
        Ok(true)
    }

    /// Runs until `shutdown` turns true; stops only between jobs.
    ///
    /// Slot 0 also runs the periodic jobs and the lease sweep; every slot
    /// claims and runs queued jobs, so one slow call (a payment provider
    /// timing out) does not hold up the others.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        tracing::info!(worker = %self.id, slots = self.slots, "worker started");
        let me = Arc::new(self);
        let loops: Vec<_> = (0..me.slots)
            .map(|slot| {
                let me = me.clone();
                let shutdown = shutdown.clone();
                tokio::spawn(async move { me.run_slot(slot, shutdown).await })
            })
            .collect();
        for l in loops {
            if let Err(e) = l.await {
                tracing::error!(error = %e, "worker slot ended abnormally");
            }
        }
        tracing::info!(worker = %me.id, "worker stopped");
    }

    async fn run_slot(&self, slot: usize, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            let stop = shutdown.clone();
            let pass = if slot == 0 {
                self.run_pending_until(|| *stop.borrow()).await
            } else {
                let mut report = RunReport::default();
                async {
                    while !*stop.borrow() && self.run_one(&mut report).await? {}
                    Ok(report)
                }
                .await
            };
            match pass {
                Ok(report) if report.completed + report.failed > 0 => {
                    tracing::debug!(slot, ?report, "worker pass");
                }
                Ok(_) => {}
                Err(e) => tracing::error!(slot, error = %e, "worker pass failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.poll) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}
