//! The demo county's supply end: the Huaqiao bun kitchen's menu, a produce
//! cooperative and a grocery, and two village routes with two departures a
//! day. Products go through the real listing line (submitted by the
//! kitchen, approved by the operator), so the demo data obeys the rules.

use chrono::{DateTime, Utc};
use entity::listing_line::applications;
use entity::listing_line::product_states::ListingEvent;
use entity::listing_line::review::{self, Actor};
use entity::merchant::MerchantStatus;
use entity::supply_end::menu;
use entity::supply_end::menu::{CategoryInput, ProductInput, SkuInput};
use entity::{
    agent_point, category, departure, merchant, product, route, store, store_route, village,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

/// A demo product with its SKUs (name, price in fen, stock; `None` = unlimited).
pub struct ProductSpec {
    name: &'static str,
    description: &'static str,
    unit: &'static str,
    cold_chain: &'static str,
    weight_g: i32,
    origin: &'static str,
    skus: &'static [(&'static str, i64, Option<i64>)],
}

/// A demo merchant, its store and menu.
pub struct MerchantSpec {
    /// Demo login of the owner.
    pub login: &'static str,
    name: &'static str,
    category: &'static str,
    licence_no: &'static str,
    food_permit_no: &'static str,
    phone: &'static str,
    modes: &'static str,
    store_name: &'static str,
    address: &'static str,
    lat: f64,
    lng: f64,
    radius_m: i32,
    min_order_fen: i64,
    packing_fee_fen: i64,
    prep_minutes: i32,
    hours: (&'static str, &'static str),
    menu: &'static [(&'static str, &'static [ProductSpec])],
}

const BUN_ORIGIN: &str = "康县长坝镇花桥村 · 黑猪肉、香菇、核桃、小麦粉由建档立卡户和合作社供应";

/// The demo merchants.
pub const MERCHANTS: &[MerchantSpec] = &[
    MerchantSpec {
        login: "huaqiao",
        name: "花桥包子",
        category: "snacks",
        licence_no: "91621226MA71H4QB2K",
        food_permit_no: "JY16212260001234",
        phone: "09395123456",
        modes: "both",
        store_name: "花桥包子·县城店",
        address: "康县城关镇南街 18 号",
        lat: 33.3297,
        lng: 105.6079,
        radius_m: 5_000,
        min_order_fen: 1_500,
        packing_fee_fen: 100,
        prep_minutes: 25,
        hours: ("06:30", "20:00"),
        menu: &[
            (
                "鲜蒸包子",
                &[
                    ProductSpec {
                        name: "黑猪肉包子",
                        description: "康县黑猪肉手工鲜肉馅，现蒸现卖",
                        unit: "份",
                        cold_chain: "ambient",
                        weight_g: 480,
                        origin: BUN_ORIGIN,
                        skus: &[("鲜肉包 ×6", 1_200, None), ("鲜肉包 ×10", 1_900, None)],
                    },
                    ProductSpec {
                        name: "香菇核桃包",
                        description: "阳坝香菇配本地核桃仁，素中带香",
                        unit: "份",
                        cold_chain: "ambient",
                        weight_g: 450,
                        origin: BUN_ORIGIN,
                        skus: &[("香菇核桃包 ×6", 1_000, None)],
                    },
                    ProductSpec {
                        name: "素菜包",
                        description: "时令青菜、豆腐、粉条",
                        unit: "份",
                        cold_chain: "ambient",
                        weight_g: 450,
                        origin: BUN_ORIGIN,
                        skus: &[("素菜包 ×6", 800, None)],
                    },
                ],
            ),
            (
                "速冻包子",
                &[
                    ProductSpec {
                        name: "速冻黑猪肉包子",
                        description: "急冻锁鲜，冷链配送到村，蒸 15 分钟即食",
                        unit: "袋",
                        cold_chain: "frozen",
                        weight_g: 1_000,
                        origin: BUN_ORIGIN,
                        skus: &[
                            ("冷冻袋 ×10", 2_800, Some(120)),
                            ("冷冻袋 ×20", 5_200, Some(60)),
                        ],
                    },
                    ProductSpec {
                        name: "速冻香菇核桃包",
                        description: "冷冻袋装，家里常备",
                        unit: "袋",
                        cold_chain: "frozen",
                        weight_g: 1_000,
                        origin: BUN_ORIGIN,
                        skus: &[("冷冻袋 ×10", 2_400, Some(80))],
                    },
                    ProductSpec {
                        name: "速冻素菜包",
                        description: "冷冻袋装",
                        unit: "袋",
                        cold_chain: "frozen",
                        weight_g: 1_000,
                        origin: BUN_ORIGIN,
                        skus: &[("冷冻袋 ×10", 2_000, Some(0))],
                    },
                ],
            ),
        ],
    },
    MerchantSpec {
        login: "coop",
        name: "康县木耳蜂蜜合作社",
        category: "produce",
        licence_no: "93621226MA72K8PD3X",
        food_permit_no: "JY16212260005678",
        phone: "13909392001",
        modes: "both",
        store_name: "木耳蜂蜜合作社·城关门市",
        address: "康县城关镇东关 6 号",
        lat: 33.3321,
        lng: 105.6138,
        radius_m: 8_000,
        min_order_fen: 3_000,
        packing_fee_fen: 0,
        prep_minutes: 15,
        hours: ("08:00", "18:00"),
        menu: &[(
            "山货",
            &[
                ProductSpec {
                    name: "康县黑木耳",
                    description: "椴木黑木耳，肉厚无沙",
                    unit: "袋",
                    cold_chain: "ambient",
                    weight_g: 250,
                    origin: "康县王坝镇 · 合作社社员种植",
                    skus: &[("250 克袋装", 3_800, Some(200))],
                },
                ProductSpec {
                    name: "土蜂蜜",
                    description: "山区中华蜂百花蜜",
                    unit: "瓶",
                    cold_chain: "ambient",
                    weight_g: 500,
                    origin: "康县阳坝镇 · 建档立卡户养殖",
                    skus: &[("500 克瓶装", 6_800, Some(90))],
                },
            ],
        )],
    },
    MerchantSpec {
        login: "grocery",
        name: "城关便民超市",
        category: "groceries",
        licence_no: "92621226MA73P5RT6Y",
        food_permit_no: "JY16212260009012",
        phone: "13909393001",
        modes: "city",
        store_name: "城关便民超市",
        address: "康县城关镇西街 42 号",
        lat: 33.3284,
        lng: 105.6026,
        radius_m: 3_000,
        min_order_fen: 2_000,
        packing_fee_fen: 0,
        prep_minutes: 10,
        hours: ("07:30", "22:00"),
        menu: &[(
            "粮油",
            &[
                ProductSpec {
                    name: "手工挂面",
                    description: "本地小麦粉手工挂面",
                    unit: "把",
                    cold_chain: "ambient",
                    weight_g: 1_000,
                    origin: "康县",
                    skus: &[("1 千克", 1_200, None)],
                },
                ProductSpec {
                    name: "菜籽油",
                    description: "压榨菜籽油",
                    unit: "桶",
                    cold_chain: "ambient",
                    weight_g: 5_000,
                    origin: "陇南",
                    skus: &[("5 升", 8_900, Some(40))],
                },
            ],
        )],
    },
];

fn hours_json(open: &str, close: &str) -> String {
    let days: Vec<String> = (1..=7)
        .map(|d| format!(r#"{{"day":{d},"open":"{open}","close":"{close}"}}"#))
        .collect();
    format!("[{}]", days.join(","))
}

fn db_err(e: entity::error::DomainError) -> DbErr {
    match e {
        entity::error::DomainError::Db(db) => db,
        other => DbErr::Custom(other.to_string()),
    }
}

/// Seeds one merchant, its store, staff and listed menu; returns rows inserted.
pub async fn seed_merchant(
    db: &impl ConnectionTrait,
    pid: i64,
    owner: i64,
    operator: i64,
    spec: &MerchantSpec,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut inserted = 0;
    let m = match merchant::Entity::find()
        .filter(merchant::Column::PlatformId.eq(pid))
        .filter(merchant::Column::Name.eq(spec.name))
        .one(db)
        .await?
    {
        Some(m) => m,
        None => {
            inserted += 1;
            merchant::ActiveModel {
                platform_id: Set(pid),
                owner_user_id: Set(owner),
                name: Set(spec.name.into()),
                category: Set(spec.category.into()),
                status: Set(MerchantStatus::Approved),
                licence_no: Set(spec.licence_no.into()),
                contact_phone: Set(spec.phone.into()),
                food_permit_no: Set(spec.food_permit_no.into()),
                delivery_modes: Set(spec.modes.into()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?
        }
    };
    let s = match store::Entity::find()
        .filter(store::Column::MerchantId.eq(m.id))
        .one(db)
        .await?
    {
        Some(s) => s,
        None => {
            inserted += 1;
            store::ActiveModel {
                platform_id: Set(pid),
                merchant_id: Set(m.id),
                name: Set(spec.store_name.into()),
                address: Set(spec.address.into()),
                lat: Set(spec.lat),
                lng: Set(spec.lng),
                created_at: Set(now),
                opening_hours: Set(hours_json(spec.hours.0, spec.hours.1)),
                closed_now: Set(false),
                delivery_radius_m: Set(spec.radius_m),
                min_order_fen: Set(spec.min_order_fen),
                packing_fee_fen: Set(spec.packing_fee_fen),
                prep_minutes: Set(spec.prep_minutes),
                logo_url: Set(None),
                cover_url: Set(None),
                version: Set(1),
                ..Default::default()
            }
            .insert(db)
            .await?
        }
    };
    applications::add_staff(db, pid, s.id, owner, now).await?;
    for (position, (cat_name, products)) in spec.menu.iter().enumerate() {
        let cat = match category::Entity::find()
            .filter(category::Column::StoreId.eq(s.id))
            .filter(category::Column::Name.eq(*cat_name))
            .one(db)
            .await?
        {
            Some(c) => c,
            None => {
                inserted += 1;
                let input = CategoryInput {
                    name: (*cat_name).into(),
                    position: position as i32,
                };
                menu::save_category(db, s.id, pid, None, &input, now)
                    .await
                    .map_err(db_err)?
            }
        };
        for p in products.iter() {
            let exists = product::Entity::find()
                .filter(product::Column::StoreId.eq(s.id))
                .filter(product::Column::Name.eq(p.name))
                .one(db)
                .await?
                .is_some();
            if exists {
                continue;
            }
            inserted += 1;
            let input = ProductInput {
                category_id: Some(cat.id),
                name: p.name.into(),
                description: p.description.into(),
                images: Vec::new(),
                unit: p.unit.into(),
                cold_chain: p.cold_chain.into(),
                weight_g: p.weight_g,
                origin: p.origin.into(),
            };
            let mut prod = menu::create_product(db, s.id, pid, &input, now)
                .await
                .map_err(db_err)?;
            for (i, (name, price, stock)) in p.skus.iter().enumerate() {
                let sku = SkuInput {
                    version: prod.version,
                    name: (*name).into(),
                    price_fen: *price,
                    stock: *stock,
                    on_shelf: true,
                    position: i as i32,
                    weight_g: None,
                    volume_ml: None,
                };
                menu::save_sku(db, prod.clone(), None, &sku, now)
                    .await
                    .map_err(db_err)?;
                prod = menu::product_of(db, s.id, prod.id).await.map_err(db_err)?;
            }
            let prod = review::apply_listing_event(
                db,
                prod,
                ListingEvent::Submit,
                None,
                Actor { user_id: owner },
                now,
            )
            .await
            .map_err(db_err)?;
            review::apply_listing_event(
                db,
                prod,
                ListingEvent::Approve,
                None,
                Actor { user_id: operator },
                now,
            )
            .await
            .map_err(db_err)?;
        }
    }
    Ok(inserted)
}

/// (route name, villages in visiting order)
const ROUTES: &[(&str, &[&str])] = &[
    ("县城—长坝—豆坝线", &["花桥村", "朱家沟村", "豆坝村"]),
    ("县城—王坝—阳坝线", &["何家庄村", "大堡村", "梅园沟村"]),
];

/// Two village routes from the county logistics park, each departing at
/// 09:30 and 15:00 every day (orders close an hour before), served by the
/// merchants that deliver to villages.
pub async fn seed_routes(
    db: &impl ConnectionTrait,
    pid: i64,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut inserted = 0;
    for (name, villages) in ROUTES {
        let r = match route::Entity::find()
            .filter(route::Column::PlatformId.eq(pid))
            .filter(route::Column::Name.eq(*name))
            .one(db)
            .await?
        {
            Some(r) => r,
            None => {
                let mut stops = Vec::new();
                for v in villages.iter() {
                    let Some(vil) = village::Entity::find()
                        .filter(village::Column::PlatformId.eq(pid))
                        .filter(village::Column::Name.eq(*v))
                        .one(db)
                        .await?
                    else {
                        continue;
                    };
                    if let Some(point) = agent_point::Entity::find()
                        .filter(agent_point::Column::VillageId.eq(vil.id))
                        .one(db)
                        .await?
                    {
                        stops.push(point.id);
                    }
                }
                let input = entity::platform_end::service_area::RouteInput {
                    name: (*name).into(),
                    hub_name: "康县城关物流园".into(),
                    hub: entity::geo::Coordinates {
                        lat: 33.3262,
                        lng: 105.6158,
                    },
                    stops,
                    active: true,
                };
                inserted += 1;
                entity::platform_end::service_area::save_route(db, pid, None, &input, now)
                    .await
                    .map_err(db_err)?
                    .route
            }
        };
        let has_departures = departure::Entity::find()
            .filter(departure::Column::RouteId.eq(r.id))
            .one(db)
            .await?
            .is_some();
        if !has_departures {
            for at in ["09:30", "15:00"] {
                inserted += 1;
                let input = entity::platform_end::service_area::DepartureInput {
                    weekdays: vec![1, 2, 3, 4, 5, 6, 7],
                    depart_at: at.into(),
                    cutoff_minutes: 60,
                    active: true,
                };
                entity::platform_end::service_area::save_departure(
                    db, pid, r.id, None, &input, now,
                )
                .await
                .map_err(db_err)?;
            }
        }
        let village_merchants: Vec<i64> = merchant::Entity::find()
            .filter(merchant::Column::PlatformId.eq(pid))
            .filter(merchant::Column::DeliveryModes.ne("city"))
            .all(db)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        for s in store::Entity::find()
            .filter(store::Column::MerchantId.is_in(village_merchants))
            .all(db)
            .await?
        {
            let linked = store_route::Entity::find()
                .filter(store_route::Column::StoreId.eq(s.id))
                .filter(store_route::Column::RouteId.eq(r.id))
                .one(db)
                .await?
                .is_some();
            if !linked {
                inserted += 1;
                store_route::ActiveModel {
                    platform_id: Set(pid),
                    store_id: Set(s.id),
                    route_id: Set(r.id),
                    ..Default::default()
                }
                .insert(db)
                .await?;
            }
        }
    }
    Ok(inserted)
}
