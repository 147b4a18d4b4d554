//! A temperature reading of a cold compartment during a trip.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A reading (unique per trip, sensor and instant).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = TemperatureReading)]
#[sea_orm(table_name = "temperature_readings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub trip_id: i64,
    pub batch_id: i64,
    pub sensor_id: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub celsius: f64,
    /// Outside the class band: an alert for the operator and the driver.
    pub out_of_band: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
