//! Profit sharing (分账) for a service provider, as WeChat Pay's partner
//! documentation describes it: receivers are added for a sub-merchant
//! (`/v3/profitsharing/receivers/add`, a merchant receiver's name
//! encrypted with the WeChat Pay public key), a sharing order splits a
//! payment and unfreezes the rest (`/v3/profitsharing/orders`,
//! `unfreeze_unsplit`), its query gives every receiver's result, and the
//! movement notification (`PROFITSHARING.SUCCESS`) says that one moved.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::{NotificationHeaders, PayError, WechatPay};

/// A receiver as WeChat Pay knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receiver<'a> {
    /// `MERCHANT_ID` or `PERSONAL_OPENID`.
    pub kind: &'a str,
    /// The merchant number, or the openid under this client's appid.
    pub account: &'a str,
    /// A merchant receiver's registered name (sent encrypted).
    pub name: Option<&'a str>,
    /// `SERVICE_PROVIDER`, `CUSTOM`, …
    pub relation: &'a str,
    /// What `CUSTOM` means.
    pub custom_relation: Option<&'a str>,
}

/// One part of a sharing order to send.
#[derive(Debug, Clone, Serialize)]
pub struct SharePart {
    /// `MERCHANT_ID` or `PERSONAL_OPENID`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The receiver's account.
    pub account: String,
    /// Fen.
    pub amount: i64,
    /// Shown to the receiver (at most 80 characters).
    pub description: String,
}

/// A receiver's line in a sharing order's answer.
#[derive(Debug, Clone, Deserialize)]
pub struct ShareResult {
    /// `MERCHANT_ID` or `PERSONAL_OPENID`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The receiver's account.
    pub account: String,
    /// Fen.
    pub amount: i64,
    /// `PENDING`, `SUCCESS` or `CLOSED`.
    pub result: String,
    /// Why it was closed.
    #[serde(default)]
    pub fail_reason: Option<String>,
    /// WeChat Pay's detail id.
    #[serde(default)]
    pub detail_id: Option<String>,
}

/// A sharing order as WeChat Pay answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct SharingOrder {
    /// The sub-merchant whose money is shared.
    #[serde(default)]
    pub sub_mchid: String,
    /// The payment.
    pub transaction_id: String,
    /// Our number.
    pub out_order_no: String,
    /// WeChat Pay's.
    pub order_id: String,
    /// `PROCESSING` or `FINISHED`.
    pub state: String,
    /// The receivers' lines.
    #[serde(default)]
    pub receivers: Vec<ShareResult>,
}

/// A return of a receiver's part (分账回退) as WeChat Pay answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct ShareReturn {
    /// Our return number.
    pub out_return_no: String,
    /// WeChat Pay's return number.
    #[serde(default)]
    pub return_id: String,
    /// Fen returned.
    pub amount: i64,
    /// `PROCESSING`, `SUCCESS` or `FAILED`.
    pub result: String,
    /// Why it failed.
    #[serde(default)]
    pub fail_reason: Option<String>,
}

/// A sharing movement notification's resource.
#[derive(Debug, Clone, Deserialize)]
pub struct SharingNotice {
    /// The service provider.
    #[serde(default)]
    pub sp_mchid: String,
    /// The sub-merchant whose money moved.
    #[serde(default)]
    pub sub_mchid: String,
    /// The payment.
    pub transaction_id: String,
    /// WeChat Pay's sharing order id.
    #[serde(default)]
    pub order_id: String,
    /// Our sharing order number.
    pub out_order_no: String,
}

impl WechatPay {
    /// Adds a receiver for a sub-merchant. Adding one that exists is
    /// answered like the first time.
    pub async fn add_receiver(
        &self,
        sub_mchid: &str,
        r: &Receiver<'_>,
        now: i64,
    ) -> Result<(), PayError> {
        let sub = self.sub(Some(sub_mchid))?.unwrap_or(sub_mchid);
        let mut body = json!({
            "sub_mchid": sub,
            "appid": self.appid(),
            "type": r.kind,
            "account": r.account,
            "relation_type": r.relation,
        });
        if let Some(c) = r.custom_relation {
            body["custom_relation"] = json!(c);
        }
        let sensitive = r.name.is_some();
        if let Some(name) = r.name {
            body["name"] = json!(
                self.platform
                    .encrypt_sensitive(name)
                    .map_err(|e| PayError::Malformed(e.to_string()))?
            );
        }
        self.call_with(
            reqwest::Method::POST,
            "/v3/profitsharing/receivers/add",
            Some(&body),
            now,
            sensitive,
        )
        .await
        .map(|_| ())
    }

    /// Asks for a sharing order that splits `parts` off the payment and
    /// unfreezes the rest to the sub-merchant. Repeating an `out_order_no`
    /// is answered as the first time.
    pub async fn share(
        &self,
        sub_mchid: &str,
        transaction_id: &str,
        out_order_no: &str,
        parts: &[SharePart],
        now: i64,
    ) -> Result<SharingOrder, PayError> {
        let body = json!({
            "sub_mchid": sub_mchid,
            "appid": self.appid(),
            "transaction_id": transaction_id,
            "out_order_no": out_order_no,
            "receivers": parts,
            "unfreeze_unsplit": true,
        });
        self.sharing_answer(
            reqwest::Method::POST,
            "/v3/profitsharing/orders",
            Some(&body),
            out_order_no,
            now,
        )
        .await
    }

    /// Unfreezes a payment's money to its sub-merchant without sharing
    /// (nothing was due to anyone else).
    pub async fn unfreeze(
        &self,
        sub_mchid: &str,
        transaction_id: &str,
        out_order_no: &str,
        now: i64,
    ) -> Result<SharingOrder, PayError> {
        let body = json!({
            "sub_mchid": sub_mchid,
            "transaction_id": transaction_id,
            "out_order_no": out_order_no,
            "description": "解冻全部剩余资金",
        });
        self.sharing_answer(
            reqwest::Method::POST,
            "/v3/profitsharing/orders/unfreeze",
            Some(&body),
            out_order_no,
            now,
        )
        .await
    }

    /// A sharing order's state and its receivers' results.
    pub async fn query_share(
        &self,
        sub_mchid: &str,
        transaction_id: &str,
        out_order_no: &str,
        now: i64,
    ) -> Result<SharingOrder, PayError> {
        let path = format!(
            "/v3/profitsharing/orders/{out_order_no}?sub_mchid={sub_mchid}&transaction_id={transaction_id}"
        );
        self.sharing_answer(reqwest::Method::GET, &path, None, out_order_no, now)
            .await
    }

    /// Returns part of what a sharing order gave a merchant receiver
    /// (`return_mchid`) to the sub-merchant, before a refund. Repeating an
    /// `out_return_no` is answered as the first time; a `PROCESSING`
    /// return is asked again with the same number.
    #[allow(clippy::too_many_arguments)]
    pub async fn return_share(
        &self,
        sub_mchid: &str,
        out_order_no: &str,
        out_return_no: &str,
        return_mchid: &str,
        amount: i64,
        description: &str,
        now: i64,
    ) -> Result<ShareReturn, PayError> {
        let body = json!({
            "sub_mchid": sub_mchid,
            "out_order_no": out_order_no,
            "out_return_no": out_return_no,
            "return_mchid": return_mchid,
            "amount": amount,
            "description": description,
        });
        let (_, bytes) = self
            .call_with(
                reqwest::Method::POST,
                "/v3/profitsharing/return-orders",
                Some(&body),
                now,
                false,
            )
            .await?;
        let r: ShareReturn =
            serde_json::from_slice(&bytes).map_err(|e| PayError::Malformed(e.to_string()))?;
        if r.out_return_no != out_return_no {
            return Err(PayError::Malformed("answer for another return".into()));
        }
        Ok(r)
    }

    /// The day's profit-sharing bill of every sub-merchant (a CSV of
    /// successful sharing, return and unfreeze movements).
    pub async fn sharing_bill(
        &self,
        date: chrono::NaiveDate,
        now: i64,
    ) -> Result<String, PayError> {
        let path = format!(
            "/v3/profitsharing/bills?bill_date={}",
            date.format("%Y-%m-%d")
        );
        self.download_bill(&path, now).await
    }

    async fn sharing_answer(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        out_order_no: &str,
        now: i64,
    ) -> Result<SharingOrder, PayError> {
        let (_, bytes) = self.call_with(method, path, body, now, false).await?;
        let o: SharingOrder =
            serde_json::from_slice(&bytes).map_err(|e| PayError::Malformed(e.to_string()))?;
        if o.out_order_no != out_order_no {
            return Err(PayError::Malformed(
                "answer for another sharing order".into(),
            ));
        }
        Ok(o)
    }

    /// Verifies and decrypts a sharing movement notification, and checks
    /// it is this service provider's.
    pub fn parse_sharing_notification(
        &self,
        headers: &NotificationHeaders,
        body: &[u8],
        now: i64,
    ) -> Result<SharingNotice, PayError> {
        let plain = self.open_notification(headers, body, now)?;
        let n: SharingNotice =
            serde_json::from_slice(&plain).map_err(|e| PayError::Malformed(e.to_string()))?;
        if !self.is_partner() || n.sp_mchid != self.mchid() || n.sub_mchid.is_empty() {
            return Err(PayError::Malformed(
                "notification for another merchant".into(),
            ));
        }
        Ok(n)
    }
}
