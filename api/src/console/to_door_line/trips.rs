//! The village trips of a day, with their manifests and a temperature chart
//! per cold-chain batch.

use crate::console::*;

/// A cold-chain batch of a trip, charted.
struct BatchRow {
    class: String,
    sensor: String,
    verdict: String,
    chart: String,
}

/// A village trip with its manifest, in short.
struct TripRow {
    id: i64,
    title: String,
    status: String,
    stops: String,
    packages: String,
    batches: Vec<BatchRow>,
}

#[derive(Template)]
#[template(path = "console/trips.html")]
struct TripsPage {
    layout: Layout,
    date: String,
    trips: Vec<TripRow>,
}

/// `?date=` of the trips page.
#[derive(Debug, Deserialize)]
pub struct DateQuery {
    date: Option<chrono::NaiveDate>,
}

pub(super) async fn trips(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    q: web::Query<DateQuery>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.principal.require(Role::Operator)?;
        let pid = who.principal.platform_id;
        let platform = entity::platform_end::platforms::platform_of(&state.db, pid).await?;
        let date = q
            .date
            .unwrap_or_else(|| crate::routes::today_at(&state, platform.utc_offset_minutes));
        let layout = Layout::of(&req, Some(&who), "trips");
        let t = layout.t;
        let views = crate::routes::to_door_line::village::trips::trips_of_day(
            &state,
            pid,
            None,
            Some(date),
        )
        .await?;
        let offset = Duration::minutes(i64::from(platform.utc_offset_minutes));
        let mut rows = Vec::new();
        for v in views {
            let mut batches = Vec::new();
            for b in entity::cold_batch::Entity::find()
                .filter(entity::cold_batch::Column::TripId.eq(v.trip.id))
                .order_by_asc(entity::cold_batch::Column::Id)
                .all(&state.db)
                .await?
            {
                let readings: Vec<(chrono::DateTime<chrono::Utc>, f64)> =
                    entity::temperature_reading::Entity::find()
                        .filter(entity::temperature_reading::Column::BatchId.eq(b.id))
                        .order_by_asc(entity::temperature_reading::Column::At)
                        .all(&state.db)
                        .await?
                        .into_iter()
                        .map(|r| (r.at, r.celsius))
                        .collect();
                let at = v.trip.departed_at.unwrap_or(v.trip.departs_at);
                let policy = entity::to_door_line::village::batch_settlement::policy(
                    &state.db, pid, &b.class, at,
                )
                .await?;
                let settled = entity::cold_settlement::Entity::find()
                    .filter(entity::cold_settlement::Column::BatchId.eq(b.id))
                    .one(&state.db)
                    .await?;
                let (verdict, excursions) = match &settled {
                    Some(s) => {
                        let v: entity::delivery_end::cold_chain::Verdict =
                            serde_json::from_str(&s.verdict).map_err(ApiError::internal)?;
                        let word = if s.compliant { t.compliant } else { t.breached };
                        let max = s.max_c.map(|c| format!(", max {c} °C")).unwrap_or_default();
                        (format!("{word}{max}"), v.excursions)
                    }
                    None => (t.verdict_pending.to_owned(), Vec::new()),
                };
                let title = format!("{} {} {}", t.cold_batch, b.class, b.sensor_id);
                batches.push(BatchRow {
                    chart: chart::temperatures(&title, &readings, &policy.rule, &excursions),
                    class: b.class,
                    sensor: b.sensor_id,
                    verdict,
                });
            }
            let stops = v
                .stops
                .iter()
                .map(|s| {
                    format!(
                        "{}. {} {}{}",
                        s.seq,
                        s.kind,
                        (s.eta + offset).format("%H:%M"),
                        s.arrived_at.map_or("", |_| " ✓")
                    )
                })
                .collect::<Vec<_>>()
                .join(" → ");
            let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
            for p in &v.packages {
                *by_status.entry(p.status.as_str()).or_default() += 1;
            }
            let packages = by_status
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(" · ");
            let departs = v.trip.departs_at + offset;
            rows.push(TripRow {
                id: v.trip.id,
                title: format!(
                    "#{} {} · {}",
                    v.trip.id,
                    departs.format("%H:%M"),
                    v.trip.seq
                ),
                status: v.trip.status.to_string(),
                stops,
                packages,
                batches,
            });
        }
        let page = TripsPage {
            layout,
            date: date.to_string(),
            trips: rows,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}
