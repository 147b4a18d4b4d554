//! Merchant onboarding: a user applies, an operator approves (creating the
//! merchant, its store and the applicant's staff role) or rejects with a
//! reason. Every decision records who and when.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set, SqlErr,
    sea_query::Expr,
};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};
use crate::geo::Coordinates;
use crate::merchant::MerchantStatus;
use crate::merchant_application::ApplicationStatus;
use crate::platform_end::users;
use crate::validate::{phone as check_phone, text};
use crate::{Role, merchant, merchant_application as app, store, store_staff};

/// Merchant categories a platform lists.
pub const CATEGORIES: &[&str] = &["snacks", "bakery", "produce", "meat", "groceries", "drinks"];

/// What an applicant sends.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ApplicationInput {
    /// Business name as on the licence.
    pub business_name: String,
    /// One of [`CATEGORIES`].
    pub category: String,
    /// Business licence number (unified social credit code, 18 characters).
    pub licence_no: String,
    /// Food operation permit number (JY + 14 digits).
    pub food_permit_no: String,
    /// Contact person.
    pub contact_name: String,
    /// Contact phone.
    pub contact_phone: String,
    /// Store address.
    pub address: String,
    /// Store location.
    pub location: Coordinates,
    /// `city`, `village` or `both`.
    pub delivery_modes: String,
}

/// The unified social credit code: 18 characters of digits and capitals
/// (without I, O, S, V, Z).
fn check_licence(v: &str) -> DomainResult<String> {
    let v = v.trim().to_ascii_uppercase();
    let ok = v.len() == 18
        && v.chars()
            .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"IOSVZ".contains(c)));
    if !ok {
        return Err(DomainError::invalid(
            "licence_no",
            "must be the 18-character unified social credit code",
        ));
    }
    Ok(v)
}

/// The food operation permit: `JY` and 14 digits.
fn check_food_permit(v: &str) -> DomainResult<String> {
    let v = v.trim().to_ascii_uppercase();
    let ok = v.len() == 16 && v.starts_with("JY") && v[2..].chars().all(|c| c.is_ascii_digit());
    if !ok {
        return Err(DomainError::invalid(
            "food_permit_no",
            "must be JY followed by 14 digits",
        ));
    }
    Ok(v)
}

/// Checks a delivery-modes value.
pub fn check_modes(field: &'static str, v: &str) -> DomainResult<String> {
    match v {
        "city" | "village" | "both" => Ok(v.to_owned()),
        _ => Err(DomainError::invalid(field, "must be city, village or both")),
    }
}

/// Files an application; one pending application per user and platform.
pub async fn apply(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
    input: &ApplicationInput,
    now: DateTime<Utc>,
) -> DomainResult<app::Model> {
    let model = app::ActiveModel {
        platform_id: Set(platform_id),
        user_id: Set(user_id),
        business_name: Set(text("business_name", &input.business_name, 1, 32)?),
        category: Set(if CATEGORIES.contains(&input.category.as_str()) {
            input.category.clone()
        } else {
            return Err(DomainError::invalid(
                "category",
                format!("must be one of {}", CATEGORIES.join(", ")),
            ));
        }),
        licence_no: Set(check_licence(&input.licence_no)?),
        food_permit_no: Set(check_food_permit(&input.food_permit_no)?),
        contact_name: Set(text("contact_name", &input.contact_name, 1, 32)?),
        contact_phone: Set(check_phone("contact_phone", &input.contact_phone)?),
        address: Set(text("address", &input.address, 1, 64)?),
        lat: Set(input.location.lat),
        lng: Set(input.location.lng),
        delivery_modes: Set(check_modes("delivery_modes", &input.delivery_modes)?),
        status: Set(ApplicationStatus::Pending),
        reason: Set(None),
        decided_by: Set(None),
        decided_at: Set(None),
        merchant_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    };
    // The partial unique index arbitrates "one pending application".
    model.insert(db).await.map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => DomainError::ApplicationPending,
        _ => DomainError::Db(e),
    })
}

/// The decision on an application.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Approve: create the merchant and its store.
    Approve,
    /// Reject with a reason the applicant sees.
    Reject(String),
}

/// Decides a pending application. Run in a transaction.
///
/// Only a pending application can be decided, and only once: the status
/// changes by a conditional update, so two operators cannot both decide it.
pub async fn decide(
    db: &impl ConnectionTrait,
    platform_id: i64,
    application_id: i64,
    operator_id: i64,
    decision: Decision,
    now: DateTime<Utc>,
) -> DomainResult<app::Model> {
    let application =
        crate::scope::on_platform::<app::Entity>(db, platform_id, application_id, "application")
            .await?;
    let (status, reason) = match &decision {
        Decision::Approve => (ApplicationStatus::Approved, None),
        Decision::Reject(r) => (
            ApplicationStatus::Rejected,
            Some(text("reason", r, 1, 200)?),
        ),
    };
    let claimed = app::Entity::update_many()
        .col_expr(app::Column::Status, Expr::value(status))
        .col_expr(app::Column::Reason, Expr::value(reason))
        .col_expr(app::Column::DecidedBy, Expr::value(Some(operator_id)))
        .col_expr(app::Column::DecidedAt, Expr::value(Some(now)))
        .filter(app::Column::Id.eq(application.id))
        .filter(app::Column::Status.eq(ApplicationStatus::Pending))
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(DomainError::ApplicationDecided(
            application.status.to_string(),
        ));
    }
    if let Decision::Approve = decision {
        let merchant = merchant::ActiveModel {
            platform_id: Set(platform_id),
            owner_user_id: Set(application.user_id),
            name: Set(application.business_name.clone()),
            category: Set(application.category.clone()),
            status: Set(MerchantStatus::Approved),
            licence_no: Set(application.licence_no.clone()),
            contact_phone: Set(application.contact_phone.clone()),
            food_permit_no: Set(application.food_permit_no.clone()),
            delivery_modes: Set(application.delivery_modes.clone()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .map_err(|e| match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => DomainError::invalid(
                "business_name",
                "a merchant of this name already exists on the platform",
            ),
            _ => DomainError::Db(e),
        })?;
        let store = store::ActiveModel {
            platform_id: Set(platform_id),
            merchant_id: Set(merchant.id),
            name: Set(application.business_name.clone()),
            address: Set(application.address.clone()),
            lat: Set(application.lat),
            lng: Set(application.lng),
            created_at: Set(now),
            opening_hours: Set(default_hours()),
            closed_now: Set(false),
            delivery_radius_m: Set(3_000),
            min_order_fen: Set(0),
            packing_fee_fen: Set(0),
            prep_minutes: Set(20),
            logo_url: Set(None),
            cover_url: Set(None),
            version: Set(1),
            ..Default::default()
        }
        .insert(db)
        .await?;
        add_staff(db, platform_id, store.id, application.user_id, now).await?;
        users::grant_role(
            db,
            platform_id,
            application.user_id,
            Role::MerchantStaff,
            now,
        )
        .await?;
        app::Entity::update_many()
            .col_expr(app::Column::MerchantId, Expr::value(Some(merchant.id)))
            .filter(app::Column::Id.eq(application.id))
            .exec(db)
            .await?;
    }
    crate::scope::get::<app::Entity>(db, application.id, "application").await
}

/// Every day 07:00–20:00, until the merchant sets real hours.
pub fn default_hours() -> String {
    let days: Vec<String> = (1..=7)
        .map(|d| format!(r#"{{"day":{d},"open":"07:00","close":"20:00"}}"#))
        .collect();
    format!("[{}]", days.join(","))
}

/// Makes a user staff of a store (idempotent).
pub async fn add_staff(
    db: &impl ConnectionTrait,
    platform_id: i64,
    store_id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let exists = store_staff::Entity::find()
        .filter(store_staff::Column::StoreId.eq(store_id))
        .filter(store_staff::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .is_some();
    if !exists {
        store_staff::ActiveModel {
            platform_id: Set(platform_id),
            store_id: Set(store_id),
            user_id: Set(user_id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The store a staff member works at on a platform (the first, if several).
pub async fn store_of_staff(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
) -> DomainResult<store::Model> {
    use sea_orm::QueryOrder;
    let link = store_staff::Entity::find()
        .filter(store_staff::Column::PlatformId.eq(platform_id))
        .filter(store_staff::Column::UserId.eq(user_id))
        .order_by_asc(store_staff::Column::Id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("store"))?;
    crate::scope::get::<store::Entity>(db, link.store_id, "store").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licence_and_permit_formats() {
        assert!(check_licence("91621226MA71234X5K").is_ok());
        assert!(check_licence("91621226MA71234X5").is_err());
        assert!(
            check_licence("91621226MA71234O5K").is_err(),
            "O is not used"
        );
        assert_eq!(
            check_food_permit("jy16212260001234").unwrap(),
            "JY16212260001234"
        );
        assert!(check_food_permit("JX16212260001234").is_err());
        assert!(check_food_permit("JY1621226000123").is_err());
    }

    #[test]
    fn default_hours_parse() {
        let h: crate::supply_end::hours::WeeklyHours =
            serde_json::from_str(&default_hours()).unwrap();
        assert_eq!(h.0.len(), 7);
        assert!(h.validate().is_ok());
    }
}
