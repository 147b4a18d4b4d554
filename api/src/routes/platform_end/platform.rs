//! Operator views of their county platform.

use actix_web::{get, web};
use entity::{Role, agent_point, community, merchant, user, village};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::state::AppState;

/// The operator's platform at a glance.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformOverview {
    /// Platform id.
    pub id: i64,
    /// Short code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Region (city, province).
    pub region: String,
    /// City communities served.
    pub communities: u64,
    /// Villages served.
    pub villages: u64,
    /// Village agent points.
    pub agent_points: u64,
    /// Merchants.
    pub merchants: u64,
    /// Users who signed in on this platform first.
    pub users: u64,
}

/// The operator's platform with its service-area counts.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = ["operator"])),
    responses(
        (status = 200, body = PlatformOverview),
        (status = 401, description = "UNAUTHENTICATED, TOKEN_INVALID, TOKEN_EXPIRED", body = ErrorBody),
        (status = 403, description = "FORBIDDEN: not an operator", body = ErrorBody),
    )
)]
#[get("/admin/platform")]
pub async fn platform_overview(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<PlatformOverview>> {
    who.require(Role::Operator)?;
    let pid = who.platform_id;
    let db = &state.db;
    let p = entity::platform_end::platforms::platform_of(db, pid).await?;
    Ok(web::Json(PlatformOverview {
        communities: community::Entity::find()
            .filter(community::Column::PlatformId.eq(pid))
            .count(db)
            .await?,
        villages: village::Entity::find()
            .filter(village::Column::PlatformId.eq(pid))
            .count(db)
            .await?,
        agent_points: agent_point::Entity::find()
            .filter(agent_point::Column::PlatformId.eq(pid))
            .count(db)
            .await?,
        merchants: merchant::Entity::find()
            .filter(merchant::Column::PlatformId.eq(pid))
            .count(db)
            .await?,
        users: user::Entity::find()
            .filter(user::Column::PlatformId.eq(pid))
            .count(db)
            .await?,
        id: p.id,
        code: p.code,
        name: p.name,
        region: p.region,
    }))
}
