//! The demo county's poverty-alleviation linkage: registered households of
//! 花桥村 and 何家庄村 and a pig cooperative supplying the Huaqiao bun
//! kitchen, a month of its purchases, its buns' ingredients by supplier,
//! and today's production batch with a trace code.

use chrono::{DateTime, Duration, Utc};
use entity::supplier::SupplierKind;
use entity::supply_end::households;
use entity::supply_end::households::{Ingredient, NewPurchase, NewSupplier};
use entity::{merchant, product, store, supplier, village};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};

/// (kind, registered poor, name, village, members, phone)
const SUPPLIERS: &[(SupplierKind, bool, &str, &str, i32, &str)] = &[
    (
        SupplierKind::Household,
        true,
        "李大山",
        "花桥村",
        4,
        "13909392001",
    ),
    (
        SupplierKind::Household,
        true,
        "杨春梅",
        "花桥村",
        5,
        "13909392002",
    ),
    (
        SupplierKind::Household,
        true,
        "何建国",
        "何家庄村",
        3,
        "13909392003",
    ),
    (
        SupplierKind::Cooperative,
        false,
        "花桥黑猪养殖合作社",
        "花桥村",
        42,
        "13909392010",
    ),
    (
        SupplierKind::Other,
        false,
        "康县面粉厂",
        "何家庄村",
        1,
        "09395102020",
    ),
];

fn db_err(e: entity::error::DomainError) -> DbErr {
    match e {
        entity::error::DomainError::Db(db) => db,
        other => DbErr::Custom(other.to_string()),
    }
}

/// Seeds the linkage once per platform (nothing when suppliers exist).
/// Returns the rows inserted.
pub async fn seed_linkage(
    db: &impl ConnectionTrait,
    pid: i64,
    offset_minutes: i32,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    if supplier::Entity::find()
        .filter(supplier::Column::PlatformId.eq(pid))
        .count(db)
        .await?
        > 0
    {
        return Ok(0);
    }
    let Some(kitchen) = merchant::Entity::find()
        .filter(merchant::Column::PlatformId.eq(pid))
        .filter(merchant::Column::Name.contains("花桥"))
        .one(db)
        .await?
    else {
        return Ok(0);
    };
    let Some(s) = store::Entity::find()
        .filter(store::Column::MerchantId.eq(kitchen.id))
        .one(db)
        .await?
    else {
        return Ok(0);
    };
    let mut inserted = 0;
    let mut ids = Vec::new();
    for (kind, poor, name, village_name, members, phone) in SUPPLIERS {
        let v = village::Entity::find()
            .filter(village::Column::PlatformId.eq(pid))
            .filter(village::Column::Name.eq(*village_name))
            .one(db)
            .await?;
        let n = NewSupplier {
            kind: kind.as_str().into(),
            registered_poor: *poor,
            name: (*name).into(),
            village_id: v.map(|v| v.id),
            member_count: *members,
            phone: (*phone).into(),
            id_number: None,
        };
        let m = households::add_supplier(db, pid, &n, None, now)
            .await
            .map_err(db_err)?;
        ids.push(m.id);
        inserted += 1;
    }
    let today = (now + Duration::minutes(i64::from(offset_minutes))).date_naive();
    // A month of the kitchen's purchases: pork every few days from the
    // households, flour from the mill, pigs' trotters from the cooperative.
    for week in 0..4i64 {
        for (supplier, item, qty, price) in [
            (ids[0], "黑猪肉", 30.0, 1_700),
            (ids[1], "黑猪肉", 25.0, 1_700),
            (ids[2], "土鸡蛋", 60.0, 120),
            (ids[3], "黑猪肉", 40.0, 1_650),
            (ids[4], "面粉", 50.0, 260),
        ] {
            let p = NewPurchase {
                supplier_id: supplier,
                item: item.into(),
                quantity: qty,
                unit: if item == "土鸡蛋" { "piece" } else { "jin" }.into(),
                unit_price_fen: price,
                amount_fen: (qty * price as f64).round() as i64,
                purchased_on: today - Duration::days(week * 7 + 1),
            };
            households::record_purchase(db, pid, kitchen.id, kitchen.owner_user_id, &p, today, now)
                .await
                .map_err(db_err)?;
            inserted += 1;
        }
    }
    // The buns' ingredients by supplier, and today's batch.
    for p in product::Entity::find()
        .filter(product::Column::StoreId.eq(s.id))
        .filter(product::Column::Name.contains("猪肉包子"))
        .all(db)
        .await?
    {
        let list = [
            Ingredient {
                ingredient: "黑猪肉".into(),
                supplier_id: ids[0],
            },
            Ingredient {
                ingredient: "黑猪肉".into(),
                supplier_id: ids[1],
            },
            Ingredient {
                ingredient: "面粉".into(),
                supplier_id: ids[4],
            },
        ];
        households::set_ingredients(db, pid, p.id, &list, now)
            .await
            .map_err(db_err)?;
        inserted += list.len();
        let batch = entity::supply_end::trace::NewBatch {
            product_id: p.id,
            produced_on: today,
            quantity: 500,
            sources: Vec::new(),
        };
        let code = entity::supply_end::trace::trace_code(entity::ids::random_bytes::<12>());
        entity::supply_end::trace::create_batch(
            db,
            &s,
            kitchen.owner_user_id,
            &batch,
            code,
            today,
            now,
        )
        .await
        .map_err(db_err)?;
        inserted += 1;
    }
    Ok(inserted)
}
