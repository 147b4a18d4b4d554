//! The service area: communities, villages and agent points, listed and
//! added.

use crate::console::*;

#[derive(Template)]
#[template(path = "console/area.html")]
struct AreaPage {
    layout: Layout,
    csrf: String,
    /// Villages for the agent-point form: id, name.
    village_ids: Vec<(i64, String)>,
    communities: Vec<(String, String)>,
    villages: Vec<(String, String)>,
    points: Vec<(String, String, String)>,
    routes: Vec<(String, String, String)>,
}

pub(super) async fn area(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.principal.require(Role::Operator)?;
        let pid = who.principal.platform_id;
        let at = |lat: f64, lng: f64| format!("{lat:.4}, {lng:.4}");
        let communities = entity::community::Entity::find()
            .filter(entity::community::Column::PlatformId.eq(pid))
            .order_by_asc(entity::community::Column::Id)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|c| {
                (
                    c.name,
                    format!("{} · {} m", at(c.center_lat, c.center_lng), c.radius_m),
                )
            })
            .collect();
        let village_rows = entity::village::Entity::find()
            .filter(entity::village::Column::PlatformId.eq(pid))
            .order_by_asc(entity::village::Column::Id)
            .all(&state.db)
            .await?;
        let village_names: BTreeMap<i64, String> = village_rows
            .iter()
            .map(|v| (v.id, v.name.clone()))
            .collect();
        let villages = village_rows
            .into_iter()
            .map(|v| (format!("{} · {}", v.township, v.name), at(v.lat, v.lng)))
            .collect();
        let point_rows = entity::agent_point::Entity::find()
            .filter(entity::agent_point::Column::PlatformId.eq(pid))
            .order_by_asc(entity::agent_point::Column::Id)
            .all(&state.db)
            .await?;
        let point_names: BTreeMap<i64, String> =
            point_rows.iter().map(|p| (p.id, p.name.clone())).collect();
        let points = point_rows
            .into_iter()
            .map(|p| {
                (
                    p.name,
                    format!(
                        "{} · {} {}",
                        village_names
                            .get(&p.village_id)
                            .cloned()
                            .unwrap_or_default(),
                        p.keeper_name,
                        p.opening_hours
                    ),
                    at(p.lat, p.lng),
                )
            })
            .collect();
        let mut routes = Vec::new();
        for r in entity::route::Entity::find()
            .filter(entity::route::Column::PlatformId.eq(pid))
            .order_by_asc(entity::route::Column::Id)
            .all(&state.db)
            .await?
        {
            let stops = entity::route_stop::Entity::find()
                .filter(entity::route_stop::Column::RouteId.eq(r.id))
                .order_by_asc(entity::route_stop::Column::Seq)
                .all(&state.db)
                .await?
                .into_iter()
                .map(|s| {
                    point_names
                        .get(&s.agent_point_id)
                        .cloned()
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(" → ");
            let deps = entity::departure::Entity::find()
                .filter(entity::departure::Column::RouteId.eq(r.id))
                .all(&state.db)
                .await?
                .into_iter()
                .map(|d| format!("{} (−{} min)", d.depart_at, d.cutoff_minutes))
                .collect::<Vec<_>>()
                .join(", ");
            routes.push((format!("{} · {}", r.name, r.hub_name), stops, deps));
        }
        let page = AreaPage {
            csrf: who.csrf.clone(),
            village_ids: village_names.into_iter().collect(),
            layout: Layout::of(&req, Some(&who), "area"),
            communities,
            villages,
            points,
            routes,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}

/// A new community, village or agent point (the fields each needs).
#[derive(Debug, Deserialize)]
pub struct AreaForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lng: String,
    #[serde(default)]
    radius_m: String,
    #[serde(default)]
    township: String,
    #[serde(default)]
    village_id: String,
    #[serde(default)]
    keeper_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    opening_hours: String,
}

fn number<T: std::str::FromStr>(field: &str, v: &str) -> Result<T, ApiError> {
    v.trim()
        .parse()
        .map_err(|_| ApiError::field(field.to_owned(), "a number"))
}

pub(super) async fn add_area(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    what: web::Path<String>,
    form: web::Form<AreaForm>,
) -> HttpResponse {
    use entity::platform_end::service_area as sa;
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        who.principal.require(Role::Operator)?;
        let pid = who.principal.platform_id;
        let now = state.clock.now();
        let at = entity::geo::Coordinates {
            lat: number("lat", &form.lat)?,
            lng: number("lng", &form.lng)?,
        };
        match what.as_str() {
            "communities" => {
                let input = sa::CommunityInput {
                    name: form.name.clone(),
                    center: at,
                    radius_m: number("radius_m", &form.radius_m)?,
                };
                sa::save_community(&state.db, pid, None, &input, now).await?;
            }
            "villages" => {
                let input = sa::VillageInput {
                    name: form.name.clone(),
                    township: form.township.clone(),
                    location: at,
                };
                sa::save_village(&state.db, pid, None, &input, now).await?;
            }
            "agent-points" => {
                let input = sa::AgentPointInput {
                    village_id: number("village_id", &form.village_id)?,
                    name: form.name.clone(),
                    keeper_name: form.keeper_name.clone(),
                    phone: form.phone.clone(),
                    location: at,
                    opening_hours: form.opening_hours.clone(),
                };
                sa::save_agent_point(&state.db, pid, None, &input, now).await?;
            }
            _ => return Err(ApiError::not_found("page")),
        }
        Ok(see_other("/console/area"))
    })
    .await
}
