//! City delivery routes: the rider's jobs and earnings, the operators'
//! dispatch monitor.

pub mod dispatch;
pub mod earnings;
pub mod jobs;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the documented routes of this group.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(jobs::available);
    cfg.service(jobs::mine);
    cfg.service(jobs::grab);
    cfg.service(jobs::accept);
    cfg.service(jobs::decline);
    cfg.service(jobs::pickup);
    cfg.service(jobs::deliver);
    cfg.service(jobs::give_up);
    cfg.service(earnings::earnings);
    cfg.service(dispatch::monitor);
    cfg.service(dispatch::assign);
    cfg.service(dispatch::resolve);
    cfg.service(dispatch::settings);
    cfg.service(dispatch::track);
}
