//! Settings an operator changes without a release — the order timeouts and
//! the platform's profile here, the fee rules in
//! [`crate::to_door_line::fee_rules`] — and the record every change leaves:
//! who, when, the old value and the new.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{DomainError, DomainResult};
use crate::platform_end::platforms::{DispatchSettings, VillageSettings};
use crate::tables::{platform, setting_change};

/// Records a change of `setting` by `user_id`.
pub async fn record<T: Serialize>(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
    setting: &str,
    old: &T,
    new: &T,
    now: DateTime<Utc>,
) -> DomainResult<setting_change::Model> {
    let json = |v: &T| {
        serde_json::to_string(v).map_err(|e| DomainError::invalid("setting", e.to_string()))
    };
    Ok(setting_change::ActiveModel {
        platform_id: Set(platform_id),
        user_id: Set(user_id),
        setting: Set(setting.to_owned()),
        old_value: Set(json(old)?),
        new_value: Set(json(new)?),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The platform's newest `limit` changes, newest first.
pub async fn changes(
    db: &impl ConnectionTrait,
    platform_id: i64,
    limit: u64,
) -> DomainResult<Vec<setting_change::Model>> {
    Ok(setting_change::Entity::find()
        .filter(setting_change::Column::PlatformId.eq(platform_id))
        .order_by_desc(setting_change::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// How long orders may wait.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Timeouts {
    /// Unpaid orders are cancelled after this many seconds (60-86,400).
    pub payment_timeout_secs: i32,
    /// Paid orders the kitchen has not accepted are refunded after this
    /// many seconds (60-21,600).
    pub acceptance_timeout_secs: i32,
}

impl Timeouts {
    /// The platform's timeouts.
    pub fn of(p: &platform::Model) -> Self {
        Self {
            payment_timeout_secs: p.payment_timeout_secs,
            acceptance_timeout_secs: p.acceptance_timeout_secs,
        }
    }

    fn validate(&self) -> DomainResult<()> {
        if !(60..=86_400).contains(&self.payment_timeout_secs) {
            return Err(DomainError::invalid(
                "payment_timeout_secs",
                "60 to 86,400 seconds",
            ));
        }
        if !(60..=21_600).contains(&self.acceptance_timeout_secs) {
            return Err(DomainError::invalid(
                "acceptance_timeout_secs",
                "60 to 21,600 seconds",
            ));
        }
        Ok(())
    }
}

/// Sets the order timeouts (orders already waiting follow the new ones at
/// the next check) and records the change.
pub async fn set_timeouts(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
    t: &Timeouts,
    now: DateTime<Utc>,
) -> DomainResult<Timeouts> {
    t.validate()?;
    let p = crate::platform_end::platforms::platform_of(db, platform_id).await?;
    let old = Timeouts::of(&p);
    let mut a: platform::ActiveModel = p.into();
    a.payment_timeout_secs = Set(t.payment_timeout_secs);
    a.acceptance_timeout_secs = Set(t.acceptance_timeout_secs);
    a.update(db).await?;
    record(db, platform_id, user_id, "timeouts", &old, t, now).await?;
    Ok(t.clone())
}

/// What residents and merchants see of the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Profile {
    /// The platform's name (1-64 characters).
    pub name: String,
    /// When it can be reached, e.g. `08:00-21:00` (at most 128 characters).
    pub service_hours: String,
    /// A phone number, or empty.
    pub contact_phone: String,
}

impl Profile {
    /// The platform's profile.
    pub fn of(p: &platform::Model) -> Self {
        Self {
            name: p.name.clone(),
            service_hours: p.service_hours.clone(),
            contact_phone: p.contact_phone.clone(),
        }
    }

    fn checked(&self) -> DomainResult<Profile> {
        let contact_phone = if self.contact_phone.trim().is_empty() {
            String::new()
        } else {
            crate::validate::phone("contact_phone", &self.contact_phone)?
        };
        Ok(Profile {
            name: crate::validate::required("name", &self.name, 64)?,
            service_hours: crate::validate::text("service_hours", &self.service_hours, 0, 128)?,
            contact_phone,
        })
    }
}

/// Sets the platform's profile and records the change.
pub async fn set_profile(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
    profile: &Profile,
    now: DateTime<Utc>,
) -> DomainResult<Profile> {
    let new = profile.checked()?;
    let p = crate::platform_end::platforms::platform_of(db, platform_id).await?;
    let old = Profile::of(&p);
    let mut a: platform::ActiveModel = p.into();
    a.name = Set(new.name.clone());
    a.service_hours = Set(new.service_hours.clone());
    a.contact_phone = Set(new.contact_phone.clone());
    a.update(db).await?;
    record(db, platform_id, user_id, "profile", &old, &new, now).await?;
    Ok(new)
}

/// Changes the dispatch settings and records the change.
pub async fn change_dispatch(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
    new: &DispatchSettings,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let p = crate::platform_end::platforms::platform_of(db, platform_id).await?;
    let old = DispatchSettings {
        mode: p.dispatch_mode,
        hybrid_wait_secs: p.hybrid_wait_secs,
        rider_max_jobs: p.rider_max_jobs,
        offer_timeout_secs: p.offer_timeout_secs,
        unassigned_alert_secs: p.unassigned_alert_secs,
        pickup_geofence_m: p.pickup_geofence_m,
    };
    crate::platform_end::platforms::set_dispatch(db, platform_id, new).await?;
    record(db, platform_id, user_id, "dispatch", &old, new, now).await?;
    Ok(())
}

/// Changes the village settings and records the change.
pub async fn change_village(
    db: &impl ConnectionTrait,
    platform_id: i64,
    user_id: i64,
    new: &VillageSettings,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let p = crate::platform_end::platforms::platform_of(db, platform_id).await?;
    let old = VillageSettings {
        collect_within_days: p.collect_within_days,
    };
    crate::platform_end::platforms::set_village(db, platform_id, new).await?;
    record(db, platform_id, user_id, "village", &old, new, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_have_bounds_that_name_the_field() {
        let ok = Timeouts {
            payment_timeout_secs: 900,
            acceptance_timeout_secs: 600,
        };
        assert!(ok.validate().is_ok());
        for (t, field) in [
            (
                Timeouts {
                    payment_timeout_secs: 30,
                    ..ok.clone()
                },
                "payment_timeout_secs",
            ),
            (
                Timeouts {
                    acceptance_timeout_secs: 86_400,
                    ..ok.clone()
                },
                "acceptance_timeout_secs",
            ),
        ] {
            assert!(
                matches!(t.validate(), Err(DomainError::Invalid { field: f, .. }) if f == field)
            );
        }
    }

    #[test]
    fn a_profile_needs_a_name_and_a_real_phone() {
        let p = Profile {
            name: " 成县同城 ".into(),
            service_hours: "08:00-21:00".into(),
            contact_phone: "0939-3212345".into(),
        };
        let c = p.checked().unwrap();
        assert_eq!(
            (c.name.as_str(), c.contact_phone.as_str()),
            ("成县同城", "09393212345")
        );
        assert!(
            Profile {
                name: " ".into(),
                ..p.clone()
            }
            .checked()
            .is_err()
        );
        assert!(
            Profile {
                contact_phone: "12345".into(),
                ..p.clone()
            }
            .checked()
            .is_err()
        );
        assert!(
            Profile {
                contact_phone: String::new(),
                ..p
            }
            .checked()
            .is_ok()
        );
    }
}
