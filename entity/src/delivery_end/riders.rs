//! Riders: registration with the least identity data that works (a keyed
//! hash of the ID number and its last four characters), operator review,
//! duty rules (a valid health certificate) and location reports.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TryIntoModel,
};
use serde::{Deserialize, Serialize};

use crate::error::{DeliveryRefusal, DomainError, DomainResult};
use crate::geo::Coordinates;
use crate::platform_end::users;
use crate::rider::RiderStatus;
use crate::{Role, rider, rider_position, validate};

/// Vehicles a rider may use.
pub const VEHICLES: [&str; 3] = ["e_bike", "motorbike", "car_cooler"];

/// What a rider submits to register.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Registration {
    /// Real name as on the ID card.
    pub real_name: String,
    /// Mobile number.
    pub phone: String,
    /// Resident ID number (18 characters, checked); only a keyed hash and
    /// the last 4 characters are stored.
    pub id_number: String,
    /// `e_bike`, `motorbike` or `car_cooler`.
    pub vehicle: String,
    /// Food-handler health certificate number.
    pub health_cert_no: String,
    /// Its expiry date (`YYYY-MM-DD`); must be in the future.
    pub health_cert_expires: NaiveDate,
    /// From a registered poor household (建档立卡贫困户).
    #[serde(default)]
    pub poor_household: bool,
}

/// Checks a mainland resident ID number (GB 11643-1999): 17 digits, a
/// check character over them, and a plausible birth date. Returns it
/// upper-cased.
pub fn check_id_number(v: &str) -> DomainResult<String> {
    let v = v.trim().to_ascii_uppercase();
    let bad = || DomainError::invalid("id_number", "not a valid 18-character ID number");
    let bytes = v.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = bytes[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    if CHECK[(sum % 11) as usize] != bytes[17] {
        return Err(bad());
    }
    if NaiveDate::parse_from_str(&v[6..14], "%Y%m%d").is_err() {
        return Err(bad());
    }
    Ok(v)
}

/// Registers (or, after a rejection, re-submits) the caller as a rider,
/// pending review. `id_hash` is the keyed hash of the checked ID number.
pub async fn register(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
    r: &Registration,
    id_hash: &str,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> DomainResult<rider::Model> {
    let real_name = validate::text("real_name", &r.real_name, 2, 32)?;
    let phone = validate::phone("phone", &r.phone)?;
    let id_number = check_id_number(&r.id_number)?;
    if !VEHICLES.contains(&r.vehicle.as_str()) {
        return Err(DomainError::invalid(
            "vehicle",
            "one of e_bike, motorbike, car_cooler",
        ));
    }
    let cert = validate::text("health_cert_no", &r.health_cert_no, 4, 32)?;
    if r.health_cert_expires <= today {
        return Err(DomainError::invalid(
            "health_cert_expires",
            "the health certificate has expired",
        ));
    }
    let last4: String = id_number[14..].to_owned();
    let taken = rider::Entity::find()
        .filter(rider::Column::PlatformId.eq(platform_id))
        .filter(rider::Column::IdNumberHash.eq(id_hash))
        .filter(rider::Column::UserId.ne(user_id))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(DeliveryRefusal::IdNumberTaken.into());
    }
    let existing = rider::Entity::find()
        .filter(rider::Column::PlatformId.eq(platform_id))
        .filter(rider::Column::UserId.eq(user_id))
        .one(db)
        .await?;
    let mut row = match existing {
        Some(r) if r.status != RiderStatus::Rejected => {
            return Err(DeliveryRefusal::AlreadyRegistered(r.status.to_string()).into());
        }
        Some(r) => {
            let mut a: rider::ActiveModel = r.into();
            a.review_reason = Set(None);
            a.reviewed_by = Set(None);
            a.reviewed_at = Set(None);
            a
        }
        None => rider::ActiveModel {
            platform_id: Set(platform_id),
            user_id: Set(user_id),
            on_duty: Set(false),
            lat: Set(None),
            lng: Set(None),
            located_at: Set(None),
            active_jobs: Set(0),
            give_ups: Set(0),
            created_at: Set(now),
            review_reason: Set(None),
            reviewed_by: Set(None),
            reviewed_at: Set(None),
            ..Default::default()
        },
    };
    row.real_name = Set(real_name);
    row.phone = Set(phone);
    row.id_number_hash = Set(id_hash.to_owned());
    row.id_number_last4 = Set(last4);
    row.vehicle = Set(r.vehicle.clone());
    row.health_cert_no = Set(cert);
    row.health_cert_expires = Set(r.health_cert_expires);
    row.poor_household = Set(r.poor_household);
    row.status = Set(RiderStatus::Pending);
    row.updated_at = Set(now);
    Ok(row.save(db).await?.try_into_model()?)
}

/// The caller's rider record.
pub async fn of_user(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
) -> DomainResult<rider::Model> {
    rider::Entity::find()
        .filter(rider::Column::PlatformId.eq(platform_id))
        .filter(rider::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("rider"))
}

/// The caller's rider record, which must be verified.
pub async fn verified(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
) -> DomainResult<rider::Model> {
    let r = of_user(db, platform_id, user_id).await?;
    if r.status != RiderStatus::Verified {
        return Err(DeliveryRefusal::RiderNotVerified.into());
    }
    Ok(r)
}

/// An operator verifies or rejects a pending rider; verifying grants the
/// `rider` role (effective on the rider's next token).
pub async fn review(
    db: &impl ConnectionTrait,
    platform_id: i64,
    rider_id: i64,
    operator_id: i64,
    approve: bool,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> DomainResult<rider::Model> {
    let r = crate::scope::on_platform::<rider::Entity>(db, platform_id, rider_id, "rider").await?;
    if !approve && reason.as_deref().is_none_or(|s| s.trim().is_empty()) {
        return Err(DomainError::invalid(
            "reason",
            "say why the rider is rejected",
        ));
    }
    let to = if approve {
        RiderStatus::Verified
    } else {
        RiderStatus::Rejected
    };
    let done = rider::Entity::update_many()
        .col_expr(rider::Column::Status, Expr::value(to))
        .col_expr(rider::Column::ReviewReason, Expr::value(reason.clone()))
        .col_expr(rider::Column::ReviewedBy, Expr::value(Some(operator_id)))
        .col_expr(rider::Column::ReviewedAt, Expr::value(Some(now)))
        .col_expr(rider::Column::UpdatedAt, Expr::value(now))
        .filter(rider::Column::Id.eq(r.id))
        .filter(rider::Column::Status.eq(RiderStatus::Pending))
        .exec(db)
        .await?;
    if done.rows_affected != 1 {
        return Err(DomainError::ApplicationDecided(r.status.to_string()));
    }
    if approve {
        users::grant_role(db, platform_id, r.user_id, Role::Rider, now).await?;
    }
    crate::scope::get::<rider::Entity>(db, r.id, "rider").await
}

/// Goes on or off duty. On duty needs a verified rider with a valid health
/// certificate.
pub async fn set_duty(
    db: &impl ConnectionTrait,
    r: &rider::Model,
    on: bool,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> DomainResult<rider::Model> {
    if on && r.health_cert_expires < today {
        return Err(DeliveryRefusal::HealthCertExpired(r.health_cert_expires).into());
    }
    rider::Entity::update_many()
        .col_expr(rider::Column::OnDuty, Expr::value(on))
        .col_expr(rider::Column::UpdatedAt, Expr::value(now))
        .filter(rider::Column::Id.eq(r.id))
        .exec(db)
        .await?;
    let mut out = r.clone();
    out.on_duty = on;
    out.updated_at = now;
    Ok(out)
}

/// Takes riders whose health certificate expired before `today` off duty;
/// returns how many.
pub async fn expire_certificates(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    let res = rider::Entity::update_many()
        .col_expr(rider::Column::OnDuty, Expr::value(false))
        .col_expr(rider::Column::UpdatedAt, Expr::value(now))
        .filter(rider::Column::OnDuty.eq(true))
        .filter(rider::Column::HealthCertExpires.lt(today))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// One reported position.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Point {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lng: f64,
    /// When the phone took it.
    pub at: DateTime<Utc>,
}

/// What a location report kept.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct LocationReport {
    /// Points taken as the rider's movement.
    pub accepted: usize,
    /// Points dropped: older than the latest known, or an impossible jump.
    pub rejected: usize,
}

/// Fastest plausible movement between two points, metres per second
/// (~108 km/h; county roads, with GPS noise).
pub const MAX_SPEED_MPS: f64 = 30.0;
/// Clock skew tolerated for points "from the future".
pub const FUTURE_SKEW_SECS: i64 = 30;
/// At most this many points per report.
pub const MAX_POINTS: usize = 100;

/// Checks a batch of points: every coordinate valid and none in the
/// future (else the whole batch is refused, it is a broken client); then,
/// in time order, drops points not newer than the last kept one and points
/// implying an impossible speed. Pure, for the unit tests.
pub fn screen(
    last: Option<(f64, f64, DateTime<Utc>)>,
    points: &[Point],
    now: DateTime<Utc>,
) -> DomainResult<(Vec<Point>, usize)> {
    if points.is_empty() || points.len() > MAX_POINTS {
        return Err(DomainError::invalid("points", "send 1 to 100 points"));
    }
    for p in points {
        Coordinates::new(p.lat, p.lng).map_err(|e| DomainError::invalid("points", e))?;
        if p.at > now + Duration::seconds(FUTURE_SKEW_SECS) {
            return Err(DomainError::invalid("points", "a point is in the future"));
        }
    }
    let mut sorted = points.to_vec();
    sorted.sort_by_key(|p| p.at);
    let mut kept = Vec::with_capacity(sorted.len());
    let mut prev = last;
    let mut rejected = 0;
    for p in sorted {
        if let Some((lat, lng, at)) = prev {
            let secs = (p.at - at).num_milliseconds() as f64 / 1000.0;
            let moved = crate::geo::haversine_m(lat, lng, p.lat, p.lng);
            // Within a second, allow a GPS jitter of 50 m.
            if secs <= 0.0 || moved > MAX_SPEED_MPS * secs.max(0.0) + 50.0 {
                rejected += 1;
                continue;
            }
        }
        prev = Some((p.lat, p.lng, p.at));
        kept.push(p);
    }
    Ok((kept, rejected))
}

/// Stores a rider's report: the newest kept point becomes the rider's
/// position; while the rider carries jobs, the points go to the track.
pub async fn report_location(
    db: &impl ConnectionTrait,
    r: &rider::Model,
    points: &[Point],
    now: DateTime<Utc>,
) -> DomainResult<LocationReport> {
    let last = match (r.lat, r.lng, r.located_at) {
        (Some(lat), Some(lng), Some(at)) => Some((lat, lng, at)),
        _ => None,
    };
    let (kept, rejected) = screen(last, points, now)?;
    let Some(newest) = kept.last().copied() else {
        return Ok(LocationReport {
            accepted: 0,
            rejected,
        });
    };
    rider::Entity::update_many()
        .col_expr(rider::Column::Lat, Expr::value(Some(newest.lat)))
        .col_expr(rider::Column::Lng, Expr::value(Some(newest.lng)))
        .col_expr(rider::Column::LocatedAt, Expr::value(Some(newest.at)))
        .filter(rider::Column::Id.eq(r.id))
        .exec(db)
        .await?;
    if r.active_jobs > 0 {
        let res =
            rider_position::Entity::insert_many(kept.iter().map(|p| rider_position::ActiveModel {
                platform_id: Set(r.platform_id),
                rider_id: Set(r.id),
                lat: Set(p.lat),
                lng: Set(p.lng),
                at: Set(p.at),
                ..Default::default()
            }))
            .on_conflict(
                OnConflict::columns([rider_position::Column::RiderId, rider_position::Column::At])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await;
        match res {
            Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(LocationReport {
        accepted: kept.len(),
        rejected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_checked() {
        // The GB 11643 example number.
        assert_eq!(
            check_id_number("11010519491231002x").unwrap(),
            "11010519491231002X"
        );
        assert!(
            check_id_number("110105194912310021").is_err(),
            "check digit"
        );
        assert!(check_id_number("11010519491331002X").is_err(), "month 13");
        assert!(check_id_number("1101051949123100").is_err(), "length");
        assert!(check_id_number("11010519491231002Y").is_err());
    }

    fn p(lat: f64, lng: f64, secs: i64) -> Point {
        Point {
            lat,
            lng,
            at: DateTime::<Utc>::UNIX_EPOCH + Duration::seconds(1_000 + secs),
        }
    }

    #[test]
    fn points_are_screened() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::seconds(2_000);
        // 0.001° of latitude is ~111 m: 11 m/s is fine, 111 m in 1 s is not.
        let (kept, rejected) = screen(
            None,
            &[
                p(33.0, 105.0, 10),
                p(33.001, 105.0, 20),
                p(33.0, 105.0, 0),
                p(33.003, 105.0, 21),
            ],
            now,
        )
        .unwrap();
        assert_eq!(kept.len(), 3, "{kept:?}");
        assert_eq!(rejected, 1);
        assert!(kept.windows(2).all(|w| w[0].at < w[1].at));
        // Older than the last known position: dropped.
        let (kept, rejected) = screen(
            Some((33.0, 105.0, p(0.0, 0.0, 50).at)),
            &[p(33.0, 105.0, 40)],
            now,
        )
        .unwrap();
        assert!(kept.is_empty());
        assert_eq!(rejected, 1);
        // Invalid coordinates or the future refuse the batch.
        assert!(screen(None, &[p(91.0, 105.0, 0)], now).is_err());
        assert!(screen(None, &[p(33.0, 105.0, 1_100)], now).is_err());
        assert!(screen(None, &[], now).is_err());
    }
}
