//! The operator's settings page: the platform's profile, the order
//! timeouts, and the delivery fee rules as versions in force from a time
//! on, with a preview that prices a sample delivery under the proposed
//! rules before they are saved; below, the record of every change (who,
//! when, old and new). The same domain functions as the API's routes.

use std::fmt::Write as _;

use entity::platform_end::service_area::Place;
use entity::platform_end::settings::{self, Profile, Timeouts};
use entity::to_door_line::fee_rules::{self, Preview};
use entity::to_door_line::pricing::{Band, FeeRules, RiderFee};

use crate::console::*;
use crate::csv::yuan;

/// The fee-rule form, as text fields; money in yuan, the share in percent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FeeForm {
    #[serde(default)]
    csrf: String,
    /// `preview` or `save`.
    #[serde(default)]
    action: String,
    /// A band a line: `3000 = 5.00` (up to metres = yuan).
    #[serde(default)]
    city_bands: String,
    #[serde(default)]
    village_default: String,
    /// A route a line: `route id = yuan`.
    #[serde(default)]
    village_routes: String,
    #[serde(default)]
    chilled: String,
    #[serde(default)]
    frozen: String,
    #[serde(default)]
    rider_base: String,
    #[serde(default)]
    rider_per_km: String,
    #[serde(default)]
    rider_included_m: String,
    #[serde(default)]
    rider_cold: String,
    #[serde(default)]
    rider_night: String,
    #[serde(default)]
    carrier_share_pct: String,
    #[serde(default)]
    agent_point_fee: String,
    /// Local time `YYYY-MM-DDTHH:MM`; empty = now.
    #[serde(default)]
    effective_from: String,
    /// Preview: from this store …
    #[serde(default)]
    store_id: String,
    /// … to this point in town (`lat,lng`) …
    #[serde(default)]
    point: String,
    /// … or this agent point.
    #[serde(default)]
    agent_point_id: String,
    #[serde(default)]
    cold_chain: String,
}

fn fen(field: &'static str, v: &str) -> Result<i64, ApiError> {
    parse_yuan(v).ok_or_else(|| ApiError::field(field, "an amount in yuan, e.g. 5 or 5.50"))
}

fn whole<T: std::str::FromStr>(field: &'static str, v: &str) -> Result<T, ApiError> {
    v.trim()
        .parse()
        .map_err(|_| ApiError::field(field, "a whole number"))
}

/// `a = b` lines (blank lines skipped).
fn pairs<'a>(field: &'static str, text: &'a str) -> Result<Vec<(&'a str, &'a str)>, ApiError> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split_once('=')
                .map(|(a, b)| (a.trim(), b.trim()))
                .ok_or_else(|| ApiError::field(field, format!("`{l}`: write it as `a = b`")))
        })
        .collect()
}

impl FeeForm {
    /// The form filled with `r`.
    fn of(r: &FeeRules) -> FeeForm {
        let mut bands = String::new();
        for b in &r.city_bands {
            let _ = writeln!(bands, "{} = {}", b.up_to_m, yuan(b.fee_fen));
        }
        let mut routes = String::new();
        for (id, f) in &r.village_route_fen {
            let _ = writeln!(routes, "{id} = {}", yuan(*f));
        }
        FeeForm {
            city_bands: bands,
            village_default: yuan(r.village_default_fen),
            village_routes: routes,
            chilled: yuan(r.chilled_surcharge_fen),
            frozen: yuan(r.frozen_surcharge_fen),
            rider_base: yuan(r.rider.base_fen),
            rider_per_km: yuan(r.rider.per_km_fen),
            rider_included_m: r.rider.included_m.to_string(),
            rider_cold: yuan(r.rider.cold_chain_fen),
            rider_night: yuan(r.rider.night_fen),
            carrier_share_pct: format!("{}", f64::from(r.carrier_share_bp) / 100.0),
            agent_point_fee: yuan(r.agent_point_fee_fen),
            cold_chain: "ambient".into(),
            ..FeeForm::default()
        }
    }

    /// The rules the form gives (checked by `FeeRules::validate` when used).
    fn rules(&self) -> Result<FeeRules, ApiError> {
        let city_bands = pairs("city_bands", &self.city_bands)?
            .into_iter()
            .map(|(m, f)| {
                Ok(Band {
                    up_to_m: whole("city_bands", m)?,
                    fee_fen: fen("city_bands", f)?,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let village_route_fen = pairs("village_routes", &self.village_routes)?
            .into_iter()
            .map(|(id, f)| Ok((whole("village_routes", id)?, fen("village_routes", f)?)))
            .collect::<Result<_, ApiError>>()?;
        let pct: f64 = self
            .carrier_share_pct
            .trim()
            .parse()
            .map_err(|_| ApiError::field("carrier_share_pct", "a percentage, e.g. 80"))?;
        Ok(FeeRules {
            city_bands,
            village_default_fen: fen("village_default", &self.village_default)?,
            village_route_fen,
            chilled_surcharge_fen: fen("chilled", &self.chilled)?,
            frozen_surcharge_fen: fen("frozen", &self.frozen)?,
            rider: RiderFee {
                base_fen: fen("rider_base", &self.rider_base)?,
                per_km_fen: fen("rider_per_km", &self.rider_per_km)?,
                included_m: whole("rider_included_m", &self.rider_included_m)?,
                cold_chain_fen: fen("rider_cold", &self.rider_cold)?,
                night_fen: fen("rider_night", &self.rider_night)?,
            },
            carrier_share_bp: (pct * 100.0).round() as i32,
            agent_point_fee_fen: if self.agent_point_fee.trim().is_empty() {
                0
            } else {
                fen("agent_point_fee", &self.agent_point_fee)?
            },
        })
    }
}

/// A fee-rule version as listed.
struct VersionRow {
    effective_from: String,
    in_force: bool,
    summary: String,
}

/// A recorded change as listed.
struct ChangeRow {
    at: String,
    who: String,
    setting: String,
    old: String,
    new: String,
}

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage {
    layout: Layout,
    csrf: String,
    profile: Profile,
    payment_minutes: i32,
    acceptance_minutes: i32,
    versions: Vec<VersionRow>,
    form: FeeForm,
    routes: Vec<(i64, String)>,
    stores: Vec<(i64, String)>,
    points: Vec<(i64, String)>,
    preview: Vec<PreviewRow>,
    /// Why the fee-rule form was refused (the form keeps what was typed).
    fee_error: Option<String>,
    changes: Vec<ChangeRow>,
}

/// One line of a preview: the rules in force, or the proposed ones.
struct PreviewRow {
    class: &'static str,
    label: String,
    fee: String,
    surcharge: String,
    rider: String,
    carrier: String,
}

fn preview_rows(t: &i18n::Labels, p: &Preview) -> Vec<PreviewRow> {
    let money = |f: Option<i64>| f.map_or("—".to_owned(), |f| format!("¥{}", yuan(f)));
    let distance = p
        .distance_m
        .map(|d| format!(" · {d} m"))
        .unwrap_or_default();
    [
        ("current", format!("{}{distance}", t.in_force), &p.current),
        ("proposed", t.proposed.to_owned(), &p.proposed),
    ]
    .into_iter()
    .map(|(class, label, c)| PreviewRow {
        class,
        label,
        fee: money(c.delivery_fee_fen),
        surcharge: money(Some(c.surcharge_fen)),
        rider: money(c.rider_fee_fen),
        carrier: money(c.carrier_share_fen),
    })
    .collect()
}

fn local(at: chrono::DateTime<chrono::Utc>, offset_minutes: i32) -> String {
    (at + chrono::Duration::minutes(i64::from(offset_minutes)))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn rules_summary(t: &i18n::Labels, r: &FeeRules) -> String {
    let bands: Vec<String> = r
        .city_bands
        .iter()
        .map(|b| format!("≤{} m ¥{}", b.up_to_m, yuan(b.fee_fen)))
        .collect();
    format!(
        "{} · {} ¥{} · {} ¥{} · {} {}%",
        bands.join(", "),
        t.sum_village,
        yuan(r.village_default_fen),
        t.sum_rider,
        yuan(r.rider.base_fen),
        t.sum_carrier,
        f64::from(r.carrier_share_bp) / 100.0
    )
}

/// Builds the page; `form` and `preview` keep what the operator typed.
async fn render(
    req: &HttpRequest,
    state: &AppState,
    who: &ConsoleUser,
    form: Option<FeeForm>,
    preview: Result<Option<Preview>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    who.principal.require(Role::Operator)?;
    let pid = who.principal.platform_id;
    let now = state.clock.now();
    let p = entity::platform_end::platforms::platform_of(&state.db, pid).await?;
    let offset = p.utc_offset_minutes;
    let (_, current) = fee_rules::fee_rules(&state.db, pid, now).await?;
    let versions = fee_rules::versions(&state.db, pid, 20)
        .await?
        .into_iter()
        .map(|(row, rules)| VersionRow {
            effective_from: local(row.effective_from, offset),
            in_force: row.effective_from <= now,
            summary: rules_summary(i18n::labels(req), &rules),
        })
        .collect();
    let recorded = settings::changes(&state.db, pid, 30).await?;
    let names: BTreeMap<i64, String> = entity::user::Entity::find()
        .filter(entity::user::Column::Id.is_in(recorded.iter().map(|c| c.user_id)))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let changes = recorded
        .into_iter()
        .map(|c| ChangeRow {
            at: local(c.created_at, offset),
            who: names.get(&c.user_id).cloned().unwrap_or_default(),
            setting: c.setting,
            old: c.old_value,
            new: c.new_value,
        })
        .collect();
    let by_name = |id: i64, name: String| (id, name);
    let routes = entity::route::Entity::find()
        .filter(entity::route::Column::PlatformId.eq(pid))
        .order_by_asc(entity::route::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| by_name(r.id, r.name))
        .collect();
    let stores = store::Entity::find()
        .filter(store::Column::PlatformId.eq(pid))
        .order_by_asc(store::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|s| by_name(s.id, s.name))
        .collect();
    let points = entity::agent_point::Entity::find()
        .filter(entity::agent_point::Column::PlatformId.eq(pid))
        .order_by_asc(entity::agent_point::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|a| by_name(a.id, a.name))
        .collect();
    let timeouts = Timeouts::of(&p);
    let layout = Layout::of(req, Some(who), "settings");
    let (preview, fee_error) = match preview {
        Ok(p) => (
            p.map(|p| preview_rows(layout.t, &p)).unwrap_or_default(),
            None,
        ),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let page = SettingsPage {
        layout,
        csrf: who.csrf.clone(),
        profile: Profile::of(&p),
        payment_minutes: timeouts.payment_timeout_secs / 60,
        acceptance_minutes: timeouts.acceptance_timeout_secs / 60,
        versions,
        form: form.unwrap_or_else(|| FeeForm::of(&current)),
        routes,
        stores,
        points,
        preview,
        fee_error,
        changes,
    };
    Ok(html(StatusCode::OK, page.render()))
}

pub(super) async fn settings_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        render(&req, &state, &who, None, Ok(None)).await
    })
    .await
}

/// The profile form.
#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    service_hours: String,
    #[serde(default)]
    contact_phone: String,
}

pub(super) async fn save_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    form: web::Form<ProfileForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        who.principal.require(Role::Operator)?;
        let profile = Profile {
            name: form.name.clone(),
            service_hours: form.service_hours.clone(),
            contact_phone: form.contact_phone.clone(),
        };
        let txn = entity::tx::begin_write(&state.writer).await?;
        let res = settings::set_profile(
            &txn,
            who.principal.platform_id,
            who.principal.user_id,
            &profile,
            state.clock.now(),
        )
        .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/settings"))
    })
    .await
}

/// The timeouts form, in minutes.
#[derive(Debug, Deserialize)]
pub struct TimeoutsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    payment_minutes: String,
    #[serde(default)]
    acceptance_minutes: String,
}

pub(super) async fn save_timeouts(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    form: web::Form<TimeoutsForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        who.principal.require(Role::Operator)?;
        let minutes = |field: &'static str, v: &str| -> Result<i32, ApiError> {
            let m: i32 = whole(field, v)?;
            m.checked_mul(60)
                .ok_or_else(|| ApiError::field(field, "too large"))
        };
        let t = Timeouts {
            payment_timeout_secs: minutes("payment_minutes", &form.payment_minutes)?,
            acceptance_timeout_secs: minutes("acceptance_minutes", &form.acceptance_minutes)?,
        };
        let txn = entity::tx::begin_write(&state.writer).await?;
        let res = settings::set_timeouts(
            &txn,
            who.principal.platform_id,
            who.principal.user_id,
            &t,
            state.clock.now(),
        )
        .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/settings"))
    })
    .await
}

/// Previews the rules in the form, or saves them as a new version.
pub(super) async fn fee_rules_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    form: web::Form<FeeForm>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.check_csrf(&form.csrf)?;
        who.principal.require(Role::Operator)?;
        let form = form.into_inner();
        match fee_rules_action(&state, &who, &form).await {
            Ok(Some(preview)) => render(&req, &state, &who, Some(form), Ok(Some(preview))).await,
            Ok(None) => Ok(see_other("/console/settings")),
            // A refusal shows beside the form, which keeps what was typed.
            Err(e)
                if e.code() == ErrorCode::VALIDATION_FAILED
                    || e.code() == ErrorCode::ADDRESS_OUTSIDE_SERVICE_AREA =>
            {
                render(&req, &state, &who, Some(form), Err(e)).await
            }
            Err(e) => Err(e),
        }
    })
    .await
}

/// Previews the form's rules (`Some`), or saves them (`None`).
async fn fee_rules_action(
    state: &AppState,
    who: &ConsoleUser,
    form: &FeeForm,
) -> Result<Option<Preview>, ApiError> {
    let rules = form.rules()?;
    let pid = who.principal.platform_id;
    let now = state.clock.now();
    if form.action == "preview" {
        let place = match (form.point.trim(), form.agent_point_id.trim()) {
            ("", "") => {
                return Err(ApiError::field(
                    "point",
                    "give a point in town (lat,lng) or choose an agent point",
                ));
            }
            ("", id) => Place::Village(whole("agent_point_id", id)?),
            (point, _) => {
                let (lat, lng) = entity::platform_end::provisioning::parse_centre(point)
                    .map_err(|_| ApiError::field("point", "lat,lng in degrees"))?;
                Place::City(
                    entity::geo::Coordinates::new(lat, lng)
                        .map_err(|m| ApiError::field("point", m))?,
                )
            }
        };
        let cold_chain = if form.cold_chain.is_empty() {
            "ambient"
        } else {
            &form.cold_chain
        };
        let preview = fee_rules::preview(
            &state.db,
            pid,
            whole("store_id", &form.store_id)?,
            &place,
            cold_chain,
            &rules,
            now,
        )
        .await?;
        return Ok(Some(preview));
    }
    let p = entity::platform_end::platforms::platform_of(&state.db, pid).await?;
    let effective_from = match form.effective_from.trim() {
        "" => now,
        text => {
            let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
                .map_err(|_| ApiError::field("effective_from", "a date and time"))?;
            local.and_utc() - chrono::Duration::minutes(i64::from(p.utc_offset_minutes))
        }
    };
    let txn = entity::tx::begin_write(&state.writer).await?;
    let res = fee_rules::add_version(
        &txn,
        pid,
        who.principal.user_id,
        &rules,
        effective_from,
        now,
    )
    .await;
    crate::routes::finish(txn, res).await?;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_gives_back_the_rules_it_shows() -> Result<(), ApiError> {
        let mut rules = FeeRules::default();
        rules.village_route_fen.insert(7, 450);
        rules.carrier_share_bp = 7_550;
        assert_eq!(FeeForm::of(&rules).rules()?, rules);
        Ok(())
    }

    #[test]
    fn a_bad_line_names_its_field() {
        let mut form = FeeForm::of(&FeeRules::default());
        form.city_bands = "3000 5.00".into();
        let e = form
            .rules()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("city_bands"), "{e}");
        let mut form = FeeForm::of(&FeeRules::default());
        form.chilled = "-1".into();
        let e = form
            .rules()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("chilled"), "{e}");
    }
}
