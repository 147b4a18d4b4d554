//! Poverty-alleviation linkage (扶贫带贫): the platform's registry of
//! supplier households and cooperatives, merchants' purchases from them,
//! the wages of staff from registered households, products' ingredients by
//! supplier, and the household income report.
//!
//! Personal data is kept minimal: ID numbers only as a keyed hash and the
//! last four characters, phones masked for everyone but operators, and
//! names never leave the operator's views.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::calendar::utc_bounds;
use crate::delivery_job::DeliveryJobStatus;
use crate::error::{DomainError, DomainResult};
use crate::order::OrderStatus;
use crate::supplier::SupplierKind;
use crate::{
    delivery_job, merchant, order_item, product, product_ingredient, purchase, rider, store,
    store_staff, supplier, validate, village, wage,
};

/// A supplier as an operator registers it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewSupplier {
    /// `household`, `cooperative` or `other`.
    pub kind: String,
    /// A registered poor household (households only).
    #[serde(default)]
    pub registered_poor: bool,
    /// The household head's or the cooperative's name.
    pub name: String,
    /// Its village.
    pub village_id: Option<i64>,
    /// People in the household (1–20), or member households of a
    /// cooperative (1–5,000).
    pub member_count: i32,
    /// Contact phone.
    pub phone: String,
    /// The household head's ID number (stored only as a keyed hash and
    /// its last four characters).
    pub id_number: Option<String>,
}

/// Checks a new supplier; returns its ID number checked, if given.
pub fn check(n: &NewSupplier) -> DomainResult<Option<String>> {
    let Some(kind) = SupplierKind::parse(&n.kind) else {
        return Err(DomainError::invalid(
            "kind",
            "household, cooperative or other",
        ));
    };
    if n.registered_poor && kind != SupplierKind::Household {
        return Err(DomainError::invalid(
            "registered_poor",
            "only a household is a registered poor household",
        ));
    }
    let max = if kind == SupplierKind::Household {
        20
    } else {
        5_000
    };
    if !(1..=max).contains(&n.member_count) {
        return Err(DomainError::invalid("member_count", format!("1 to {max}")));
    }
    validate::text("name", &n.name, 2, 32)?;
    validate::phone("phone", &n.phone)?;
    n.id_number
        .as_deref()
        .map(crate::delivery_end::riders::check_id_number)
        .transpose()
}

/// Registers a supplier. `id_hash` is the keyed hash of the checked ID
/// number (the caller holds the key).
pub async fn add_supplier(
    db: &impl ConnectionTrait,
    platform_id: i64,
    n: &NewSupplier,
    id_hash: Option<String>,
    now: DateTime<Utc>,
) -> DomainResult<supplier::Model> {
    let id_number = check(n)?;
    if let Some(v) = n.village_id {
        crate::scope::on_platform::<village::Entity>(db, platform_id, v, "village").await?;
    }
    if let Some(h) = &id_hash {
        let taken = supplier::Entity::find()
            .filter(supplier::Column::PlatformId.eq(platform_id))
            .filter(supplier::Column::IdNumberHash.eq(h.as_str()))
            .one(db)
            .await?;
        if taken.is_some() {
            return Err(DomainError::Duplicate(
                "this household is registered already".into(),
            ));
        }
    }
    Ok(supplier::ActiveModel {
        platform_id: Set(platform_id),
        kind: Set(SupplierKind::parse(&n.kind)
            .ok_or_else(|| DomainError::invalid("kind", "household, cooperative or other"))?),
        registered_poor: Set(n.registered_poor),
        name: Set(n.name.trim().to_owned()),
        village_id: Set(n.village_id),
        member_count: Set(n.member_count),
        phone: Set(validate::phone("phone", &n.phone)?),
        id_number_hash: Set(id_hash),
        id_number_last4: Set(id_number.map(|v| v[14..].to_owned())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// `139****5678`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// A supplier as a caller may see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupplierView {
    /// Id.
    pub id: i64,
    /// `household`, `cooperative` or `other`.
    pub kind: String,
    /// A registered poor household.
    pub registered_poor: bool,
    /// Operators only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its village.
    pub village_id: Option<i64>,
    /// Its village's name.
    pub village_name: Option<String>,
    /// Household size or member households.
    pub member_count: i32,
    /// Masked except for operators.
    pub phone: String,
    /// Operators only: the ID number's last four characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_number_last4: Option<String>,
}

/// Who is looking: operators see names and full phones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// The platform's operators.
    Operator,
    /// Merchants recording purchases.
    Merchant,
}

/// The platform's suppliers as `viewer` may see them.
pub async fn suppliers(
    db: &impl ConnectionTrait,
    platform_id: i64,
    viewer: Viewer,
) -> DomainResult<Vec<SupplierView>> {
    let villages: BTreeMap<i64, String> = village::Entity::find()
        .filter(village::Column::PlatformId.eq(platform_id))
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v.name))
        .collect();
    Ok(supplier::Entity::find()
        .filter(supplier::Column::PlatformId.eq(platform_id))
        .order_by_asc(supplier::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|s| view(s, &villages, viewer))
        .collect())
}

fn view(s: supplier::Model, villages: &BTreeMap<i64, String>, viewer: Viewer) -> SupplierView {
    let op = viewer == Viewer::Operator;
    SupplierView {
        id: s.id,
        kind: s.kind.to_string(),
        registered_poor: s.registered_poor,
        name: op.then_some(s.name),
        village_name: s.village_id.and_then(|v| villages.get(&v).cloned()),
        village_id: s.village_id,
        member_count: s.member_count,
        phone: if op { s.phone } else { mask_phone(&s.phone) },
        id_number_last4: if op { s.id_number_last4 } else { None },
    }
}

async fn supplier_of(
    db: &impl ConnectionTrait,
    platform_id: i64,
    id: i64,
) -> DomainResult<supplier::Model> {
    crate::scope::on_platform::<supplier::Entity>(db, platform_id, id, "supplier").await
}

/// A purchase as a merchant records it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewPurchase {
    /// The supplier.
    pub supplier_id: i64,
    /// What, e.g. 黑猪肉.
    pub item: String,
    /// How much (more than 0).
    pub quantity: f64,
    /// `kg`, `jin`, `piece`, `box`.
    pub unit: String,
    /// Price per unit, fen.
    pub unit_price_fen: i64,
    /// What was paid, fen (within 1 yuan of quantity × unit price).
    pub amount_fen: i64,
    /// When (not in the future, at most a year back).
    pub purchased_on: NaiveDate,
}

/// Units a purchase may be counted in.
pub const UNITS: [&str; 4] = ["kg", "jin", "piece", "box"];

/// Records a merchant's purchase from a supplier of the platform.
pub async fn record_purchase(
    db: &impl ConnectionTrait,
    platform_id: i64,
    merchant_id: i64,
    by: i64,
    p: &NewPurchase,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> DomainResult<purchase::Model> {
    supplier_of(db, platform_id, p.supplier_id).await?;
    let item = validate::text("item", &p.item, 1, 32)?;
    if !(p.quantity.is_finite() && p.quantity > 0.0 && p.quantity <= 100_000.0) {
        return Err(DomainError::invalid(
            "quantity",
            "more than 0, at most 100,000",
        ));
    }
    if !UNITS.contains(&p.unit.as_str()) {
        return Err(DomainError::invalid("unit", "kg, jin, piece or box"));
    }
    if !(1..=10_000_000).contains(&p.unit_price_fen) {
        return Err(DomainError::invalid(
            "unit_price_fen",
            "1 to 10,000,000 fen",
        ));
    }
    let expected = (p.quantity * p.unit_price_fen as f64).round() as i64;
    if p.amount_fen <= 0 || (p.amount_fen - expected).abs() > 100 {
        return Err(DomainError::invalid(
            "amount_fen",
            format!(
                "quantity × unit price is {expected} fen; the amount paid must be within 100 fen of it"
            ),
        ));
    }
    if p.purchased_on > today || p.purchased_on < today - chrono::Duration::days(366) {
        return Err(DomainError::invalid(
            "purchased_on",
            "not in the future, at most a year back",
        ));
    }
    Ok(purchase::ActiveModel {
        platform_id: Set(platform_id),
        merchant_id: Set(merchant_id),
        supplier_id: Set(p.supplier_id),
        item: Set(item),
        quantity: Set(p.quantity),
        unit: Set(p.unit.clone()),
        unit_price_fen: Set(p.unit_price_fen),
        amount_fen: Set(p.amount_fen),
        purchased_on: Set(p.purchased_on),
        created_by: Set(by),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Links a staff member of the merchant to a registered household (or
/// unlinks with `None`).
pub async fn set_staff_household(
    db: &impl ConnectionTrait,
    platform_id: i64,
    merchant_id: i64,
    staff_id: i64,
    household: Option<i64>,
) -> DomainResult<store_staff::Model> {
    let staff = staff_of(db, merchant_id, staff_id).await?;
    if let Some(h) = household {
        registered_household(db, platform_id, h).await?;
    }
    store_staff::Entity::update_many()
        .col_expr(store_staff::Column::HouseholdId, Expr::value(household))
        .filter(store_staff::Column::Id.eq(staff.id))
        .exec(db)
        .await?;
    Ok(store_staff::Model {
        household_id: household,
        ..staff
    })
}

/// Links a rider to a registered household (operators).
pub async fn set_rider_household(
    db: &impl ConnectionTrait,
    platform_id: i64,
    rider_id: i64,
    household: Option<i64>,
) -> DomainResult<()> {
    crate::scope::on_platform::<rider::Entity>(db, platform_id, rider_id, "rider").await?;
    if let Some(h) = household {
        registered_household(db, platform_id, h).await?;
    }
    rider::Entity::update_many()
        .col_expr(rider::Column::HouseholdId, Expr::value(household))
        .col_expr(
            rider::Column::PoorHousehold,
            Expr::value(household.is_some()),
        )
        .filter(rider::Column::Id.eq(rider_id))
        .exec(db)
        .await?;
    Ok(())
}

async fn registered_household(
    db: &impl ConnectionTrait,
    platform_id: i64,
    id: i64,
) -> DomainResult<supplier::Model> {
    let s = supplier_of(db, platform_id, id).await?;
    if s.kind != SupplierKind::Household || !s.registered_poor {
        return Err(DomainError::invalid(
            "household_id",
            "not a registered poor household",
        ));
    }
    Ok(s)
}

async fn staff_of(
    db: &impl ConnectionTrait,
    merchant_id: i64,
    staff_id: i64,
) -> DomainResult<store_staff::Model> {
    let staff = crate::scope::get::<store_staff::Entity>(db, staff_id, "staff member").await?;
    let s = crate::scope::get::<store::Entity>(db, staff.store_id, "staff member").await?;
    if s.merchant_id != merchant_id {
        return Err(DomainError::NotFound("staff member"));
    }
    Ok(staff)
}

/// A month's wage of a staff member from a registered household.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewWage {
    /// The staff member (linked to a registered household).
    pub staff_id: i64,
    /// Any day of the month paid.
    pub month: NaiveDate,
    /// Fen (1 to 5,000,000).
    pub amount_fen: i64,
}

/// Records a wage; a month is recorded once per staff member.
pub async fn record_wage(
    db: &impl ConnectionTrait,
    platform_id: i64,
    merchant_id: i64,
    w: &NewWage,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> DomainResult<wage::Model> {
    let staff = staff_of(db, merchant_id, w.staff_id).await?;
    let Some(household) = staff.household_id else {
        return Err(DomainError::invalid(
            "staff_id",
            "link the staff member to their registered household first",
        ));
    };
    if !(1..=5_000_000).contains(&w.amount_fen) {
        return Err(DomainError::invalid("amount_fen", "1 to 5,000,000 fen"));
    }
    let month = w.month.with_day(1).unwrap_or(w.month);
    if month > today {
        return Err(DomainError::invalid("month", "not in the future"));
    }
    let dup = wage::Entity::find()
        .filter(wage::Column::StaffId.eq(staff.id))
        .filter(wage::Column::Month.eq(month))
        .one(db)
        .await?;
    if dup.is_some() {
        return Err(DomainError::Duplicate(
            "this month's wage is recorded".into(),
        ));
    }
    Ok(wage::ActiveModel {
        platform_id: Set(platform_id),
        merchant_id: Set(merchant_id),
        staff_id: Set(staff.id),
        supplier_id: Set(household),
        month: Set(month),
        amount_fen: Set(w.amount_fen),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// One ingredient of a product and its supplier.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Ingredient {
    /// e.g. 黑猪肉.
    pub ingredient: String,
    /// The supplier.
    pub supplier_id: i64,
}

/// Replaces a product's ingredient links.
pub async fn set_ingredients(
    db: &impl ConnectionTrait,
    platform_id: i64,
    product_id: i64,
    list: &[Ingredient],
    now: DateTime<Utc>,
) -> DomainResult<()> {
    if list.len() > 20 {
        return Err(DomainError::invalid("ingredients", "at most 20"));
    }
    let mut seen = BTreeSet::new();
    for i in list {
        validate::text("ingredient", &i.ingredient, 1, 16)?;
        supplier_of(db, platform_id, i.supplier_id).await?;
        if !seen.insert((i.ingredient.trim().to_owned(), i.supplier_id)) {
            return Err(DomainError::invalid("ingredients", "listed twice"));
        }
    }
    product_ingredient::Entity::delete_many()
        .filter(product_ingredient::Column::ProductId.eq(product_id))
        .exec(db)
        .await?;
    for (ingredient, supplier_id) in seen {
        product_ingredient::ActiveModel {
            platform_id: Set(platform_id),
            product_id: Set(product_id),
            supplier_id: Set(supplier_id),
            ingredient: Set(ingredient),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// A product's ingredients.
pub async fn ingredients(
    db: &impl ConnectionTrait,
    product_id: i64,
) -> DomainResult<Vec<Ingredient>> {
    Ok(product_ingredient::Entity::find()
        .filter(product_ingredient::Column::ProductId.eq(product_id))
        .order_by_asc(product_ingredient::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|i| Ingredient {
            ingredient: i.ingredient,
            supplier_id: i.supplier_id,
        })
        .collect())
}

/// A merchant's part in household income.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MerchantLinkage {
    /// The merchant.
    pub merchant_id: i64,
    /// Its name.
    pub name: String,
    /// Paid to registered households: purchases and wages, fen.
    pub household_fen: i64,
    /// All its recorded purchases and wages, fen.
    pub total_fen: i64,
    /// Household share of it, basis points.
    pub share_bp: i64,
}

/// A product made with ingredients from registered households.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProductLinkage {
    /// The product.
    pub product_id: i64,
    /// Its name.
    pub name: String,
    /// Its merchant.
    pub merchant_id: i64,
    /// Ingredients from registered households.
    pub household_ingredients: Vec<String>,
    /// Share of its ingredient links that are registered households, bp.
    pub share_bp: i64,
    /// Units delivered in the period.
    pub units: i64,
    /// Sales delivered in the period, fen.
    pub sales_fen: i64,
}

/// Purchases and wages of a period, by supplier and merchant.
struct Income {
    suppliers: BTreeMap<i64, supplier::Model>,
    /// Registered households paid in the period.
    earned: BTreeSet<i64>,
    /// Per merchant: (paid to registered households, paid in all).
    per_merchant: BTreeMap<i64, (i64, i64)>,
    purchases_fen: i64,
    cooperatives_fen: i64,
    wages_fen: i64,
}

/// Reads the period's purchases and wages. A month's wage counts in any
/// period from the month's first day on that reaches into the month.
async fn income(
    db: &impl ConnectionTrait,
    platform_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> DomainResult<Income> {
    let suppliers: BTreeMap<i64, supplier::Model> = supplier::Entity::find()
        .filter(supplier::Column::PlatformId.is_in(platform_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let poor = |id: i64| suppliers.get(&id).is_some_and(|s| s.registered_poor);
    let mut earned: BTreeSet<i64> = BTreeSet::new();
    let mut per_merchant: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    let (mut purchases_fen, mut cooperatives_fen) = (0, 0);
    for p in purchase::Entity::find()
        .filter(purchase::Column::PlatformId.is_in(platform_ids.to_vec()))
        .filter(purchase::Column::PurchasedOn.between(from, to))
        .all(db)
        .await?
    {
        let m = per_merchant.entry(p.merchant_id).or_default();
        m.1 += p.amount_fen;
        if poor(p.supplier_id) {
            purchases_fen += p.amount_fen;
            m.0 += p.amount_fen;
            earned.insert(p.supplier_id);
        } else if suppliers
            .get(&p.supplier_id)
            .is_some_and(|s| s.kind == SupplierKind::Cooperative)
        {
            cooperatives_fen += p.amount_fen;
        }
    }
    let first_month = from.with_day(1).unwrap_or(from);
    let mut wages_fen = 0;
    for w in wage::Entity::find()
        .filter(wage::Column::PlatformId.is_in(platform_ids.to_vec()))
        .filter(wage::Column::Month.between(first_month, to))
        .all(db)
        .await?
    {
        let m = per_merchant.entry(w.merchant_id).or_default();
        m.1 += w.amount_fen;
        if poor(w.supplier_id) {
            wages_fen += w.amount_fen;
            m.0 += w.amount_fen;
            earned.insert(w.supplier_id);
        }
    }
    Ok(Income {
        suppliers,
        earned,
        per_merchant,
        purchases_fen,
        cooperatives_fen,
        wages_fen,
    })
}

/// What registered households earned from purchases and wages in a period
/// (rider earnings are counted with the deliveries).
pub async fn household_income(
    db: &impl ConnectionTrait,
    platform_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> DomainResult<i64> {
    let i = income(db, platform_ids, from, to).await?;
    Ok(i.purchases_fen + i.wages_fen)
}

/// The household income report of a period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HouseholdReport {
    /// First day (local).
    pub from: NaiveDate,
    /// Last day (local), inclusive.
    pub to: NaiveDate,
    /// Merchants' purchases from registered households, fen.
    pub purchases_fen: i64,
    /// Wages of staff from registered households, fen.
    pub wages_fen: i64,
    /// Delivery earnings of riders from registered households, fen.
    pub rider_earnings_fen: i64,
    /// All of it, fen.
    pub total_fen: i64,
    /// Registered households that earned in the period.
    pub households: i64,
    /// Their members.
    pub members: i64,
    /// Per member in the period, fen.
    pub per_capita_fen: i64,
    /// Per member, at this pace for a year, fen.
    pub per_capita_year_fen: i64,
    /// Purchases from cooperatives (shared with their members), fen.
    pub cooperatives_fen: i64,
    /// Merchants by household income, most first (at most 10).
    pub top_merchants: Vec<MerchantLinkage>,
    /// Products with household ingredients by sales, most first (at most 10).
    pub top_products: Vec<ProductLinkage>,
}

/// The household income report of the platforms over local days
/// `from..=to` (`offset_minutes`: the platforms' UTC offset).
pub async fn household_report(
    db: &impl ConnectionTrait,
    platform_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
    offset_minutes: i32,
) -> DomainResult<HouseholdReport> {
    let Income {
        suppliers,
        mut earned,
        per_merchant,
        purchases_fen,
        cooperatives_fen,
        wages_fen,
    } = income(db, platform_ids, from, to).await?;
    let poor = |id: i64| suppliers.get(&id).is_some_and(|s| s.registered_poor);
    let (start, end) = utc_bounds(from, to, offset_minutes);
    let riders: BTreeMap<i64, i64> = rider::Entity::find()
        .filter(rider::Column::PlatformId.is_in(platform_ids.to_vec()))
        .filter(rider::Column::HouseholdId.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .filter_map(|r| r.household_id.filter(|h| poor(*h)).map(|h| (r.id, h)))
        .collect();
    let mut rider_earnings_fen = 0;
    if !riders.is_empty() {
        for j in delivery_job::Entity::find()
            .filter(delivery_job::Column::Status.eq(DeliveryJobStatus::Delivered))
            .filter(delivery_job::Column::RiderId.is_in(riders.keys().copied().collect::<Vec<_>>()))
            .filter(delivery_job::Column::DeliveredAt.gte(start))
            .filter(delivery_job::Column::DeliveredAt.lt(end))
            .all(db)
            .await?
        {
            if let Some(h) = j.rider_id.and_then(|r| riders.get(&r)) {
                rider_earnings_fen += j.rider_fee_fen;
                earned.insert(*h);
            }
        }
    }
    let members: i64 = earned
        .iter()
        .filter_map(|id| suppliers.get(id))
        .map(|s| i64::from(s.member_count))
        .sum();
    let total_fen = purchases_fen + wages_fen + rider_earnings_fen;
    let days = (to - from).num_days() + 1;
    let per_capita_fen = if members > 0 { total_fen / members } else { 0 };
    let names: BTreeMap<i64, String> = merchant::Entity::find()
        .filter(merchant::Column::PlatformId.is_in(platform_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect();
    let mut top_merchants: Vec<MerchantLinkage> = per_merchant
        .into_iter()
        .filter(|(_, (h, _))| *h > 0)
        .map(|(id, (h, t))| MerchantLinkage {
            merchant_id: id,
            name: names.get(&id).cloned().unwrap_or_default(),
            household_fen: h,
            total_fen: t,
            share_bp: if t > 0 { h * 10_000 / t } else { 0 },
        })
        .collect();
    top_merchants.sort_by(|a, b| {
        b.household_fen
            .cmp(&a.household_fen)
            .then(a.merchant_id.cmp(&b.merchant_id))
    });
    top_merchants.truncate(10);
    let top_products = product_linkage(db, platform_ids, &suppliers, start, end).await?;
    Ok(HouseholdReport {
        from,
        to,
        purchases_fen,
        wages_fen,
        rider_earnings_fen,
        total_fen,
        households: earned.len() as i64,
        members,
        per_capita_fen,
        per_capita_year_fen: if days > 0 {
            per_capita_fen * 365 / days
        } else {
            0
        },
        cooperatives_fen,
        top_merchants,
        top_products,
    })
}

async fn product_linkage(
    db: &impl ConnectionTrait,
    platform_ids: &[i64],
    suppliers: &BTreeMap<i64, supplier::Model>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> DomainResult<Vec<ProductLinkage>> {
    let mut links: BTreeMap<i64, (Vec<String>, i64, i64)> = BTreeMap::new();
    for l in product_ingredient::Entity::find()
        .filter(product_ingredient::Column::PlatformId.is_in(platform_ids.to_vec()))
        .all(db)
        .await?
    {
        let e = links.entry(l.product_id).or_default();
        e.2 += 1;
        if suppliers
            .get(&l.supplier_id)
            .is_some_and(|s| s.registered_poor)
        {
            if !e.0.contains(&l.ingredient) {
                e.0.push(l.ingredient);
            }
            e.1 += 1;
        }
    }
    links.retain(|_, (_, poor, _)| *poor > 0);
    if links.is_empty() {
        return Ok(Vec::new());
    }
    // Sales of those products in orders delivered in the period.
    let delivered: Vec<i64> = crate::order_event::Entity::find()
        .filter(crate::order_event::Column::PlatformId.is_in(platform_ids.to_vec()))
        .filter(crate::order_event::Column::ToStatus.eq(OrderStatus::Delivered))
        .filter(crate::order_event::Column::CreatedAt.gte(start))
        .filter(crate::order_event::Column::CreatedAt.lt(end))
        .all(db)
        .await?
        .into_iter()
        .filter(|e| e.from_status != Some(OrderStatus::Delivered))
        .map(|e| e.order_id)
        .collect();
    let mut sales: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for chunk in delivered.chunks(500) {
        for it in order_item::Entity::find()
            .filter(order_item::Column::OrderId.is_in(chunk.to_vec()))
            .filter(order_item::Column::ProductId.is_in(links.keys().copied().collect::<Vec<_>>()))
            .all(db)
            .await?
        {
            let s = sales.entry(it.product_id).or_default();
            s.0 += i64::from(it.qty);
            s.1 += it.line_total_fen;
        }
    }
    let products: BTreeMap<i64, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(links.keys().copied().collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let stores: BTreeMap<i64, i64> = store::Entity::find()
        .filter(store::Column::PlatformId.is_in(platform_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.merchant_id))
        .collect();
    let mut out: Vec<ProductLinkage> = links
        .into_iter()
        .filter_map(|(id, (ingredients, poor, all))| {
            let p = products.get(&id)?;
            let (units, sales_fen) = sales.get(&id).copied().unwrap_or((0, 0));
            Some(ProductLinkage {
                product_id: id,
                name: p.name.clone(),
                merchant_id: stores.get(&p.store_id).copied().unwrap_or(0),
                household_ingredients: ingredients,
                share_bp: poor * 10_000 / all.max(1),
                units,
                sales_fen,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.sales_fen
            .cmp(&a.sales_fen)
            .then(a.product_id.cmp(&b.product_id))
    });
    out.truncate(10);
    Ok(out)
}

/// Orders of a merchant: used by the merchant's purchase list and others.
pub async fn merchant_purchases(
    db: &impl ConnectionTrait,
    merchant_id: i64,
) -> DomainResult<Vec<purchase::Model>> {
    Ok(purchase::Entity::find()
        .filter(purchase::Column::MerchantId.eq(merchant_id))
        .order_by_desc(purchase::Column::PurchasedOn)
        .order_by_desc(purchase::Column::Id)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn household() -> NewSupplier {
        NewSupplier {
            kind: "household".into(),
            registered_poor: true,
            name: "李大山".into(),
            village_id: None,
            member_count: 4,
            phone: "13912345678".into(),
            id_number: Some("11010519491231002X".into()),
        }
    }

    #[test]
    fn suppliers_are_checked() {
        assert!(check(&household()).is_ok());
        let coop = NewSupplier {
            kind: "cooperative".into(),
            ..household()
        };
        assert!(
            check(&coop).is_err(),
            "a cooperative is not a poor household"
        );
        let big = NewSupplier {
            member_count: 21,
            ..household()
        };
        assert!(check(&big).is_err());
        let bad_id = NewSupplier {
            id_number: Some("110105194912310021".into()),
            ..household()
        };
        assert!(check(&bad_id).is_err());
        let kind = NewSupplier {
            kind: "farm".into(),
            ..household()
        };
        assert!(check(&kind).is_err());
    }

    #[test]
    fn phones_are_masked() {
        assert_eq!(mask_phone("13912345678"), "139****5678");
        assert_eq!(mask_phone("123"), "***");
    }

    #[test]
    fn local_days_are_bounded_in_utc() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let (a, b) = utc_bounds(d, d, 480);
        assert_eq!(a.to_rfc3339(), "2026-11-22T16:00:00+00:00");
        assert_eq!(b.to_rfc3339(), "2026-11-23T16:00:00+00:00");
    }
}
