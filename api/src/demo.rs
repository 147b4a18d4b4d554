//! The demo county: Kang county (康县, Longnan, Gansu) with the Huaqiao bun
//! kitchen, city communities, villages with agent points, an operator and
//! riders. Seeding is idempotent: every row is found by its natural key
//! before it is inserted, so a second run changes nothing.

use chrono::{DateTime, Utc};
use entity::platform_end::users;
use entity::rider::RiderStatus;
use entity::{Role, agent_point, community, operator_account, platform, village, wechat_identity};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};

use crate::auth::password;
use crate::routes::platform_end::auth::DEMO_APPID;

/// The demo platform's code.
pub const DEMO_PLATFORM: &str = "kang";
/// The demo operator's username.
pub const DEMO_OPERATOR: &str = "kang-admin";

/// What a seed run did.
#[derive(Debug, Clone)]
pub struct SeedReport {
    /// The demo platform.
    pub platform_id: i64,
    /// Rows inserted by this run (0 on a second run).
    pub inserted: usize,
    /// The operator's username.
    pub operator_username: String,
    /// The operator's password, only when this run created the account.
    pub operator_password: Option<String>,
    /// Demo login codes of seeded users (kitchen owner, riders).
    pub demo_logins: Vec<(String, String)>,
    /// The bun kitchen's console username.
    pub kitchen_username: String,
    /// Its password, only when this run created the account.
    pub kitchen_password: Option<String>,
    /// The past month made up after the seed, if one was.
    pub month: Option<crate::demo_month::MonthReport>,
}

/// The demo bun kitchen's console account.
pub const DEMO_KITCHEN: &str = "huaqiao-kitchen";

const COMMUNITIES: &[(&str, f64, f64, i32)] = &[
    ("东关社区", 33.3318, 105.6142, 800),
    ("西关社区", 33.3281, 105.6021, 800),
    ("南园社区", 33.3226, 105.6097, 700),
    ("凤凰社区", 33.3352, 105.6056, 600),
];

/// (township, village, lat, lng, agent point, keeper, phone)
const VILLAGES: &[(&str, &str, f64, f64, &str, &str, &str)] = &[
    (
        "长坝镇",
        "花桥村",
        33.2853,
        105.7312,
        "花桥村便民服务点",
        "杨秀英",
        "13909391001",
    ),
    (
        "王坝镇",
        "何家庄村",
        33.3641,
        105.6685,
        "何家庄代办点",
        "何建国",
        "13909391002",
    ),
    (
        "岸门口镇",
        "朱家沟村",
        33.2546,
        105.5932,
        "朱家沟村委代办点",
        "朱海军",
        "13909391003",
    ),
    (
        "阳坝镇",
        "梅园沟村",
        33.0475,
        105.6821,
        "梅园沟茶农代办点",
        "李春梅",
        "13909391004",
    ),
    (
        "大堡镇",
        "大堡村",
        33.4212,
        105.5518,
        "大堡村小卖部",
        "张德福",
        "13909391005",
    ),
    (
        "豆坝镇",
        "豆坝村",
        33.2931,
        105.4622,
        "豆坝村电商服务站",
        "赵丽娟",
        "13909391006",
    ),
];

/// (demo login name, display name, roles beyond resident)
const DEMO_USERS: &[(&str, &str, &[Role])] = &[
    ("huaqiao", "花桥包子 店长", &[Role::MerchantStaff]),
    ("coop", "康县木耳蜂蜜合作社 负责人", &[Role::MerchantStaff]),
    ("grocery", "城关便民超市 店主", &[Role::MerchantStaff]),
    ("rider-wang", "王师傅 (骑手)", &[Role::Rider]),
    ("rider-li", "李师傅 (骑手)", &[Role::Rider]),
    ("rider-zhao", "赵师傅 (骑手)", &[Role::Rider]),
    ("bureau", "陇南市商务局 (统计)", &[Role::Bureau]),
];

/// A verified demo rider, off duty (found by user).
async fn seed_rider(
    db: &impl sea_orm::ConnectionTrait,
    pid: i64,
    user_id: i64,
    login: &str,
    display: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use entity::rider;
    use sea_orm::ActiveModelTrait;
    let exists = rider::Entity::find()
        .filter(rider::Column::PlatformId.eq(pid))
        .filter(rider::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .is_some();
    if exists {
        return Ok(());
    }
    rider::ActiveModel {
        platform_id: Set(pid),
        user_id: Set(user_id),
        real_name: Set(display.split(' ').next().unwrap_or(display).to_owned()),
        phone: Set(format!("1390000{:04}", user_id % 10_000)),
        // Not a real ID number's hash: demo riders never registered.
        id_number_hash: Set(format!("demo-{login}")),
        id_number_last4: Set("0000".into()),
        vehicle: Set("e_bike".into()),
        health_cert_no: Set(format!("DEMO-{user_id}")),
        health_cert_expires: Set((now + chrono::Duration::days(365)).date_naive()),
        poor_household: Set(login == "rider-zhao"),
        status: Set(RiderStatus::Verified),
        review_reason: Set(None),
        reviewed_by: Set(None),
        reviewed_at: Set(Some(now)),
        on_duty: Set(false),
        // No position until the rider's phone reports one.
        lat: Set(None),
        lng: Set(None),
        located_at: Set(None),
        active_jobs: Set(0),
        give_ups: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Seeds the demo county if the database has no platform yet.
pub async fn seed_if_empty(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Option<SeedReport>, DbErr> {
    if platform::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    seed(db, now).await.map(Some)
}

/// Seeds (or completes) the demo county; a second run inserts nothing.
pub async fn seed(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<SeedReport, DbErr> {
    // Hash before the transaction: argon2 is deliberately slow.
    let fresh_password = password::generate();
    let phc = password::hash(&fresh_password).map_err(|e| DbErr::Custom(e.to_string()))?;
    let kitchen_password = password::generate();
    let kitchen_phc =
        password::hash(&kitchen_password).map_err(|e| DbErr::Custom(e.to_string()))?;
    let txn = entity::tx::begin_write(db).await?;
    let mut inserted = 0;
    let platform = match platform::Entity::find()
        .filter(platform::Column::Code.eq(DEMO_PLATFORM))
        .one(&txn)
        .await?
    {
        Some(p) => p,
        None => {
            inserted += 1;
            platform::ActiveModel {
                code: Set(DEMO_PLATFORM.into()),
                name: Set("康县同城".into()),
                region: Set("甘肃省陇南市康县".into()),
                center_lat: Set(33.3290),
                center_lng: Set(105.6090),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    let pid = platform.id;

    for &(name, lat, lng, radius) in COMMUNITIES {
        let exists = community::Entity::find()
            .filter(community::Column::PlatformId.eq(pid))
            .filter(community::Column::Name.eq(name))
            .one(&txn)
            .await?
            .is_some();
        if !exists {
            inserted += 1;
            community::ActiveModel {
                platform_id: Set(pid),
                name: Set(name.into()),
                center_lat: Set(lat),
                center_lng: Set(lng),
                radius_m: Set(radius),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }

    for &(township, name, lat, lng, point, keeper, phone) in VILLAGES {
        let village = match village::Entity::find()
            .filter(village::Column::PlatformId.eq(pid))
            .filter(village::Column::Township.eq(township))
            .filter(village::Column::Name.eq(name))
            .one(&txn)
            .await?
        {
            Some(v) => v,
            None => {
                inserted += 1;
                village::ActiveModel {
                    platform_id: Set(pid),
                    name: Set(name.into()),
                    township: Set(township.into()),
                    lat: Set(lat),
                    lng: Set(lng),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
            }
        };
        let exists = agent_point::Entity::find()
            .filter(agent_point::Column::VillageId.eq(village.id))
            .filter(agent_point::Column::Name.eq(point))
            .one(&txn)
            .await?
            .is_some();
        if !exists {
            inserted += 1;
            agent_point::ActiveModel {
                platform_id: Set(pid),
                village_id: Set(village.id),
                name: Set(point.into()),
                keeper_name: Set(keeper.into()),
                phone: Set(phone.into()),
                // The point sits a few hundred metres from the village centre.
                lat: Set(lat + 0.0012),
                lng: Set(lng - 0.0009),
                opening_hours: Set("08:00-20:00".into()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }

    let mut demo_logins = Vec::new();
    let mut owners = std::collections::HashMap::new();
    for &(login, display, roles) in DEMO_USERS {
        let code = format!("demo:{login}");
        let before = wechat_identity::Entity::find()
            .filter(wechat_identity::Column::Appid.eq(DEMO_APPID))
            .filter(wechat_identity::Column::Openid.eq(&code))
            .one(&txn)
            .await?
            .is_some();
        let u = users::login_wechat_user(&txn, pid, DEMO_APPID, &code, None, display, now).await?;
        if !before {
            inserted += 1;
        }
        for &role in roles {
            users::grant_role(&txn, pid, u.id, role, now).await?;
        }
        if roles.contains(&Role::Rider) {
            seed_rider(&txn, pid, u.id, login, display, now).await?;
        }
        owners.insert(login, u.id);
        demo_logins.push((code, display.to_owned()));
    }

    let (operator_password, operator_id) = match operator_account::Entity::find()
        .filter(operator_account::Column::Username.eq(DEMO_OPERATOR))
        .one(&txn)
        .await?
    {
        Some(existing) => (None, existing.user_id),
        None => {
            inserted += 1;
            let (u, _) = users::add_password_user(
                &txn,
                pid,
                DEMO_OPERATOR,
                "康县平台运营".into(),
                phc,
                Role::Operator,
                now,
            )
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
            (Some(fresh_password), u.id)
        }
    };
    for spec in crate::demo_menu::MERCHANTS {
        let Some(owner) = owners.get(spec.login).copied() else {
            continue;
        };
        inserted +=
            crate::demo_menu::seed_merchant(&txn, pid, owner, operator_id, spec, now).await?;
    }
    inserted += crate::demo_menu::seed_routes(&txn, pid, now).await?;
    inserted +=
        crate::demo_linkage::seed_linkage(&txn, pid, platform.utc_offset_minutes, now).await?;
    // The kitchen owner's console account (the owner signs in with WeChat
    // in the mini-program; at the desk, with this password).
    let mut kitchen_pw = None;
    if let Some(owner) = owners.get("huaqiao").copied()
        && operator_account::Entity::find()
            .filter(operator_account::Column::Username.eq(DEMO_KITCHEN))
            .one(&txn)
            .await?
            .is_none()
    {
        operator_account::ActiveModel {
            platform_id: Set(pid),
            user_id: Set(owner),
            username: Set(DEMO_KITCHEN.into()),
            password_hash: Set(kitchen_phc),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        inserted += 1;
        kitchen_pw = Some(kitchen_password);
    }
    txn.commit().await?;
    Ok(SeedReport {
        platform_id: pid,
        inserted,
        operator_username: DEMO_OPERATOR.into(),
        operator_password,
        demo_logins,
        kitchen_username: DEMO_KITCHEN.into(),
        kitchen_password: kitchen_pw,
        month: None,
    })
}
