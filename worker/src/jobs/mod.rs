//! The job runner: queued jobs in a table and periodic singleton jobs.
//!
//! Queued jobs are rows of `jobs`, claimed by one conditional `UPDATE ...
//! RETURNING` (with `FOR UPDATE SKIP LOCKED` on PostgreSQL), leased for a
//! while, retried with exponential backoff, and failed for good after
//! `max_attempts`. A worker that dies mid-job leaves its lease to expire, and
//! the job is claimed again (or failed, if that was its last attempt). A
//! handler runs in a task of its own, bounded by the lease; a panic is a
//! failed attempt. Periodic jobs claim their period with a conditional
//! update of `periodic_runs` (under a PostgreSQL advisory lock), so each
//! period runs once however many workers there are.

mod periodic;
mod queue;
mod runner;

pub use periodic::{PeriodicHandler, PeriodicJob};
pub use queue::{NewJob, backoff, claim, complete, enqueue, fail, sweep_expired};
pub use runner::{JobContext, JobError, JobFuture, JobHandler, RunReport, Worker};
