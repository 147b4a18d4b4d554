//! The people of the demo month: residents with their addresses, the
//! village carrier with its vans and drivers, the agent points' keepers,
//! and the riders and kitchens already seeded. Everyone is registered
//! through the same domain operations an operator or a resident uses.

use chrono::{DateTime, Utc};
use entity::delivery_end::fleet::{self, NewCarrier, NewDriver, NewKeeper, NewVehicle, Sensors};
use entity::error::DomainResult;
use entity::geo::Coordinates;
use entity::platform_end::users;
use entity::to_door_line::addresses::{self, AddressInput};
use entity::{agent_point, community, merchant, rider, store};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::rng::Rng;
use crate::routes::platform_end::auth::DEMO_APPID;

/// City residents: (demo login, name).
const CITY_RESIDENTS: &[(&str, &str)] = &[
    ("res-chen", "陈静"),
    ("res-liu", "刘洋"),
    ("res-zhang", "张敏"),
    ("res-wang", "王磊"),
    ("res-li", "李娜"),
    ("res-zhao", "赵强"),
    ("res-sun", "孙丽"),
    ("res-zhou", "周杰"),
    ("res-wu", "吴芳"),
    ("res-xu", "徐涛"),
    ("res-ma", "马艳"),
    ("res-hu", "胡军"),
    ("res-guo", "郭婷"),
    ("res-he", "何平"),
];

/// Village residents: (demo login, name).
const VILLAGE_RESIDENTS: &[(&str, &str)] = &[
    ("res-yang", "杨桂兰"),
    ("res-luo", "罗志刚"),
    ("res-zheng", "郑秀珍"),
    ("res-tang", "唐德明"),
    ("res-feng", "冯春花"),
    ("res-deng", "邓建华"),
    ("res-cao", "曹玉梅"),
    ("res-peng", "彭永福"),
    ("res-xie", "谢金凤"),
    ("res-han", "韩保国"),
];

/// The village carrier's drivers: (demo login, name, phone, manager).
const DRIVERS: &[(&str, &str, &str, bool)] = &[
    ("driver-zhou", "周师傅", "13909392001", true),
    ("driver-wu", "吴师傅", "13909392002", false),
];

/// A resident and the address they order to.
#[derive(Debug, Clone)]
pub struct Resident {
    /// Their user.
    pub user_id: i64,
    /// Their address.
    pub address: entity::address::Model,
}

/// A store taking orders in the month.
#[derive(Debug, Clone)]
pub struct Kitchen {
    /// The store.
    pub store: store::Model,
    /// Its owner, who works the orders.
    pub owner_user_id: i64,
    /// Whether it delivers to villages.
    pub villages: bool,
}

/// Everyone the month needs.
#[derive(Debug, Clone)]
pub struct Cast {
    /// Residents of city communities.
    pub city: Vec<Resident>,
    /// Residents of villages, ordering to their agent point.
    pub village: Vec<Resident>,
    /// The stores.
    pub kitchens: Vec<Kitchen>,
    /// The verified riders.
    pub riders: Vec<rider::Model>,
    /// Agent point → its keeper's user.
    pub keepers: Vec<(i64, i64)>,
    /// The carrier.
    pub carrier_id: i64,
    /// The driver who manages the carrier's account.
    pub carrier_manager: i64,
    /// The platform.
    pub platform_id: i64,
    /// Its local time's offset from UTC.
    pub utc_offset_minutes: i32,
}

/// Registers the month's residents, fleet and keepers (once; a platform
/// that has them is taken as it is) and gathers the seeded stores and
/// riders.
pub async fn assemble(
    db: &impl ConnectionTrait,
    pid: i64,
    utc_offset_minutes: i32,
    rng: &mut Rng,
    now: DateTime<Utc>,
) -> DomainResult<Cast> {
    let communities = community::Entity::find()
        .filter(community::Column::PlatformId.eq(pid))
        .order_by_asc(community::Column::Id)
        .all(db)
        .await?;
    let points = agent_point::Entity::find()
        .filter(agent_point::Column::PlatformId.eq(pid))
        .order_by_asc(agent_point::Column::Id)
        .all(db)
        .await?;
    let mut city = Vec::new();
    for (i, (login, name)) in CITY_RESIDENTS.iter().enumerate() {
        let Some(c) = communities.get(i % communities.len().max(1)) else {
            break;
        };
        // Somewhere inside the community, a few hundred metres from its centre.
        let location = Coordinates {
            lat: c.center_lat + rng.jitter(30) / 1_000.0,
            lng: c.center_lng + rng.jitter(30) / 1_000.0,
        };
        let input = AddressInput {
            label: "家".into(),
            contact_name: (*name).into(),
            contact_phone: phone(rng),
            detail: format!(
                "{}{}号楼{}单元{}室",
                c.name,
                rng.between(1, 12),
                rng.between(1, 3),
                rng.between(101, 602)
            ),
            location: Some(location),
            agent_point_id: None,
        };
        city.push(resident(db, pid, login, name, &input, now).await?);
    }
    let mut village_residents = Vec::new();
    for (i, (login, name)) in VILLAGE_RESIDENTS.iter().enumerate() {
        let Some(p) = points.get(i % points.len().max(1)) else {
            break;
        };
        let input = AddressInput {
            label: "家".into(),
            contact_name: (*name).into(),
            contact_phone: phone(rng),
            detail: format!("{}组", rng.between(1, 6)),
            location: None,
            agent_point_id: Some(p.id),
        };
        village_residents.push(resident(db, pid, login, name, &input, now).await?);
    }
    let (carrier_id, carrier_manager) = fleet_of(db, pid, now).await?;
    let mut keepers = Vec::new();
    for p in &points {
        let login = format!("keeper-{}", p.id);
        let u = demo_user(db, pid, &login, &p.keeper_name, now).await?;
        fleet::add_keeper(db, pid, p.id, &NewKeeper { user_id: u.id }, now).await?;
        keepers.push((p.id, u.id));
    }
    Ok(Cast {
        city,
        village: village_residents,
        kitchens: kitchens(db, pid).await?,
        riders: rider::Entity::find()
            .filter(rider::Column::PlatformId.eq(pid))
            .filter(rider::Column::Status.eq(entity::rider::RiderStatus::Verified))
            .order_by_asc(rider::Column::Id)
            .all(db)
            .await?,
        keepers,
        carrier_id,
        carrier_manager,
        platform_id: pid,
        utc_offset_minutes,
    })
}

/// A mobile number that looks like one.
fn phone(rng: &mut Rng) -> String {
    format!("139{:08}", rng.below(100_000_000))
}

/// The user a `demo:<login>` mini-program code signs in as.
async fn demo_user(
    db: &impl ConnectionTrait,
    pid: i64,
    login: &str,
    name: &str,
    now: DateTime<Utc>,
) -> DomainResult<entity::user::Model> {
    let code = format!("demo:{login}");
    Ok(users::login_wechat_user(db, pid, DEMO_APPID, &code, None, name, now).await?)
}

async fn resident(
    db: &impl ConnectionTrait,
    pid: i64,
    login: &str,
    name: &str,
    input: &AddressInput,
    now: DateTime<Utc>,
) -> DomainResult<Resident> {
    let u = demo_user(db, pid, login, name, now).await?;
    let address = addresses::create(db, pid, u.id, input, now).await?;
    Ok(Resident {
        user_id: u.id,
        address,
    })
}

/// The county post's cold-chain vans and their drivers: (carrier, the
/// managing driver's user).
async fn fleet_of(
    db: &impl ConnectionTrait,
    pid: i64,
    now: DateTime<Utc>,
) -> DomainResult<(i64, i64)> {
    let carrier = fleet::add_carrier(
        db,
        pid,
        &NewCarrier {
            name: "康县邮政乡村物流".into(),
            contact_phone: "09395122000".into(),
        },
        now,
    )
    .await?;
    for (plate, tag) in [("甘K·C2081", "01"), ("甘K·C2093", "02")] {
        fleet::add_vehicle(
            db,
            pid,
            &NewVehicle {
                carrier_id: carrier.id,
                plate: plate.into(),
                capacity_g: 1_200_000,
                capacity_ml: 6_000_000,
                chilled_ml: 300_000,
                frozen_ml: 300_000,
                sensors: Sensors {
                    chilled: Some(format!("KX-CH-{tag}")),
                    frozen: Some(format!("KX-FZ-{tag}")),
                },
            },
            now,
        )
        .await?;
    }
    let mut manager_user = 0;
    for (login, name, phone, manager) in DRIVERS {
        let u = demo_user(db, pid, login, name, now).await?;
        let new = NewDriver {
            carrier_id: carrier.id,
            user_id: u.id,
            name: (*name).into(),
            phone: (*phone).into(),
            manager: *manager,
        };
        fleet::add_driver(db, pid, &new, now).await?;
        if *manager {
            manager_user = u.id;
        }
    }
    Ok((carrier.id, manager_user))
}

/// The seeded stores with the user who works their orders.
async fn kitchens(db: &impl ConnectionTrait, pid: i64) -> DomainResult<Vec<Kitchen>> {
    let merchants = merchant::Entity::find()
        .filter(merchant::Column::PlatformId.eq(pid))
        .order_by_asc(merchant::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for m in merchants {
        if let Some(s) = store::Entity::find()
            .filter(store::Column::MerchantId.eq(m.id))
            .one(db)
            .await?
        {
            out.push(Kitchen {
                store: s,
                owner_user_id: m.owner_user_id,
                villages: m.delivery_modes != "city",
            });
        }
    }
    Ok(out)
}
