//! A county's own WeChat mini-program.

use sea_orm::entity::prelude::*;

/// The credentials of one county's mini-program. The secret is sealed
/// (`runtime::secrets`) with the context `mini_program.secret:<platform_id>`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "mini_programs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub platform_id: i64,
    /// WeChat's appid, unique across the instance.
    #[sea_orm(unique)]
    pub appid: String,
    /// The AppSecret, sealed.
    pub secret_sealed: String,
    /// Subscription-message template ids by event, as a JSON object.
    pub templates: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
