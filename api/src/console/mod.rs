//! The web console under `/console`: server-rendered pages (askama) for
//! county operators (dashboard, review queues) and kitchens (the live order
//! board), with cookie sessions, a CSRF token on every form, and the same
//! authorization rules as the API (the handlers call the same domain
//! functions with the session's [`Principal`](crate::auth::Principal)).

pub mod chart;
pub mod i18n;
mod listing_line;
mod platform_end;
pub mod session;
mod session_pages;
mod supply_end;
mod to_door_line;

use std::collections::BTreeMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Duration;
use entity::{Role, merchant_application, order, order_item, product, store};
use i18n::Labels;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use session::ConsoleUser;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Who is signed in, for the page header.
pub struct NavUser {
    name: String,
    csrf: String,
    operator: bool,
    kitchen: bool,
}

/// What every page's layout needs.
pub struct Layout {
    t: &'static Labels,
    title: String,
    page: &'static str,
    user: Option<NavUser>,
}

impl Layout {
    fn of(req: &HttpRequest, who: Option<&ConsoleUser>, page: &'static str) -> Layout {
        let t = i18n::labels(req);
        let title = match page {
            "dashboard" => t.dashboard,
            "reviews" => t.reviews,
            "kitchen" => t.kitchen,
            "trips" => t.trips_page,
            "ledger" => t.ledger,
            "batches" => t.batches,
            "dispatch" => t.dispatch,
            "menu" => t.menu,
            "area" => t.service_area,
            "account" => t.account,
            "imports" => t.imports,
            "settings" => t.settings,
            "login" => t.login,
            _ => t.error,
        };
        Layout {
            t,
            title: title.to_owned(),
            page,
            user: who.map(|u| NavUser {
                name: u.display_name.clone(),
                csrf: u.csrf.clone(),
                operator: u.has(Role::Operator),
                kitchen: u.has(Role::MerchantStaff),
            }),
        }
    }
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage {
    layout: Layout,
    code: String,
    message: String,
}

fn html(status: StatusCode, body: Result<String, askama::Error>) -> HttpResponse {
    match body {
        Ok(b) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header(("x-frame-options", "DENY"))
            .body(b),
        Err(e) => {
            tracing::error!(error = %e, "console template failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_owned()))
        .finish()
}

/// An error as a page, with the API's status and code.
fn error_page(req: &HttpRequest, who: Option<&ConsoleUser>, e: ApiError) -> HttpResponse {
    use actix_web::ResponseError;
    let status = e.status_code();
    let page = ErrorPage {
        layout: Layout::of(req, who, "error"),
        code: e.code().as_str().to_owned(),
        message: e.to_string(),
    };
    html(status, page.render())
}

/// Runs a page handler: no session → the login page; an error → a page.
async fn page<F, Fut>(req: HttpRequest, who: Option<ConsoleUser>, f: F) -> HttpResponse
where
    F: FnOnce(HttpRequest, ConsoleUser) -> Fut,
    Fut: std::future::Future<Output = Result<HttpResponse, ApiError>>,
{
    let Some(who) = who else {
        return see_other("/console/login");
    };
    let keep = who.clone();
    match f(req.clone(), who).await {
        Ok(r) => r,
        Err(e) => error_page(&req, Some(&keep), e),
    }
}

/// A posted form with its CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// Registers the console's pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/console")
            .app_data(web::FormConfig::default().limit(16 * 1024))
            .route("", web::get().to(home))
            .route("/", web::get().to(home))
            .route("/login", web::get().to(session_pages::login_form))
            .route("/login", web::post().to(session_pages::login))
            .route("/logout", web::post().to(session_pages::logout))
            .configure(platform_end::configure)
            .configure(supply_end::configure)
            .configure(listing_line::configure)
            .configure(to_door_line::configure),
    );
}

async fn home(who: Option<ConsoleUser>) -> HttpResponse {
    match who {
        None => see_other("/console/login"),
        Some(u) if u.has(Role::Operator) => see_other("/console/dashboard"),
        Some(u) if u.has(Role::MerchantStaff) => see_other("/console/kitchen"),
        Some(_) => see_other("/console/login"),
    }
}

/// Parses `12`, `12.5` or `12.05` yuan into fen.
pub fn parse_yuan(s: &str) -> Option<i64> {
    entity::bulk::fen_of_yuan(s).ok()
}

#[cfg(test)]
mod tests {
    use super::parse_yuan;

    #[test]
    fn yuan_amounts_parse_to_fen() {
        assert_eq!(parse_yuan("12"), Some(1_200));
        assert_eq!(parse_yuan("12.5"), Some(1_250));
        assert_eq!(parse_yuan(" 0.05 "), Some(5));
        assert_eq!(parse_yuan("12.345"), None);
        assert_eq!(parse_yuan("-1"), None);
        assert_eq!(parse_yuan("1e3"), None);
        assert_eq!(parse_yuan(""), None);
    }
}
