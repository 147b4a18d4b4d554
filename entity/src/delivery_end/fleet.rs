//! The fleet registry of the village line: carriers, their vans with the
//! cold-chain compartments and sensors, the drivers who drive for them, and
//! the keepers of agent points. Every object belongs to one platform; an id
//! of another platform's is not found.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{DomainError, DomainResult};
use crate::platform_end::users::grant_role;
use crate::validate::{phone, required};
use crate::{Role, agent_keeper, agent_point, carrier, driver, user, vehicle};

/// A new carrier.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCarrier {
    /// e.g. 康县邮政速递.
    pub name: String,
    /// Dispatcher's phone.
    pub contact_phone: String,
}

/// Registers a carrier; its name is unique on the platform.
pub async fn add_carrier(
    db: &impl ConnectionTrait,
    platform_id: i64,
    new: &NewCarrier,
    now: DateTime<Utc>,
) -> DomainResult<carrier::Model> {
    let name = required("name", &new.name, 64)?;
    let phone = phone("contact_phone", &new.contact_phone)?;
    let taken = carrier::Entity::find()
        .filter(carrier::Column::PlatformId.eq(platform_id))
        .filter(carrier::Column::Name.eq(name.as_str()))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(DomainError::Duplicate("a carrier has this name".into()));
    }
    Ok(carrier::ActiveModel {
        platform_id: Set(platform_id),
        name: Set(name),
        contact_phone: Set(phone),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The platform's carriers, oldest first.
pub async fn carriers(
    db: &impl ConnectionTrait,
    platform_id: i64,
) -> DomainResult<Vec<carrier::Model>> {
    Ok(carrier::Entity::find()
        .filter(carrier::Column::PlatformId.eq(platform_id))
        .order_by_asc(carrier::Column::Id)
        .all(db)
        .await?)
}

/// A carrier of the platform.
pub async fn carrier_of(
    db: &impl ConnectionTrait,
    platform_id: i64,
    id: i64,
) -> DomainResult<carrier::Model> {
    crate::scope::on_platform::<carrier::Entity>(db, platform_id, id, "carrier").await
}

/// The WeChat Pay merchant a carrier receives its share of partner-mode
/// payments under.
#[derive(Debug, Clone)]
pub struct CarrierReceiver {
    /// Its merchant number.
    pub mchid: String,
    /// Its registered name, as WeChat Pay knows it.
    pub name: String,
}

/// Records a carrier's receiving merchant, or clears it with `None` (its
/// share then goes to the platform, which pays it by transfer); the change
/// is recorded with who made it. Run it in a transaction.
pub async fn set_carrier_receiver(
    db: &impl ConnectionTrait,
    platform_id: i64,
    carrier_id: i64,
    receiver: Option<&CarrierReceiver>,
    user_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<carrier::Model> {
    let c = carrier_of(db, platform_id, carrier_id).await?;
    let (mchid, name) = match receiver {
        Some(r) => (
            Some(crate::platform_end::payment_accounts::check_mchid(
                "mchid", &r.mchid,
            )?),
            Some(required("name", &r.name, 128)?),
        ),
        None => (None, None),
    };
    let old = serde_json::json!({"mchid": c.receiver_mchid, "name": c.receiver_name});
    let new = serde_json::json!({"mchid": mchid, "name": name});
    if old == new {
        return Ok(c);
    }
    let setting = format!("carrier.{}.receiver", c.id);
    let mut row: carrier::ActiveModel = c.into();
    row.receiver_mchid = Set(mchid);
    row.receiver_name = Set(name);
    let c = row.update(db).await?;
    crate::platform_end::settings::record(db, platform_id, user_id, &setting, &old, &new, now)
        .await?;
    Ok(c)
}

/// A new van.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewVehicle {
    /// Its carrier.
    pub carrier_id: i64,
    /// Licence plate, e.g. 甘K·A1234.
    pub plate: String,
    /// Ambient load, grams (1 kg to 10 t).
    pub capacity_g: i64,
    /// Ambient volume, millilitres.
    pub capacity_ml: i64,
    /// Chilled compartment, millilitres (0 = none).
    #[serde(default)]
    pub chilled_ml: i64,
    /// Frozen compartment, millilitres (0 = none).
    #[serde(default)]
    pub frozen_ml: i64,
    /// The temperature sensor of each cold compartment.
    #[serde(default)]
    pub sensors: Sensors,
}

/// Sensor ids by compartment.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct Sensors {
    /// The chilled compartment's sensor.
    pub chilled: Option<String>,
    /// The frozen compartment's sensor.
    pub frozen: Option<String>,
}

/// Registers a van of a carrier: capacities in range, a sensor for every
/// cold compartment, a plate not registered on the platform.
pub async fn add_vehicle(
    db: &impl ConnectionTrait,
    platform_id: i64,
    new: &NewVehicle,
    now: DateTime<Utc>,
) -> DomainResult<vehicle::Model> {
    let c = carrier_of(db, platform_id, new.carrier_id).await?;
    let plate = required("plate", &new.plate, 16)?;
    if !(1_000..=10_000_000).contains(&new.capacity_g) {
        return Err(DomainError::invalid("capacity_g", "1 kg to 10 t"));
    }
    for (field, v) in [
        ("capacity_ml", new.capacity_ml),
        ("chilled_ml", new.chilled_ml),
        ("frozen_ml", new.frozen_ml),
    ] {
        if !(0..=50_000_000).contains(&v) {
            return Err(DomainError::invalid(field, "0 to 50,000 litres"));
        }
    }
    for (field, ml, sensor) in [
        ("sensors.chilled", new.chilled_ml, &new.sensors.chilled),
        ("sensors.frozen", new.frozen_ml, &new.sensors.frozen),
    ] {
        if ml > 0
            && sensor
                .as_deref()
                .is_none_or(|s| s.trim().is_empty() || s.len() > 64)
        {
            return Err(DomainError::invalid(
                field,
                "a cold compartment needs its temperature sensor id",
            ));
        }
    }
    let taken = vehicle::Entity::find()
        .filter(vehicle::Column::PlatformId.eq(platform_id))
        .filter(vehicle::Column::Plate.eq(plate.as_str()))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(DomainError::Duplicate("this plate is registered".into()));
    }
    let sensor_ids = serde_json::to_string(&new.sensors)
        .map_err(|e| DomainError::invalid("sensors", e.to_string()))?;
    Ok(vehicle::ActiveModel {
        platform_id: Set(platform_id),
        carrier_id: Set(c.id),
        plate: Set(plate),
        capacity_g: Set(new.capacity_g),
        capacity_ml: Set(new.capacity_ml),
        chilled_ml: Set(new.chilled_ml),
        frozen_ml: Set(new.frozen_ml),
        sensor_ids: Set(sensor_ids),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The platform's vans, oldest first.
pub async fn vehicles(
    db: &impl ConnectionTrait,
    platform_id: i64,
) -> DomainResult<Vec<vehicle::Model>> {
    Ok(vehicle::Entity::find()
        .filter(vehicle::Column::PlatformId.eq(platform_id))
        .order_by_asc(vehicle::Column::Id)
        .all(db)
        .await?)
}

/// A user who drives for a carrier.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDriver {
    /// The carrier.
    pub carrier_id: i64,
    /// A signed-in user of the platform.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Manages the carrier's account: statements and payouts.
    #[serde(default)]
    pub manager: bool,
}

/// A user of the platform.
async fn user_of(
    db: &impl ConnectionTrait,
    platform_id: i64,
    id: i64,
) -> DomainResult<user::Model> {
    crate::scope::on_platform::<user::Entity>(db, platform_id, id, "user").await
}

/// Makes a user a driver of a carrier and grants the `driver` role; a user
/// drives for one carrier. Run in a transaction.
pub async fn add_driver(
    db: &impl ConnectionTrait,
    platform_id: i64,
    new: &NewDriver,
    now: DateTime<Utc>,
) -> DomainResult<driver::Model> {
    let c = carrier_of(db, platform_id, new.carrier_id).await?;
    let u = user_of(db, platform_id, new.user_id).await?;
    let name = required("name", &new.name, 32)?;
    let phone = phone("phone", &new.phone)?;
    let exists = driver::Entity::find()
        .filter(driver::Column::PlatformId.eq(platform_id))
        .filter(driver::Column::UserId.eq(u.id))
        .one(db)
        .await?;
    if exists.is_some() {
        return Err(DomainError::Duplicate("this user drives already".into()));
    }
    let d = driver::ActiveModel {
        platform_id: Set(platform_id),
        carrier_id: Set(c.id),
        user_id: Set(u.id),
        name: Set(name),
        phone: Set(phone),
        manager: Set(new.manager),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    grant_role(db, platform_id, u.id, Role::Driver, now).await?;
    Ok(d)
}

/// A user who keeps an agent point.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewKeeper {
    /// A signed-in user of the platform.
    pub user_id: i64,
}

/// Makes a user the keeper of an agent point and grants `agent_keeper`; a
/// user keeps one point. Run in a transaction.
pub async fn add_keeper(
    db: &impl ConnectionTrait,
    platform_id: i64,
    agent_point_id: i64,
    new: &NewKeeper,
    now: DateTime<Utc>,
) -> DomainResult<agent_keeper::Model> {
    let point = crate::scope::on_platform::<agent_point::Entity>(
        db,
        platform_id,
        agent_point_id,
        "agent point",
    )
    .await?;
    let u = user_of(db, platform_id, new.user_id).await?;
    if agent_keeper::Entity::find()
        .filter(agent_keeper::Column::PlatformId.eq(platform_id))
        .filter(agent_keeper::Column::UserId.eq(u.id))
        .one(db)
        .await?
        .is_some()
    {
        return Err(DomainError::Duplicate(
            "this user keeps a point already".into(),
        ));
    }
    let k = agent_keeper::ActiveModel {
        platform_id: Set(platform_id),
        agent_point_id: Set(point.id),
        user_id: Set(u.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    grant_role(db, platform_id, u.id, Role::AgentKeeper, now).await?;
    Ok(k)
}
