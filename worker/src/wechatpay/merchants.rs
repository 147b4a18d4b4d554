//! Which WeChat Pay merchant a county takes payments through: its own,
//! stored per platform with sealed keys (direct or partner mode), or the
//! instance's `[wechatpay]`.
//!
//! Clients are kept per platform while the stored row is unchanged, so a
//! change made by another instance is seen at the next payment.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use entity::platform_end::payment_accounts::{self, PayMode};
use entity::runtime::Settings;
use entity::secrets::{SecretError, SecretKey};
use entity::tables::payment_account;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use super::client::{MerchantParts, WechatPay};

/// The path payment notifications of a county's own merchant arrive at,
/// after its `notify_base_url`; refunds and transfers use their siblings.
pub fn notify_path(platform_code: &str) -> String {
    format!("/api/v1/pay/wechat/notify/{platform_code}")
}

/// Why a county's stored merchant cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MerchantError {
    /// Its keys do not open (no key, wrong key, altered row).
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The stored keys do not make a client.
    #[error("stored WeChat Pay merchant: {0}")]
    Invalid(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Per platform: the row's `updated_at` and the client built from it.
type Cache = HashMap<i64, (DateTime<Utc>, Arc<WechatPay>)>;

struct Inner {
    http: reqwest::Client,
    api_base: String,
    key: Option<SecretKey>,
    configured: Option<Arc<WechatPay>>,
    cache: Mutex<Cache>,
}

/// The WeChat Pay merchants of an instance.
#[derive(Clone)]
pub struct PayMerchants(Arc<Inner>);

impl std::fmt::Debug for PayMerchants {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayMerchants")
            .field("api_base", &self.0.api_base)
            .field("configured", &self.0.configured)
            .field("key", &self.0.key.is_some())
            .finish_non_exhaustive()
    }
}

impl PayMerchants {
    /// The instance's merchants: `[wechatpay]` (with `[wechat]`'s appid)
    /// and the secrets key that opens the stored ones.
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        let configured =
            WechatPay::from_settings(&settings.wechatpay, settings.wechat.appid.as_deref())?
                .map(Arc::new);
        let key = settings.secrets.key().map_err(|e| e.to_string())?;
        Ok(Self(Arc::new(Inner {
            http: WechatPay::http_client()?,
            api_base: settings.wechatpay.api_base.clone(),
            key,
            configured,
            cache: Mutex::default(),
        })))
    }

    /// No merchant at all: neither `[wechatpay]` nor a key to open stored
    /// ones (a worker whose configuration did not load).
    pub fn none() -> Self {
        Self(Arc::new(Inner {
            http: reqwest::Client::new(),
            api_base: String::new(),
            key: None,
            configured: None,
            cache: Mutex::default(),
        }))
    }

    /// The instance's `[wechatpay]` merchant, if configured.
    pub fn configured(&self) -> Option<&Arc<WechatPay>> {
        self.0.configured.as_ref()
    }

    /// The merchant a platform's residents pay: its own, else `[wechatpay]`;
    /// `None` when neither exists (the demo provider then takes payments).
    pub async fn of_platform(
        &self,
        db: &impl ConnectionTrait,
        platform_id: i64,
    ) -> Result<Option<Arc<WechatPay>>, MerchantError> {
        match payment_accounts::of_platform(db, platform_id).await? {
            Some(row) => self.client_for(db, &row).await.map(Some),
            None => Ok(self.0.configured.clone()),
        }
    }

    async fn client_for(
        &self,
        db: &impl ConnectionTrait,
        row: &payment_account::Model,
    ) -> Result<Arc<WechatPay>, MerchantError> {
        if let Ok(cache) = self.0.cache.lock()
            && let Some((at, client)) = cache.get(&row.platform_id)
            && *at == row.updated_at
        {
            return Ok(client.clone());
        }
        let key = self.0.key.as_ref().ok_or(SecretError::NoKey)?;
        let opened = payment_accounts::open(key, row)?;
        let code = entity::platform::Entity::find_by_id(row.platform_id)
            .one(db)
            .await?
            .map(|p| p.code)
            .ok_or_else(|| MerchantError::Invalid("no such platform".into()))?;
        let notify_url = format!(
            "{}{}",
            row.notify_base_url.trim_end_matches('/'),
            notify_path(&code)
        );
        let client = Arc::new(
            WechatPay::new(
                self.0.http.clone(),
                &self.0.api_base,
                MerchantParts {
                    partner: opened.mode == PayMode::Partner,
                    mchid: &row.mchid,
                    serial: &row.merchant_serial,
                    appid: &row.appid,
                    notify_url: &notify_url,
                    merchant_key_pem: &opened.merchant_key_pem,
                    platform_key_id: &row.platform_key_id,
                    platform_public_key_pem: &row.platform_public_key,
                    apiv3_key: &opened.apiv3_key,
                },
            )
            .map_err(MerchantError::Invalid)?,
        );
        if let Ok(mut cache) = self.0.cache.lock() {
            cache.insert(row.platform_id, (row.updated_at, client.clone()));
        }
        Ok(client)
    }
}
