//! A county's own WeChat Pay merchant, and its kitchens' sub-merchants.
//!
//! - `direct`: the county is the seller; residents pay into its merchant
//!   account and the ledger pays kitchens, riders and carriers out later.
//! - `partner` (服务商模式): the county is a service provider (`sp_mchid`),
//!   each kitchen a sub-merchant (`sub_mchid`) whom the money reaches
//!   directly; the platform's commission and the delivery shares are split
//!   off by profit sharing, within the provider's sharing limit.
//!
//! The merchant private key and the APIv3 key are sealed
//! ([`crate::secrets`]) and never returned; the WeChat Pay public key is
//! public. Counties without an account of their own use the instance's
//! `[wechatpay]` configuration (direct mode).

use aws_lc_rs::signature::{self, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::error::{DomainError, DomainResult};
use crate::platform_end::mini_programs::{Change, StoreError, check_appid};
use crate::secrets::{SecretError, SecretKey};
use crate::tables::{merchant, payment_account};

/// How a county takes payments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayMode {
    /// The county's own merchant account receives every payment.
    Direct,
    /// A service provider; each kitchen is a sub-merchant.
    Partner,
}

impl PayMode {
    /// `direct` or `partner`.
    pub fn as_str(self) -> &'static str {
        match self {
            PayMode::Direct => "direct",
            PayMode::Partner => "partner",
        }
    }

    /// The mode named `text`.
    pub fn parse(text: &str) -> DomainResult<Self> {
        match text.trim() {
            "direct" => Ok(PayMode::Direct),
            "partner" => Ok(PayMode::Partner),
            _ => Err(DomainError::invalid("mode", "direct or partner")),
        }
    }
}

/// WeChat Pay's default limit on what a service provider may split off a
/// payment: 30 %.
pub const DEFAULT_SHARING_MAX_BP: i32 = 3_000;

/// A county's WeChat Pay merchant as a host administrator gives it.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// `direct` or `partner`.
    pub mode: String,
    /// The merchant number, or the service provider's in partner mode.
    pub mchid: String,
    /// The mini-program appid payments are made for.
    pub appid: String,
    /// The merchant API certificate's serial number.
    pub merchant_serial: String,
    /// The merchant API private key, PKCS#8 PEM.
    pub merchant_key_pem: String,
    /// The WeChat Pay public key's id.
    pub platform_key_id: String,
    /// The WeChat Pay public key, PEM.
    pub platform_public_key_pem: String,
    /// The APIv3 key: 32 characters.
    pub apiv3_key: String,
    /// Where notifications are sent (https; http only to a loopback host).
    pub notify_base_url: String,
    /// The sharing limit in basis points (1 to 10,000).
    pub sharing_max_bp: i32,
    /// The service provider's registered name (partner mode: its name as
    /// a profit-sharing receiver).
    pub receiver_name: String,
    /// Minutes after delivery before an order is shared (0 to 14 days).
    pub refund_window_minutes: i32,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("mode", &self.mode)
            .field("mchid", &self.mchid)
            .field("appid", &self.appid)
            .field("merchant_serial", &self.merchant_serial)
            .field("merchant_key_pem", &"<redacted>")
            .field("platform_key_id", &self.platform_key_id)
            .field("apiv3_key", &"<redacted>")
            .field("notify_base_url", &self.notify_base_url)
            .field("sharing_max_bp", &self.sharing_max_bp)
            .field("receiver_name", &self.receiver_name)
            .field("refund_window_minutes", &self.refund_window_minutes)
            .finish()
    }
}

/// The DER inside a PEM block labelled `label`, if it is one.
fn pem_der(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let body = pem.trim().strip_prefix(&begin)?.strip_suffix(&end)?;
    let b64: String = body.split_whitespace().collect();
    STANDARD.decode(b64).ok()
}

/// Checks a merchant number: 8 to 12 digits.
pub fn check_mchid(field: &'static str, mchid: &str) -> DomainResult<String> {
    let m = mchid.trim();
    if (8..=12).contains(&m.len()) && m.chars().all(|c| c.is_ascii_digit()) {
        Ok(m.to_owned())
    } else {
        Err(DomainError::invalid(
            field,
            "a WeChat Pay merchant number: 8 to 12 digits",
        ))
    }
}

impl Account {
    /// The account with every field checked: the keys must parse, the
    /// notify URL must be https (http only to a loopback host, for tests).
    pub fn checked(&self) -> DomainResult<Account> {
        PayMode::parse(&self.mode)?;
        let mchid = check_mchid("mchid", &self.mchid)?;
        let appid = check_appid(&self.appid)?;
        let serial = self.merchant_serial.trim();
        if serial.is_empty() || serial.len() > 64 || !serial.chars().all(|c| c.is_ascii_hexdigit())
        {
            return Err(DomainError::invalid(
                "merchant_serial",
                "the certificate serial number: 1 to 64 hex digits",
            ));
        }
        let key_ok = pem_der(&self.merchant_key_pem, "PRIVATE KEY")
            .and_then(|der| signature::RsaKeyPair::from_pkcs8(&der).ok())
            .is_some_and(|k| k.public_key().as_ref().len() >= 256);
        if !key_ok {
            return Err(DomainError::invalid(
                "merchant_key_pem",
                "the merchant API private key: an RSA key of 2048 bits or more, PKCS#8 PEM (BEGIN PRIVATE KEY)",
            ));
        }
        let key_id = self.platform_key_id.trim();
        if !key_id.starts_with("PUB_KEY_ID_") || key_id.len() > 64 {
            return Err(DomainError::invalid(
                "platform_key_id",
                "the WeChat Pay public key id: PUB_KEY_ID_ and its digits",
            ));
        }
        let public_ok = pem_der(&self.platform_public_key_pem, "PUBLIC KEY")
            .is_some_and(|der| aws_lc_rs::rsa::PublicEncryptingKey::from_der(&der).is_ok());
        if !public_ok {
            return Err(DomainError::invalid(
                "platform_public_key_pem",
                "the WeChat Pay public key: RSA, PEM (BEGIN PUBLIC KEY)",
            ));
        }
        if self.apiv3_key.len() != 32 || !self.apiv3_key.chars().all(|c| c.is_ascii_graphic()) {
            return Err(DomainError::invalid(
                "apiv3_key",
                "the APIv3 key: 32 printable ASCII characters",
            ));
        }
        let url = self.notify_base_url.trim().trim_end_matches('/');
        let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|p| url.starts_with(p));
        if !(url.starts_with("https://") && url.len() > 8 || loopback) {
            return Err(DomainError::invalid(
                "notify_base_url",
                "an https URL WeChat Pay can reach, e.g. https://pay.kang.example",
            ));
        }
        if !(1..=10_000).contains(&self.sharing_max_bp) {
            return Err(DomainError::invalid(
                "sharing_max_bp",
                "the sharing limit in basis points: 1 to 10,000 (3,000 is 30 %)",
            ));
        }
        let receiver_name = self.receiver_name.trim();
        if PayMode::parse(&self.mode)? == PayMode::Partner
            && (receiver_name.is_empty() || receiver_name.chars().count() > 128)
        {
            return Err(DomainError::invalid(
                "receiver_name",
                "partner mode: the service provider's registered name (its profit-sharing receiver name), 1 to 128 characters",
            ));
        }
        if !(0..=MAX_REFUND_WINDOW_MINUTES).contains(&self.refund_window_minutes) {
            return Err(DomainError::invalid(
                "refund_window_minutes",
                "0 to 20,160 minutes (14 days) after delivery",
            ));
        }
        Ok(Account {
            mode: self.mode.trim().to_owned(),
            mchid,
            appid,
            merchant_serial: serial.to_ascii_uppercase(),
            merchant_key_pem: self.merchant_key_pem.trim().to_owned(),
            platform_key_id: key_id.to_owned(),
            platform_public_key_pem: self.platform_public_key_pem.trim().to_owned(),
            apiv3_key: self.apiv3_key.clone(),
            notify_base_url: url.to_owned(),
            sharing_max_bp: self.sharing_max_bp,
            receiver_name: receiver_name.to_owned(),
            refund_window_minutes: self.refund_window_minutes,
        })
    }
}

/// The longest refund window: 14 days.
pub const MAX_REFUND_WINDOW_MINUTES: i32 = 20_160;

/// The refund window a county starts with: one day.
pub const DEFAULT_REFUND_WINDOW_MINUTES: i32 = 1_440;

/// The associated data a platform's `field` is sealed with.
fn context(field: &str, platform_id: i64) -> String {
    format!("payment_account.{field}:{platform_id}")
}

/// A stored account with its secrets opened, ready for a client.
#[derive(Clone)]
pub struct Opened {
    /// The platform it belongs to.
    pub platform_id: i64,
    /// How the county takes payments.
    pub mode: PayMode,
    /// The stored row (secrets still sealed in it).
    pub row: payment_account::Model,
    /// The merchant API private key, PEM.
    pub merchant_key_pem: String,
    /// The APIv3 key.
    pub apiv3_key: String,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("platform_id", &self.platform_id)
            .field("mode", &self.mode)
            .field("mchid", &self.row.mchid)
            .finish_non_exhaustive()
    }
}

/// Opens a stored account's secrets.
pub fn open(key: &SecretKey, row: &payment_account::Model) -> Result<Opened, SecretError> {
    let pid = row.platform_id;
    Ok(Opened {
        platform_id: pid,
        mode: PayMode::parse(&row.mode).unwrap_or(PayMode::Direct),
        merchant_key_pem: key.open(&row.merchant_key_sealed, &context("merchant_key", pid))?,
        apiv3_key: key.open(&row.apiv3_key_sealed, &context("apiv3_key", pid))?,
        row: row.clone(),
    })
}

/// The stored account of a platform.
pub async fn of_platform(
    db: &impl ConnectionTrait,
    platform_id: i64,
) -> Result<Option<payment_account::Model>, DbErr> {
    payment_account::Entity::find()
        .filter(payment_account::Column::PlatformId.eq(platform_id))
        .one(db)
        .await
}

/// Every stored account, by platform.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<payment_account::Model>, DbErr> {
    payment_account::Entity::find()
        .order_by_asc(payment_account::Column::PlatformId)
        .all(db)
        .await
}

/// Gives a platform its own WeChat Pay merchant, or changes it. The same
/// account again changes nothing; partner mode is refused while a
/// commission rule reaches its sharing limit. Run it in a transaction.
pub async fn set(
    db: &impl ConnectionTrait,
    key: &SecretKey,
    platform_id: i64,
    account: &Account,
    now: DateTime<Utc>,
) -> Result<Change, StoreError> {
    let a = account.checked()?;
    if PayMode::parse(&a.mode)? == PayMode::Partner {
        crate::platform_end::sharing_limit::check_rules(db, platform_id, a.sharing_max_bp, now)
            .await?;
    }
    let merchant_key = key.seal(&a.merchant_key_pem, &context("merchant_key", platform_id))?;
    let apiv3 = key.seal(&a.apiv3_key, &context("apiv3_key", platform_id))?;
    let current = of_platform(db, platform_id).await?;
    if let Some(c) = &current {
        // Secrets sealed under an old key count as changed.
        let same_secrets = open(key, c)
            .is_ok_and(|o| o.merchant_key_pem == a.merchant_key_pem && o.apiv3_key == a.apiv3_key);
        if same_secrets
            && c.mode == a.mode
            && c.mchid == a.mchid
            && c.appid == a.appid
            && c.merchant_serial == a.merchant_serial
            && c.platform_key_id == a.platform_key_id
            && c.platform_public_key == a.platform_public_key_pem
            && c.notify_base_url == a.notify_base_url
            && c.sharing_max_bp == a.sharing_max_bp
            && c.receiver_name == a.receiver_name
            && c.refund_window_minutes == a.refund_window_minutes
        {
            return Ok(Change::Unchanged);
        }
    }
    let mut row: payment_account::ActiveModel = match &current {
        Some(c) => c.clone().into(),
        None => payment_account::ActiveModel {
            platform_id: Set(platform_id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    row.mode = Set(a.mode);
    row.mchid = Set(a.mchid);
    row.appid = Set(a.appid);
    row.merchant_serial = Set(a.merchant_serial);
    row.merchant_key_sealed = Set(merchant_key);
    row.platform_key_id = Set(a.platform_key_id);
    row.platform_public_key = Set(a.platform_public_key_pem);
    row.apiv3_key_sealed = Set(apiv3);
    row.notify_base_url = Set(a.notify_base_url);
    row.sharing_max_bp = Set(a.sharing_max_bp);
    row.receiver_name = Set(a.receiver_name);
    row.refund_window_minutes = Set(a.refund_window_minutes);
    row.updated_at = Set(now);
    Ok(if current.is_some() {
        row.update(db).await?;
        Change::Updated
    } else {
        row.insert(db).await?;
        Change::Created
    })
}

/// A kitchen's sub-merchant as the operator records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubMerchant {
    /// Its sub-merchant number.
    pub sub_mchid: String,
    /// Its own appid, when it has one.
    pub sub_appid: Option<String>,
}

/// Records a merchant's sub-merchant number (and appid), or clears it
/// with `None`; the change is recorded with who made it. A number another
/// merchant has is refused. Run it in a transaction.
pub async fn set_sub_merchant(
    db: &impl ConnectionTrait,
    platform_id: i64,
    merchant_id: i64,
    sub: Option<&SubMerchant>,
    user_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<merchant::Model> {
    let m = crate::scope::on_platform::<merchant::Entity>(db, platform_id, merchant_id, "merchant")
        .await?;
    let (sub_mchid, sub_appid) = match sub {
        Some(s) => {
            let no = check_mchid("sub_mchid", &s.sub_mchid)?;
            let appid = match s.sub_appid.as_deref().map(str::trim) {
                Some(a) if !a.is_empty() => Some(
                    check_appid(a)
                        .map_err(|_| DomainError::invalid("sub_appid", "wx and 16 hex digits"))?,
                ),
                _ => None,
            };
            if let Some(other) = merchant::Entity::find()
                .filter(merchant::Column::SubMchid.eq(&no))
                .one(db)
                .await?
                && other.id != m.id
            {
                return Err(DomainError::Duplicate(format!(
                    "sub-merchant {no} is another merchant's"
                )));
            }
            (Some(no), appid)
        }
        None => (None, None),
    };
    let old = serde_json::json!({"sub_mchid": m.sub_mchid, "sub_appid": m.sub_appid});
    let new = serde_json::json!({"sub_mchid": sub_mchid, "sub_appid": sub_appid});
    if old == new {
        return Ok(m);
    }
    let setting = format!("merchant.{}.sub_merchant", m.id);
    let mut row: merchant::ActiveModel = m.into();
    row.sub_mchid = Set(sub_mchid);
    row.sub_appid = Set(sub_appid);
    let m = row.update(db).await?;
    crate::platform_end::settings::record(db, platform_id, user_id, &setting, &old, &new, now)
        .await?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_numbers_are_checked() {
        assert_eq!(PayMode::parse(" partner ").ok(), Some(PayMode::Partner));
        assert!(PayMode::parse("split").is_err());
        assert_eq!(
            check_mchid("mchid", " 1900000109 ").ok().as_deref(),
            Some("1900000109")
        );
        for bad in ["", "1234567", "1234567890123", "19000001O9"] {
            assert!(check_mchid("mchid", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pem_blocks_must_carry_their_label() {
        let pem = "-----BEGIN PUBLIC KEY-----\nAAEC\n-----END PUBLIC KEY-----\n";
        assert_eq!(pem_der(pem, "PUBLIC KEY"), Some(vec![0, 1, 2]));
        assert_eq!(pem_der(pem, "PRIVATE KEY"), None);
    }
}
