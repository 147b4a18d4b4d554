//! City delivery (城区配送): one rider per job, minutes matter.

pub mod dispatch;
pub mod earnings;
pub mod handoff;
pub mod jobs;
pub mod tracking;
