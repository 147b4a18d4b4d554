//! A van of a carrier: ambient capacity and cold compartments.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A van of a carrier: ambient capacity and cold compartments.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, utoipa::ToSchema)]
#[schema(as = Vehicle)]
#[sea_orm(table_name = "vehicles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub platform_id: i64,
    pub carrier_id: i64,
    pub plate: String,
    /// Ambient load, grams.
    pub capacity_g: i64,
    /// Ambient volume, millilitres.
    pub capacity_ml: i64,
    /// Chilled compartment (0–4 °C), millilitres; 0 = none.
    pub chilled_ml: i64,
    /// Frozen compartment (≤ −18 °C), millilitres; 0 = none.
    pub frozen_ml: i64,
    /// Sensor id per cold compartment (JSON `{"chilled": …, "frozen": …}`).
    pub sensor_ids: String,
    pub active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
