//! Live cold-chain alerts for operators and for a trip's driver.

use actix_web::{HttpRequest, HttpResponse, get, web};
use entity::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::routes::to_door_line::village::trips::drivers_trip;
use crate::state::AppState;

async fn alerts_of(
    state: &AppState,
    platform_id: i64,
    trip_id: Option<i64>,
) -> ApiResult<Vec<entity::temperature_reading::Model>> {
    use entity::temperature_reading as tr;
    let mut q = tr::Entity::find()
        .filter(tr::Column::PlatformId.eq(platform_id))
        .filter(tr::Column::OutOfBand.eq(true))
        .filter(tr::Column::At.gt(state.clock.now() - chrono::Duration::hours(24)));
    if let Some(t) = trip_id {
        q = q.filter(tr::Column::TripId.eq(t));
    }
    Ok(q.order_by_desc(tr::Column::At).all(&state.db).await?)
}

/// Cold-chain alerts of the last 24 hours (readings outside their band).
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), responses((status = 200, body = Vec<entity::temperature_reading::Model>, description = "Out-of-band readings, newest first")))]
#[get("/admin/cold-alerts")]
pub async fn cold_alerts(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<entity::temperature_reading::Model>>> {
    who.require(Role::Operator)?;
    Ok(web::Json(alerts_of(&state, who.platform_id, None).await?))
}

/// The driver's alerts for a trip.
#[utoipa::path(tag = "driver", security(("bearer" = ["driver"])), responses((status = 200, body = Vec<entity::temperature_reading::Model>, description = "Out-of-band readings, newest first")))]
#[get("/driver/trips/{id}/alerts")]
pub async fn trip_alerts(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<entity::temperature_reading::Model>>> {
    let t = drivers_trip(&state, &who, *id).await?;
    Ok(web::Json(
        alerts_of(&state, who.platform_id, Some(t.id)).await?,
    ))
}

/// New out-of-band readings after `after` (of one trip, or the platform's).
async fn alerts_after(
    db: &sea_orm::DatabaseConnection,
    platform_id: i64,
    trip_id: Option<i64>,
    after: i64,
) -> Result<Vec<(i64, String)>, sea_orm::DbErr> {
    use entity::temperature_reading as tr;
    use sea_orm::QuerySelect;
    let mut q = tr::Entity::find()
        .filter(tr::Column::PlatformId.eq(platform_id))
        .filter(tr::Column::OutOfBand.eq(true))
        .filter(tr::Column::Id.gt(after));
    if let Some(t) = trip_id {
        q = q.filter(tr::Column::TripId.eq(t));
    }
    Ok(q.order_by_asc(tr::Column::Id)
        .limit(100)
        .all(db)
        .await?
        .into_iter()
        .map(|r| {
            let data = serde_json::to_string(&r).unwrap_or_else(|_| "{}".into());
            (
                r.id,
                format!("id: {}\nevent: cold.alert\ndata: {data}\n\n", r.id),
            )
        })
        .collect())
}

async fn alert_stream(
    state: &AppState,
    req: &HttpRequest,
    q: &crate::routes::to_door_line::kitchen_stream::StreamQuery,
    platform_id: i64,
    trip_id: Option<i64>,
) -> ApiResult<HttpResponse> {
    use entity::temperature_reading as tr;
    let last = match crate::routes::to_door_line::kitchen_stream::resume_point(req, q)? {
        Some(id) => id,
        // A fresh subscriber starts from now.
        None => tr::Entity::find()
            .order_by_desc(tr::Column::Id)
            .one(&state.db)
            .await?
            .map_or(0, |r| r.id),
    };
    let db = state.db.clone();
    let body = crate::routes::to_door_line::kitchen_stream::polled(state, last, move |after| {
        let db = db.clone();
        async move { alerts_after(&db, platform_id, trip_id, after).await }
    });
    Ok(crate::routes::to_door_line::kitchen_stream::sse_response(
        body,
    ))
}

/// Cold-chain alerts as they happen (text/event-stream, resumable with
/// `Last-Event-ID`): each out-of-band reading of the platform's trips.
#[utoipa::path(tag = "admin", security(("bearer" = ["operator"])), params(crate::routes::to_door_line::kitchen_stream::StreamQuery), responses(
    (status = 200, description = "`event: cold.alert`, `id`, JSON `data` (the reading)", content_type = "text/event-stream"),
    (status = 403, description = "FORBIDDEN", body = ErrorBody),
))]
#[get("/admin/cold-alerts/stream")]
pub async fn cold_alert_stream(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    q: web::Query<crate::routes::to_door_line::kitchen_stream::StreamQuery>,
) -> ApiResult<HttpResponse> {
    who.require(Role::Operator)?;
    alert_stream(&state, &req, &q, who.platform_id, None).await
}

/// The driver's alerts of a trip as they happen (text/event-stream).
#[utoipa::path(tag = "driver", security(("bearer" = ["driver"])), params(crate::routes::to_door_line::kitchen_stream::StreamQuery), responses(
    (status = 200, description = "`event: cold.alert`, `id`, JSON `data` (the reading)", content_type = "text/event-stream"),
    (status = 404, description = "NOT_FOUND (also another carrier's trip)", body = ErrorBody),
))]
#[get("/driver/trips/{id}/alerts/stream")]
pub async fn trip_alert_stream(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<i64>,
    req: HttpRequest,
    q: web::Query<crate::routes::to_door_line::kitchen_stream::StreamQuery>,
) -> ApiResult<HttpResponse> {
    let t = drivers_trip(&state, &who, *id).await?;
    alert_stream(&state, &req, &q, who.platform_id, Some(t.id)).await
}
