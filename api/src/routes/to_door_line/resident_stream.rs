//! The resident's live view of one order: a Server-Sent Events stream of
//! its status changes and, while a rider has it on the way, the rider's
//! position with an ETA.
//!
//! Status events carry the order event's id, so a client reconnecting with
//! `Last-Event-ID` misses none; `tracking` events carry no id (a newer one
//! replaces an older one). The stream ends after a final status.

use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, get, web};
use entity::order::OrderStatus;
use entity::to_door_line::city::tracking;
use entity::to_door_line::city::tracking::Tracking;
use entity::{order, order_event};
use futures_util::stream;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::routes::to_door_line::kitchen_stream::{StreamQuery, resume_point, sse_response};
use crate::state::AppState;

/// A status change of the order.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChange {
    /// The status it moved to.
    pub status: String,
    /// What happened.
    pub event: String,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
}

const FINAL: [OrderStatus; 4] = [
    OrderStatus::Delivered,
    OrderStatus::Completed,
    OrderStatus::Cancelled,
    OrderStatus::Refunded,
];

struct Cursor {
    state: web::Data<AppState>,
    order_id: i64,
    last: i64,
    last_fix: Option<chrono::DateTime<chrono::Utc>>,
    poll: Duration,
    heartbeat: Duration,
    last_sent: Instant,
    first: bool,
    done: bool,
}

async fn poll(c: &mut Cursor) -> Result<String, sea_orm::DbErr> {
    let db: &DatabaseConnection = &c.state.db;
    let mut out = String::new();
    let events = order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(c.order_id))
        .filter(order_event::Column::Id.gt(c.last))
        .order_by_asc(order_event::Column::Id)
        .all(db)
        .await?;
    for e in events {
        let data = serde_json::to_string(&StatusChange {
            status: e.to_status.to_string(),
            event: e.event.clone(),
            at: e.created_at,
        })
        .unwrap_or_else(|_| "{}".into());
        out.push_str(&format!(
            "id: {}\nevent: order.{}\ndata: {data}\n\n",
            e.id, e.to_status
        ));
        c.last = e.id;
        c.done |= FINAL.contains(&e.to_status);
    }
    let order = if c.done {
        None
    } else {
        order::Entity::find_by_id(c.order_id).one(db).await?
    };
    if let Some(o) = order
        && let Ok(t) = tracking::tracking(db, &o, c.state.clock.now()).await
        && c.last_fix != Some(t.located_at)
    {
        c.last_fix = Some(t.located_at);
        let data = serde_json::to_string::<Tracking>(&t).unwrap_or_else(|_| "{}".into());
        out.push_str(&format!("event: tracking\ndata: {data}\n\n"));
    }
    Ok(out)
}

/// Streams the order's status changes and the rider's position
/// (text/event-stream); only for the order's resident.
#[utoipa::path(tag = "orders", security(("bearer" = [])), params(StreamQuery,
    ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event")),
    responses(
        (status = 200, description = "`event: order.<status>` (StatusChange, with `id`) and `event: tracking` (Tracking)", content_type = "text/event-stream", body = StatusChange),
        (status = 404, description = "NOT_FOUND (also someone else's order)", body = ErrorBody),
    ))]
#[get("/orders/{id}/stream")]
pub async fn stream_order(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    req: HttpRequest,
    q: web::Query<StreamQuery>,
) -> ApiResult<HttpResponse> {
    let o = crate::routes::to_door_line::orders::my_order(&state.db, &who, *id).await?;
    let resume = resume_point(&req, &q)?;
    let http = &state.settings.http;
    let cursor = Cursor {
        order_id: o.id,
        // Without a resume point the whole timeline is sent first.
        last: resume.unwrap_or(0),
        last_fix: None,
        poll: Duration::from_millis(http.stream_poll_ms.max(50)),
        heartbeat: Duration::from_secs(http.stream_heartbeat_secs.max(1)),
        last_sent: Instant::now(),
        first: true,
        done: false,
        state: state.clone(),
    };
    let body = stream::unfold(cursor, |mut c| async move {
        if c.first {
            c.first = false;
            return Some((
                Ok::<_, actix_web::Error>(web::Bytes::from("retry: 3000\n\n")),
                c,
            ));
        }
        loop {
            if c.done {
                return None;
            }
            match poll(&mut c).await {
                Ok(out) if !out.is_empty() => {
                    c.last_sent = Instant::now();
                    return Some((Ok(web::Bytes::from(out)), c));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "order stream poll failed"),
            }
            if c.last_sent.elapsed() >= c.heartbeat {
                c.last_sent = Instant::now();
                return Some((Ok(web::Bytes::from(": keep-alive\n\n")), c));
            }
            tokio::time::sleep(c.poll).await;
        }
    });
    Ok(sse_response(body))
}
