//! A county's own WeChat Pay merchant.

use sea_orm::entity::prelude::*;

/// One county's WeChat Pay merchant: direct, or a service provider
/// (partner mode). The merchant's private key and the APIv3 key are sealed
/// (`secrets`) with the contexts `payment_account.<field>:<platform_id>`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub platform_id: i64,
    /// `direct` or `partner`.
    pub mode: String,
    /// The merchant number (`mchid`), or the service provider's
    /// (`sp_mchid`) in partner mode.
    pub mchid: String,
    /// The mini-program appid payments are made for (`sp_appid` in partner
    /// mode).
    pub appid: String,
    /// The serial number of the merchant API certificate.
    pub merchant_serial: String,
    /// The merchant API private key (PKCS#8 PEM), sealed.
    pub merchant_key_sealed: String,
    /// The WeChat Pay public key's id (`PUB_KEY_ID_…`).
    pub platform_key_id: String,
    /// The WeChat Pay public key (PEM); public, not sealed.
    pub platform_public_key: String,
    /// The APIv3 key, sealed.
    pub apiv3_key_sealed: String,
    /// Where WeChat Pay sends this county's notifications (https).
    pub notify_base_url: String,
    /// The share of a payment profit sharing may split off, in basis points
    /// (WeChat Pay's default limit for a service provider is 30 %).
    pub sharing_max_bp: i32,
    /// The service provider's registered name: its name as a
    /// profit-sharing receiver (partner mode).
    pub receiver_name: String,
    /// Minutes after delivery before an order is shared (the window in
    /// which a refund comes out of the money still held).
    pub refund_window_minutes: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
