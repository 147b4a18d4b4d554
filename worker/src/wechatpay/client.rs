//! The WeChat Pay API v3 client: JSAPI prepay, the `wx.requestPayment`
//! parameters, and notification parsing. Every response is verified with
//! the platform public key before it is used.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::crypto::{
    CryptoError, MerchantKey, PlatformKey, authorization, decrypt_resource, pay_sign,
};
use entity::runtime::settings::WechatPaySettings;

/// Why a WeChat Pay call failed.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    /// Not reachable, timed out or answered 5xx: try again.
    #[error("WeChat Pay unavailable: {0}")]
    Unavailable(String),
    /// WeChat Pay refused the request (4xx) with its code.
    #[error("WeChat Pay refused: {code}: {message}")]
    Refused {
        /// WeChat Pay's error code, e.g. `ORDERPAID`.
        code: String,
        /// Its message.
        message: String,
    },
    /// A response or notification whose signature did not verify.
    #[error("WeChat Pay answer failed verification")]
    Unverified,
    /// A malformed answer.
    #[error("malformed WeChat Pay answer: {0}")]
    Malformed(String),
    /// A partner-mode call without the sub-merchant it is for.
    #[error("partner mode needs the kitchen's sub_mchid")]
    NoSubMerchant,
}

/// A merchant: direct (it sells), or a service provider (partner mode:
/// `mchid` is the `sp_mchid` and every payment is for a sub-merchant).
pub struct WechatPay {
    http: reqwest::Client,
    partner: bool,
    api_base: String,
    mchid: String,
    serial: String,
    appid: String,
    notify_url: String,
    key: MerchantKey,
    pub(super) platform: PlatformKey,
    apiv3_key: Vec<u8>,
}

impl std::fmt::Debug for WechatPay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatPay")
            .field("api_base", &self.api_base)
            .field("mchid", &self.mchid)
            .field("partner", &self.partner)
            .finish_non_exhaustive()
    }
}

/// What the mini-program passes to `wx.requestPayment`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestPayment {
    /// The mini-program appid.
    pub app_id: String,
    /// Unix seconds, as a string.
    pub time_stamp: String,
    /// Random string.
    pub nonce_str: String,
    /// `prepay_id=…`.
    pub package: String,
    /// Always `RSA`.
    pub sign_type: &'static str,
    /// The merchant's signature.
    pub pay_sign: String,
}

/// A payment as a notification (`TRANSACTION.SUCCESS`) or a query tells
/// it. In partner mode `sp_appid`/`sp_mchid` name the service provider and
/// `sub_mchid` the kitchen; `appid`/`mchid` are then absent.
#[derive(Debug, Clone, Deserialize)]
pub struct Transaction {
    /// The mini-program appid (direct mode).
    #[serde(default)]
    pub appid: String,
    /// The merchant id (direct mode).
    #[serde(default)]
    pub mchid: String,
    /// The service provider's appid (partner mode).
    #[serde(default)]
    pub sp_appid: String,
    /// The service provider's merchant id (partner mode).
    #[serde(default)]
    pub sp_mchid: String,
    /// The sub-merchant paid (partner mode).
    #[serde(default)]
    pub sub_mchid: Option<String>,
    /// Our payment number.
    pub out_trade_no: String,
    /// WeChat's transaction id (absent before payment).
    #[serde(default)]
    pub transaction_id: String,
    /// `SUCCESS` when paid.
    pub trade_state: String,
    /// Amounts.
    #[serde(default)]
    pub amount: TransactionAmount,
}

/// The amount of a transaction.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TransactionAmount {
    /// Total in fen.
    #[serde(default)]
    pub total: i64,
}

/// A decrypted refund notification.
#[derive(Debug, Clone, Deserialize)]
pub struct RefundResult {
    /// The merchant id (direct mode).
    #[serde(default)]
    pub mchid: String,
    /// The service provider's merchant id (partner mode).
    #[serde(default)]
    pub sp_mchid: String,
    /// The sub-merchant that refunded (partner mode).
    #[serde(default)]
    pub sub_mchid: Option<String>,
    /// Our refund number.
    pub out_refund_no: String,
    /// `SUCCESS`, `CLOSED` or `ABNORMAL`.
    pub refund_status: String,
    /// Amounts.
    pub amount: RefundAmount,
}

/// The amount of a refund.
#[derive(Debug, Clone, Deserialize)]
pub struct RefundAmount {
    /// Refunded, in fen.
    pub refund: i64,
}

/// A refund as the refund query answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct RefundState {
    /// Our refund number.
    pub out_refund_no: String,
    /// `SUCCESS`, `PROCESSING`, `CLOSED` or `ABNORMAL`.
    pub status: String,
    /// Amounts.
    pub amount: RefundAmount,
}

/// The state of one transfer of a merchant-transfer batch.
#[derive(Debug, Clone, Deserialize)]
pub struct TransferDetail {
    /// Our batch number.
    pub out_batch_no: String,
    /// Our detail number.
    pub out_detail_no: String,
    /// `INIT`, `WAIT_PAY`, `PROCESSING`, `SUCCESS` or `FAIL`.
    pub detail_status: String,
    /// Why it failed (e.g. `ACCOUNT_FROZEN`).
    #[serde(default)]
    pub fail_reason: Option<String>,
    /// Amount in fen.
    pub transfer_amount: i64,
}

/// A decrypted merchant-transfer batch notification.
#[derive(Debug, Clone, Deserialize)]
pub struct TransferBatchResult {
    /// The merchant id.
    pub mchid: String,
    /// Our batch number.
    pub out_batch_no: String,
    /// WeChat's batch id.
    pub batch_id: String,
    /// `FINISHED` or `CLOSED`.
    pub batch_status: String,
}

fn nonce() -> String {
    hex::encode(entity::ids::random_bytes::<16>())
}

/// What a merchant client is made from.
#[derive(Debug, Clone, Copy)]
pub struct MerchantParts<'a> {
    /// Partner mode: `mchid` and `appid` are the service provider's.
    pub partner: bool,
    /// The merchant number (`sp_mchid` in partner mode).
    pub mchid: &'a str,
    /// The merchant API certificate's serial number.
    pub serial: &'a str,
    /// The mini-program appid payments are for (`sp_appid`).
    pub appid: &'a str,
    /// Where payment notifications go; refund and transfer notifications
    /// go to its `refund-notify` and `transfer-notify` siblings.
    pub notify_url: &'a str,
    /// The merchant API private key, PKCS#8 PEM.
    pub merchant_key_pem: &'a str,
    /// The WeChat Pay public key's id.
    pub platform_key_id: &'a str,
    /// The WeChat Pay public key, PEM.
    pub platform_public_key_pem: &'a str,
    /// The APIv3 key (32 bytes).
    pub apiv3_key: &'a str,
}

impl WechatPay {
    /// A client for one merchant, at `api_base`.
    pub fn new(
        http: reqwest::Client,
        api_base: &str,
        m: MerchantParts<'_>,
    ) -> Result<Self, String> {
        if m.apiv3_key.len() != 32 {
            return Err("the APIv3 key must be 32 bytes".into());
        }
        Ok(Self {
            http,
            partner: m.partner,
            api_base: api_base.trim_end_matches('/').to_owned(),
            mchid: m.mchid.to_owned(),
            serial: m.serial.to_owned(),
            appid: m.appid.to_owned(),
            notify_url: m.notify_url.to_owned(),
            key: MerchantKey::from_pem(m.merchant_key_pem)
                .map_err(|e| format!("merchant key: {e}"))?,
            platform: PlatformKey::from_pem(m.platform_key_id, m.platform_public_key_pem)
                .map_err(|e| format!("platform key: {e}"))?,
            apiv3_key: m.apiv3_key.as_bytes().to_vec(),
        })
    }

    /// The HTTP client WeChat Pay calls go through.
    pub fn http_client() -> Result<reqwest::Client, String> {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())
    }

    /// The client for the configured merchant (`[wechatpay]`, direct mode);
    /// `None` when not configured.
    pub fn from_settings(
        s: &WechatPaySettings,
        appid: Option<&str>,
    ) -> Result<Option<Self>, String> {
        let Some(mchid) = &s.mchid else {
            return Ok(None);
        };
        let need = |v: &Option<String>, key: &str| {
            v.clone()
                .ok_or_else(|| format!("TONGCHENG__WECHATPAY__{key} is required with MCHID"))
        };
        let key_pem =
            std::fs::read_to_string(need(&s.merchant_key_pem_file, "MERCHANT_KEY_PEM_FILE")?)
                .map_err(|e| format!("TONGCHENG__WECHATPAY__MERCHANT_KEY_PEM_FILE: {e}"))?;
        let platform_pem = std::fs::read_to_string(need(
            &s.platform_public_key_pem_file,
            "PLATFORM_PUBLIC_KEY_PEM_FILE",
        )?)
        .map_err(|e| format!("TONGCHENG__WECHATPAY__PLATFORM_PUBLIC_KEY_PEM_FILE: {e}"))?;
        let apiv3 = need(&s.apiv3_key, "APIV3_KEY")?;
        if apiv3.len() != 32 {
            return Err("TONGCHENG__WECHATPAY__APIV3_KEY must be 32 bytes".into());
        }
        let appid =
            appid.ok_or("WeChat Pay needs the mini-program appid (TONGCHENG__WECHAT__APPID)")?;
        Self::new(
            Self::http_client()?,
            &s.api_base,
            MerchantParts {
                partner: false,
                mchid,
                serial: &need(&s.merchant_serial, "MERCHANT_SERIAL")?,
                appid,
                notify_url: &need(&s.notify_url, "NOTIFY_URL")?,
                merchant_key_pem: &key_pem,
                platform_key_id: &need(&s.platform_public_key_id, "PLATFORM_PUBLIC_KEY_ID")?,
                platform_public_key_pem: &platform_pem,
                apiv3_key: &apiv3,
            },
        )
        .map(Some)
    }

    /// Whether this is a service provider (partner mode).
    pub fn is_partner(&self) -> bool {
        self.partner
    }

    /// The merchant number (`sp_mchid` in partner mode).
    pub fn mchid(&self) -> &str {
        &self.mchid
    }

    /// The sub-merchant a partner-mode call is for; `None` in direct mode.
    pub(super) fn sub<'a>(&self, sub_mchid: Option<&'a str>) -> Result<Option<&'a str>, PayError> {
        match (self.partner, sub_mchid) {
            (false, _) => Ok(None),
            (true, Some(s)) if !s.is_empty() => Ok(Some(s)),
            (true, _) => Err(PayError::NoSubMerchant),
        }
    }

    /// A signed request; the answer is returned only if its signature verifies.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        now: i64,
    ) -> Result<(u16, Vec<u8>), PayError> {
        self.call_with(method, path, body, now, false).await
    }

    /// [`Self::call`]; `sensitive` names the WeChat Pay public key that
    /// encrypted fields of the body (`Wechatpay-Serial`).
    pub(super) async fn call_with(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        now: i64,
        sensitive: bool,
    ) -> Result<(u16, Vec<u8>), PayError> {
        let body_text = body.map(|b| b.to_string()).unwrap_or_default();
        let nonce = nonce();
        let auth = authorization(
            &self.key,
            &self.mchid,
            &self.serial,
            method.as_str(),
            path,
            now,
            &nonce,
            &body_text,
        )
        .map_err(|e| PayError::Malformed(e.to_string()))?;
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.api_base))
            .header("authorization", auth)
            .header("accept", "application/json")
            .header("user-agent", "tongcheng/0.1");
        if sensitive {
            req = req.header("wechatpay-serial", self.platform.id());
        }
        if body.is_some() {
            req = req
                .header("content-type", "application/json")
                .body(body_text);
        }
        let resp = req.send().await.map_err(|e| {
            PayError::Unavailable(if e.is_timeout() {
                "timeout".into()
            } else {
                "request failed".into()
            })
        })?;
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (ts, nonce, sig, serial) = (
            header("wechatpay-timestamp"),
            header("wechatpay-nonce"),
            header("wechatpay-signature"),
            header("wechatpay-serial"),
        );
        let bytes = resp
            .bytes()
            .await
            .map_err(|_| PayError::Unavailable("body".into()))?
            .to_vec();
        if status >= 500 {
            return Err(PayError::Unavailable(format!("HTTP {status}")));
        }
        let (Some(ts), Some(nonce), Some(sig), Some(serial)) = (ts, nonce, sig, serial) else {
            return Err(PayError::Unverified);
        };
        self.platform
            .verify(&serial, &ts, &nonce, &bytes, &sig, now)
            .map_err(|_| PayError::Unverified)?;
        if status >= 400 {
            let v: Value = serde_json::from_slice(&bytes).unwrap_or_default();
            return Err(PayError::Refused {
                code: v["code"].as_str().unwrap_or("UNKNOWN").to_owned(),
                message: v["message"].as_str().unwrap_or("").to_owned(),
            });
        }
        Ok((status, bytes))
    }

    /// Creates the JSAPI prepay order; returns `prepay_id`. In partner
    /// mode the money goes to `sub_mchid` and is held for profit sharing
    /// (`settle_info.profit_sharing`); `openid` is the payer's under this
    /// client's appid (`sp_openid`).
    #[allow(clippy::too_many_arguments)]
    pub async fn jsapi_prepay(
        &self,
        sub_mchid: Option<&str>,
        description: &str,
        out_trade_no: &str,
        amount_fen: i64,
        openid: &str,
        time_expire: chrono::DateTime<chrono::Utc>,
        now: i64,
    ) -> Result<String, PayError> {
        let time_expire = time_expire.format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
        let amount = json!({"total": amount_fen, "currency": "CNY"});
        let (path, body) = match self.sub(sub_mchid)? {
            None => (
                "/v3/pay/transactions/jsapi",
                json!({
                    "appid": self.appid,
                    "mchid": self.mchid,
                    "description": description,
                    "out_trade_no": out_trade_no,
                    "time_expire": time_expire,
                    "notify_url": self.notify_url,
                    "amount": amount,
                    "payer": {"openid": openid},
                }),
            ),
            Some(sub) => (
                "/v3/pay/partner/transactions/jsapi",
                json!({
                    "sp_appid": self.appid,
                    "sp_mchid": self.mchid,
                    "sub_mchid": sub,
                    "description": description,
                    "out_trade_no": out_trade_no,
                    "time_expire": time_expire,
                    "notify_url": self.notify_url,
                    "settle_info": {"profit_sharing": true},
                    "amount": amount,
                    "payer": {"sp_openid": openid},
                }),
            ),
        };
        let (_, bytes) = self
            .call(reqwest::Method::POST, path, Some(&body), now)
            .await?;
        let v: Value =
            serde_json::from_slice(&bytes).map_err(|e| PayError::Malformed(e.to_string()))?;
        v["prepay_id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| PayError::Malformed("no prepay_id".into()))
    }

    /// The state of a payment (`SUCCESS`, `NOTPAY`, `CLOSED`, …) and, when
    /// paid, the transaction — for payments whose notification is late.
    pub async fn query(
        &self,
        sub_mchid: Option<&str>,
        out_trade_no: &str,
        now: i64,
    ) -> Result<Transaction, PayError> {
        let path = match self.sub(sub_mchid)? {
            None => format!(
                "/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={}",
                self.mchid
            ),
            Some(sub) => format!(
                "/v3/pay/partner/transactions/out-trade-no/{out_trade_no}?sp_mchid={}&sub_mchid={sub}",
                self.mchid
            ),
        };
        let (_, bytes) = self.call(reqwest::Method::GET, &path, None, now).await?;
        let t: Transaction =
            serde_json::from_slice(&bytes).map_err(|e| PayError::Malformed(e.to_string()))?;
        if !self.is_mine(&t, sub_mchid) || t.out_trade_no != out_trade_no {
            return Err(PayError::Malformed(
                "query answer for another payment".into(),
            ));
        }
        Ok(t)
    }

    /// Whether a transaction is this merchant's (and, in partner mode, the
    /// expected sub-merchant's when one is given) and for this appid.
    fn is_mine(&self, t: &Transaction, sub_mchid: Option<&str>) -> bool {
        if !self.partner {
            return t.mchid == self.mchid && (t.appid.is_empty() || t.appid == self.appid);
        }
        let sub_ok = match (sub_mchid, t.sub_mchid.as_deref()) {
            (_, None) => false,
            (Some(want), Some(got)) => want == got,
            (None, Some(got)) => !got.is_empty(),
        };
        t.sp_mchid == self.mchid && (t.sp_appid.is_empty() || t.sp_appid == self.appid) && sub_ok
    }

    /// Closes an unpaid payment so that it can no longer be paid.
    pub async fn close(
        &self,
        sub_mchid: Option<&str>,
        out_trade_no: &str,
        now: i64,
    ) -> Result<(), PayError> {
        let (path, body) = match self.sub(sub_mchid)? {
            None => (
                format!("/v3/pay/transactions/out-trade-no/{out_trade_no}/close"),
                json!({"mchid": self.mchid}),
            ),
            Some(sub) => (
                format!("/v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close"),
                json!({"sp_mchid": self.mchid, "sub_mchid": sub}),
            ),
        };
        self.call(reqwest::Method::POST, &path, Some(&body), now)
            .await
            .map(|_| ())
    }

    /// Asks for a refund; returns WeChat Pay's status (`SUCCESS`,
    /// `PROCESSING`, …). Repeating an `out_refund_no` is safe. In partner
    /// mode it comes out of `sub_mchid`'s money.
    #[allow(clippy::too_many_arguments)]
    pub async fn refund(
        &self,
        sub_mchid: Option<&str>,
        out_trade_no: &str,
        out_refund_no: &str,
        refund_fen: i64,
        total_fen: i64,
        reason: &str,
        now: i64,
    ) -> Result<String, PayError> {
        let mut body = json!({
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "reason": reason.chars().take(80).collect::<String>(),
            "notify_url": self.notify_url.replace("/pay/wechat/notify", "/pay/wechat/refund-notify"),
            "amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"},
        });
        if let Some(sub) = self.sub(sub_mchid)? {
            body["sub_mchid"] = json!(sub);
        }
        let (_, bytes) = self
            .call(
                reqwest::Method::POST,
                "/v3/refund/domestic/refunds",
                Some(&body),
                now,
            )
            .await?;
        let v: Value =
            serde_json::from_slice(&bytes).map_err(|e| PayError::Malformed(e.to_string()))?;
        v["status"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| PayError::Malformed("no status".into()))
    }

    /// The state of a refund (`SUCCESS`, `PROCESSING`, `CLOSED`,
    /// `ABNORMAL`), for refunds whose notification is late or lost.
    pub async fn query_refund(
        &self,
        sub_mchid: Option<&str>,
        out_refund_no: &str,
        now: i64,
    ) -> Result<RefundState, PayError> {
        let path = match self.sub(sub_mchid)? {
            None => format!("/v3/refund/domestic/refunds/{out_refund_no}"),
            Some(sub) => format!("/v3/refund/domestic/refunds/{out_refund_no}?sub_mchid={sub}"),
        };
        let (_, bytes) = self.call(reqwest::Method::GET, &path, None, now).await?;
        let r: RefundState =
            serde_json::from_slice(&bytes).map_err(|e| PayError::Malformed(e.to_string()))?;
        if r.out_refund_no != out_refund_no {
            return Err(PayError::Malformed(
                "query answer for another refund".into(),
            ));
        }
        Ok(r)
    }

    /// Sends money to a user's WeChat balance ("merchant transfer to
    /// balance", one transfer per batch); returns WeChat's batch id.
    /// Repeating an `out_batch_no` is safe.
    pub async fn transfer(
        &self,
        out_batch_no: &str,
        amount_fen: i64,
        openid: &str,
        remark: &str,
        now: i64,
    ) -> Result<String, PayError> {
        let remark: String = remark.chars().take(32).collect();
        let body = json!({
            "appid": self.appid,
            "out_batch_no": out_batch_no,
            "batch_name": remark,
            "batch_remark": remark,
            "total_amount": amount_fen,
            "total_num": 1,
            "transfer_detail_list": [{
                "out_detail_no": format!("{out_batch_no}D1"),
                "transfer_amount": amount_fen,
                "transfer_remark": remark,
                "openid": openid,
            }],
            "notify_url": self.notify_url.replace("/pay/wechat/notify", "/pay/wechat/transfer-notify"),
        });
        let (_, bytes) = self
            .call(
                reqwest::Method::POST,
                "/v3/transfer/batches",
                Some(&body),
                now,
            )
            .await?;
        let v: Value =
            serde_json::from_slice(&bytes).map_err(|e| PayError::Malformed(e.to_string()))?;
        v["batch_id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| PayError::Malformed("no batch_id".into()))
    }

    /// The state of the single transfer of a batch.
    pub async fn transfer_detail(
        &self,
        out_batch_no: &str,
        now: i64,
    ) -> Result<TransferDetail, PayError> {
        let path = format!(
            "/v3/transfer/batches/out-batch-no/{out_batch_no}/details/out-detail-no/{out_batch_no}D1"
        );
        let (_, bytes) = self.call(reqwest::Method::GET, &path, None, now).await?;
        let d: TransferDetail =
            serde_json::from_slice(&bytes).map_err(|e| PayError::Malformed(e.to_string()))?;
        if d.out_batch_no != out_batch_no {
            return Err(PayError::Malformed("detail of another batch".into()));
        }
        Ok(d)
    }

    /// Downloads the trade bill (`bill_type=ALL`) of a day as CSV text; the
    /// file's SHA-1 must match the hash WeChat Pay announced.
    pub async fn trade_bill(&self, date: chrono::NaiveDate, now: i64) -> Result<String, PayError> {
        let path = format!(
            "/v3/bill/tradebill?bill_date={}&bill_type=ALL",
            date.format("%Y-%m-%d")
        );
        self.download_bill(&path, now).await
    }

    /// Asks for a bill's download address at `path`, downloads it (signed
    /// like any call) and checks it against the hash WeChat Pay signed.
    pub(super) async fn download_bill(&self, path: &str, now: i64) -> Result<String, PayError> {
        let (_, bytes) = self.call(reqwest::Method::GET, path, None, now).await?;
        let v: Value =
            serde_json::from_slice(&bytes).map_err(|e| PayError::Malformed(e.to_string()))?;
        let (Some(url), Some(hash)) = (v["download_url"].as_str(), v["hash_value"].as_str()) else {
            return Err(PayError::Malformed("no download_url or hash".into()));
        };
        if v["hash_type"] != "SHA1" {
            return Err(PayError::Malformed("unknown hash type".into()));
        }
        let parsed = reqwest::Url::parse(url).map_err(|e| PayError::Malformed(e.to_string()))?;
        let signed_path = match parsed.query() {
            Some(q) => format!("{}?{q}", parsed.path()),
            None => parsed.path().to_owned(),
        };
        let nonce = nonce();
        let auth = authorization(
            &self.key,
            &self.mchid,
            &self.serial,
            "GET",
            &signed_path,
            now,
            &nonce,
            "",
        )
        .map_err(|e| PayError::Malformed(e.to_string()))?;
        // The file itself is not signed; its hash is, in the answer above.
        let resp = self
            .http
            .get(parsed)
            .header("authorization", auth)
            .header("user-agent", "tongcheng/0.1")
            .send()
            .await
            .map_err(|_| PayError::Unavailable("bill download failed".into()))?;
        if !resp.status().is_success() {
            return Err(PayError::Unavailable(format!(
                "bill download HTTP {}",
                resp.status().as_u16()
            )));
        }
        let file = resp
            .bytes()
            .await
            .map_err(|_| PayError::Unavailable("bill body".into()))?;
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &file);
        if !hex::encode(digest.as_ref()).eq_ignore_ascii_case(hash) {
            return Err(PayError::Unverified);
        }
        String::from_utf8(file.to_vec()).map_err(|e| PayError::Malformed(e.to_string()))
    }

    /// The mini-program appid payments and transfers are made for.
    pub fn appid(&self) -> &str {
        &self.appid
    }

    /// Verifies and decrypts a merchant-transfer batch notification.
    pub fn parse_transfer_notification(
        &self,
        headers: &NotificationHeaders,
        body: &[u8],
        now: i64,
    ) -> Result<TransferBatchResult, PayError> {
        let plain = self.open_notification(headers, body, now)?;
        let r: TransferBatchResult =
            serde_json::from_slice(&plain).map_err(|e| PayError::Malformed(e.to_string()))?;
        if r.mchid != self.mchid {
            return Err(PayError::Malformed(
                "notification for another merchant".into(),
            ));
        }
        Ok(r)
    }

    /// Verifies and decrypts a refund notification.
    pub fn parse_refund_notification(
        &self,
        headers: &NotificationHeaders,
        body: &[u8],
        now: i64,
    ) -> Result<RefundResult, PayError> {
        let plain = self.open_notification(headers, body, now)?;
        let r: RefundResult =
            serde_json::from_slice(&plain).map_err(|e| PayError::Malformed(e.to_string()))?;
        let mine = if self.partner {
            r.sp_mchid == self.mchid && r.sub_mchid.as_deref().is_some_and(|s| !s.is_empty())
        } else {
            r.mchid == self.mchid
        };
        if !mine {
            return Err(PayError::Malformed(
                "notification for another merchant".into(),
            ));
        }
        Ok(r)
    }

    pub(super) fn open_notification(
        &self,
        headers: &NotificationHeaders,
        body: &[u8],
        now: i64,
    ) -> Result<Vec<u8>, PayError> {
        self.platform
            .verify(
                &headers.serial,
                &headers.timestamp,
                &headers.nonce,
                body,
                &headers.signature,
                now,
            )
            .map_err(|_| PayError::Unverified)?;
        let v: Value =
            serde_json::from_slice(body).map_err(|e| PayError::Malformed(e.to_string()))?;
        let r = &v["resource"];
        if r["algorithm"] != "AEAD_AES_256_GCM" {
            return Err(PayError::Malformed("unsupported algorithm".into()));
        }
        decrypt_resource(
            &self.apiv3_key,
            r["nonce"].as_str().unwrap_or(""),
            r["associated_data"].as_str().unwrap_or(""),
            r["ciphertext"].as_str().unwrap_or(""),
        )
        .map_err(|_| PayError::Unverified)
    }

    /// The `wx.requestPayment` parameters for a prepay id.
    pub fn request_payment(
        &self,
        prepay_id: &str,
        now: i64,
    ) -> Result<RequestPayment, CryptoError> {
        let nonce = nonce();
        let package = format!("prepay_id={prepay_id}");
        Ok(RequestPayment {
            pay_sign: pay_sign(&self.key, &self.appid, now, &nonce, &package)?,
            app_id: self.appid.clone(),
            time_stamp: now.to_string(),
            nonce_str: nonce,
            package,
            sign_type: "RSA",
        })
    }

    /// Verifies and decrypts a payment notification, and checks it is for
    /// this merchant and mini-program (in partner mode: this service
    /// provider, and some sub-merchant, which the caller compares with the
    /// payment's).
    pub fn parse_payment_notification(
        &self,
        headers: &NotificationHeaders,
        body: &[u8],
        now: i64,
    ) -> Result<Transaction, PayError> {
        let plain = self.open_notification(headers, body, now)?;
        let t: Transaction =
            serde_json::from_slice(&plain).map_err(|e| PayError::Malformed(e.to_string()))?;
        let app = if self.partner { &t.sp_appid } else { &t.appid };
        if !self.is_mine(&t, None) || app != &self.appid {
            return Err(PayError::Malformed(
                "notification for another merchant or app".into(),
            ));
        }
        Ok(t)
    }
}

/// The signature headers of a notification.
#[derive(Debug, Clone, Default)]
pub struct NotificationHeaders {
    /// `Wechatpay-Timestamp`.
    pub timestamp: String,
    /// `Wechatpay-Nonce`.
    pub nonce: String,
    /// `Wechatpay-Signature`.
    pub signature: String,
    /// `Wechatpay-Serial`.
    pub serial: String,
}
