//! The fake's profit sharing (分账) for a service provider, as the partner
//! documentation describes it: receivers are added per sub-merchant (a
//! merchant receiver's name encrypted with the WeChat Pay public key,
//! named in `Wechatpay-Serial`); a sharing order may only pay added
//! receivers, only out of a paid order of that sub-merchant, within the
//! sharing limit and what is still unsplit; its number is re-entrant; it
//! stays `PROCESSING` until the test settles it; its query answers every
//! receiver's result. Returns of a merchant receiver's part are in
//! [`super::returns`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OaepPrivateDecryptingKey, PrivateDecryptingKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use super::partner::SharedBook;
use super::{
    Keys, PLATFORM_KEY_ID, SP_MCHID, auth_field, authorized, query_param, refuse, sign_error,
    signed_response,
};

/// A sharing order as the fake keeps it.
#[derive(Debug, Clone)]
pub struct FakeShare {
    /// The sub-merchant whose money is shared.
    pub sub_mchid: String,
    /// The payment.
    pub transaction_id: String,
    /// WeChat Pay's id.
    pub order_id: String,
    /// `PROCESSING` or `FINISHED`.
    pub state: String,
    /// (type, account, amount, result, fail_reason).
    pub receivers: Vec<(String, String, i64, String, Option<String>)>,
    /// The request body, to compare a repeat with.
    pub body: Value,
}

/// What the sharing side of the fake knows.
#[derive(Debug, Default)]
pub struct SharingBook {
    /// (sub_mchid, type, account) → the decrypted name, if one was given.
    pub receivers: HashMap<(String, String, String), Option<String>>,
    /// out_order_no → the sharing order.
    pub orders: HashMap<String, FakeShare>,
    /// Sharing limit per sub-merchant in basis points (default 3,000).
    pub max_bp: HashMap<String, i64>,
    /// Answers of accepted sharing orders to lose (500) next.
    pub lose_answers: usize,
    /// Receiver additions to refuse (500, nothing stored) next.
    pub fail_receiver_adds: usize,
    /// Answers of receiver additions to lose (stored, then 500) next.
    pub lose_receiver_answers: usize,
    /// Sharing order queries to fail (500) next.
    pub fail_queries: usize,
    /// out_return_no → the return of a receiver's part.
    pub returns: HashMap<String, FakeReturn>,
    /// The sub-merchants' available balance: what sharing unfroze to
    /// them and returns gave back, less refunds paid out of it and what
    /// they withdrew.
    pub balance: HashMap<String, i64>,
}

/// A return (分账回退) as the fake keeps it.
#[derive(Debug, Clone)]
pub struct FakeReturn {
    /// The sub-merchant the money goes back to.
    pub sub_mchid: String,
    /// The sharing order it came from.
    pub out_order_no: String,
    /// The merchant receiver that gives it back.
    pub return_mchid: String,
    /// Fen.
    pub amount: i64,
    /// `SUCCESS` (the fake settles returns at once).
    pub result: String,
    /// The request body, to compare a repeat with.
    pub body: Value,
}

impl SharingBook {
    /// Whether a payment was shared and what was left unfrozen to its
    /// sub-merchant (its refunds are then paid from the balance).
    pub fn finished(&self, transaction_id: &str) -> bool {
        self.orders
            .values()
            .any(|s| s.transaction_id == transaction_id && s.state == "FINISHED")
    }
}

pub(super) type Shared = Arc<Mutex<SharingBook>>;

fn answer(no: &str, s: &FakeShare) -> Value {
    json!({
        "sub_mchid": s.sub_mchid,
        "transaction_id": s.transaction_id,
        "out_order_no": no,
        "order_id": s.order_id,
        "state": s.state,
        "receivers": s.receivers.iter().map(|(t, a, amount, result, reason)| {
            let mut r = json!({"type": t, "account": a, "amount": amount, "result": result,
                "description": "分账", "detail_id": format!("3600{no}{a}"),
                "create_time": "2026-11-24T10:00:00+08:00"});
            if let Some(reason) = reason { r["fail_reason"] = json!(reason); }
            r
        }).collect::<Vec<_>>(),
    })
}

/// `POST /v3/profitsharing/receivers/add`, `POST /v3/profitsharing/orders`,
/// `POST …/orders/unfreeze` and `GET …/orders/{out_order_no}`.
pub(super) struct Sharing {
    pub keys: Arc<Keys>,
    pub platform_pkcs8: Vec<u8>,
    pub partner: SharedBook,
    pub paid: Arc<Mutex<HashMap<String, i64>>>,
    pub refunded: super::RefundBook,
    pub book: Shared,
}

impl Sharing {
    fn decrypt(&self, b64: &str) -> Option<String> {
        let key = PrivateDecryptingKey::from_pkcs8(&self.platform_pkcs8).ok()?;
        let key = OaepPrivateDecryptingKey::new(key).ok()?;
        let sealed = STANDARD.decode(b64).ok()?;
        let mut out = vec![0u8; key.min_output_size()];
        let plain = key
            .decrypt(&OAEP_SHA1_MGF1SHA1, &sealed, &mut out, None)
            .ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }

    /// The partner order behind a transaction id and its paid total.
    fn paid_order(&self, sub: &str, transaction_id: &str) -> Option<(String, i64)> {
        let no = transaction_id.strip_prefix("4200")?.to_owned();
        let ok = super::partner::sub_of(&self.partner, &no).as_deref() == Some(sub);
        let total = self.paid.lock().ok()?.get(&no).copied()?;
        ok.then_some((no, total))
    }

    fn add_receiver(&self, req: &Request, body: &Value) -> ResponseTemplate {
        if let Ok(mut b) = self.book.lock()
            && b.fail_receiver_adds > 0
        {
            b.fail_receiver_adds -= 1;
            return refuse(&self.keys, req, 500, "SYSTEM_ERROR", "系统错误");
        }
        let text = |k: &str| body[k].as_str().unwrap_or("").to_owned();
        let (sub, kind, account) = (text("sub_mchid"), text("type"), text("account"));
        if !["MERCHANT_ID", "PERSONAL_OPENID"].contains(&kind.as_str()) || account.is_empty() {
            return refuse(&self.keys, req, 400, "PARAM_ERROR", "接收方类型或账号错误");
        }
        if text("relation_type").is_empty() {
            return refuse(
                &self.keys,
                req,
                400,
                "PARAM_ERROR",
                "缺少参数 relation_type",
            );
        }
        let name = match body["name"].as_str() {
            Some(sealed) => {
                let serial = req
                    .headers
                    .get("wechatpay-serial")
                    .and_then(|v| v.to_str().ok());
                if serial != Some(PLATFORM_KEY_ID) {
                    return refuse(&self.keys, req, 400, "PARAM_ERROR", "Wechatpay-Serial 错误");
                }
                match self.decrypt(sealed) {
                    Some(n) if !n.is_empty() => Some(n),
                    _ => return refuse(&self.keys, req, 400, "PARAM_ERROR", "name 解密失败"),
                }
            }
            None => None,
        };
        if kind == "MERCHANT_ID" && name.is_none() {
            return refuse(&self.keys, req, 400, "PARAM_ERROR", "商户接收方须填写 name");
        }
        if let Ok(mut b) = self.book.lock() {
            b.receivers
                .insert((sub.clone(), kind.clone(), account.clone()), name);
            if b.lose_receiver_answers > 0 {
                b.lose_receiver_answers -= 1;
                return refuse(&self.keys, req, 500, "SYSTEM_ERROR", "系统错误");
            }
        }
        signed_response(
            &self.keys,
            req,
            200,
            &json!({"sub_mchid": sub, "type": kind, "account": account, "relation_type": body["relation_type"]}),
        )
    }

    fn create(&self, req: &Request, body: &Value, unfreeze: bool) -> ResponseTemplate {
        let text = |k: &str| body[k].as_str().unwrap_or("").to_owned();
        let (sub, tx, no) = (
            text("sub_mchid"),
            text("transaction_id"),
            text("out_order_no"),
        );
        let Ok(mut book) = self.book.lock() else {
            return ResponseTemplate::new(500);
        };
        if let Some(s) = book.orders.get(&no) {
            if s.body != *body {
                return refuse(
                    &self.keys,
                    req,
                    400,
                    "INVALID_REQUEST",
                    "商户分账单号已存在且参数不一致",
                );
            }
            let a = answer(&no, s);
            return signed_response(&self.keys, req, 200, &a);
        }
        let Some((trade, total)) = self.paid_order(&sub, &tx) else {
            return refuse(&self.keys, req, 404, "RESOURCE_NOT_EXISTS", "订单不存在");
        };
        if book
            .orders
            .values()
            .any(|s| s.transaction_id == tx && s.state == "FINISHED")
        {
            return refuse(
                &self.keys,
                req,
                400,
                "INVALID_REQUEST",
                "订单已解冻，不能再分账",
            );
        }
        let refunded = super::refunded_of(&self.refunded, &trade);
        let mut receivers = Vec::new();
        if !unfreeze {
            if body["unfreeze_unsplit"] != true {
                return refuse(
                    &self.keys,
                    req,
                    400,
                    "PARAM_ERROR",
                    "缺少参数 unfreeze_unsplit",
                );
            }
            for r in body["receivers"].as_array().cloned().unwrap_or_default() {
                let (t, a) = (
                    r["type"].as_str().unwrap_or("").to_owned(),
                    r["account"].as_str().unwrap_or("").to_owned(),
                );
                let amount = r["amount"].as_i64().unwrap_or(0);
                if amount <= 0 {
                    return refuse(&self.keys, req, 400, "PARAM_ERROR", "分账金额必须大于0");
                }
                if !book
                    .receivers
                    .contains_key(&(sub.clone(), t.clone(), a.clone()))
                {
                    return refuse(
                        &self.keys,
                        req,
                        400,
                        "INVALID_REQUEST",
                        "分账接收方不存在，请先添加",
                    );
                }
                if t == "PERSONAL_OPENID" && text("appid").is_empty() {
                    return refuse(&self.keys, req, 400, "PARAM_ERROR", "缺少参数 appid");
                }
                receivers.push((t, a, amount, "PENDING".to_owned(), None));
            }
            let shared: i64 = receivers.iter().map(|r| r.2).sum();
            let max_bp = book.max_bp.get(&sub).copied().unwrap_or(3_000);
            if shared > total * max_bp / 10_000 {
                return refuse(
                    &self.keys,
                    req,
                    400,
                    "INVALID_REQUEST",
                    "分账金额超出最大分账比例",
                );
            }
            if shared > total - refunded {
                return refuse(&self.keys, req, 403, "NOT_ENOUGH", "分账金额不足");
            }
        }
        let share = FakeShare {
            sub_mchid: sub,
            transaction_id: tx,
            order_id: format!("3008450740201411110007820472{}", book.orders.len()),
            state: if unfreeze { "FINISHED" } else { "PROCESSING" }.into(),
            receivers,
            body: body.clone(),
        };
        let a = answer(&no, &share);
        if unfreeze {
            *book.balance.entry(share.sub_mchid.clone()).or_default() += total - refunded;
        }
        book.orders.insert(no, share);
        if book.lose_answers > 0 {
            book.lose_answers -= 1;
            return refuse(&self.keys, req, 500, "SYSTEM_ERROR", "系统错误");
        }
        signed_response(&self.keys, req, 200, &a)
    }

    fn query(&self, req: &Request) -> ResponseTemplate {
        if let Ok(mut b) = self.book.lock()
            && b.fail_queries > 0
        {
            b.fail_queries -= 1;
            return refuse(&self.keys, req, 500, "SYSTEM_ERROR", "系统错误");
        }
        let q = |k: &str| query_param(req, k);
        let no = req.url.path().rsplit('/').next().unwrap_or("").to_owned();
        let found = self
            .book
            .lock()
            .ok()
            .and_then(|b| b.orders.get(&no).cloned());
        match found {
            Some(s) if s.sub_mchid == q("sub_mchid") && s.transaction_id == q("transaction_id") => {
                signed_response(&self.keys, req, 200, &answer(&no, &s))
            }
            _ => refuse(&self.keys, req, 404, "RESOURCE_NOT_EXISTS", "记录不存在"),
        }
    }
}

impl Respond for Sharing {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if !authorized(&self.keys, req) {
            return sign_error(&self.keys, req);
        }
        if auth_field(req, "mchid").as_deref() != Some(SP_MCHID) {
            return refuse(&self.keys, req, 403, "NO_AUTH", "无分账权限");
        }
        if req.method.as_str() == "GET" {
            return if req
                .url
                .path()
                .starts_with("/v3/profitsharing/return-orders/")
            {
                self.query_return(req)
            } else {
                self.query(req)
            };
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let sub = body["sub_mchid"].as_str().unwrap_or("").to_owned();
        let bound = self
            .partner
            .lock()
            .map(|b| b.bound.contains(&sub))
            .unwrap_or(false);
        if !bound {
            return refuse(&self.keys, req, 400, "INVALID_REQUEST", "受理关系不存在");
        }
        match req.url.path() {
            "/v3/profitsharing/receivers/add" => self.add_receiver(req, &body),
            "/v3/profitsharing/orders" => self.create(req, &body, false),
            "/v3/profitsharing/orders/unfreeze" => self.create(req, &body, true),
            "/v3/profitsharing/return-orders" => self.create_return(req, &body),
            _ => ResponseTemplate::new(404),
        }
    }
}

/// Settles a sharing order: every receiver succeeds except `closed`
/// accounts (closed with `reason`), and the rest of the payment (`held`
/// fen still frozen) is unfrozen to the sub-merchant's balance.
pub(super) fn finish(book: &Shared, out_order_no: &str, closed: &[&str], reason: &str, held: i64) {
    if let Ok(mut b) = book.lock()
        && let Some(s) = b.orders.get_mut(out_order_no)
        && s.state != "FINISHED"
    {
        s.state = "FINISHED".into();
        let mut shared = 0;
        for r in &mut s.receivers {
            if closed.contains(&r.1.as_str()) {
                r.3 = "CLOSED".into();
                r.4 = Some(reason.to_owned());
            } else {
                r.3 = "SUCCESS".into();
                shared += r.2;
            }
        }
        let sub = s.sub_mchid.clone();
        *b.balance.entry(sub).or_default() += held - shared;
    }
}

/// The sharing bill of everything in the book: a line per successful
/// receiver and per return, values after a backtick, then the summary.
pub(super) fn bill_csv(book: &Shared) -> String {
    let yuan = |fen: i64| format!("{}.{:02}", fen / 100, fen % 100);
    let mut out = String::from(
        "分账发起时间,分账发起方,分账方,分账接收方,微信订单号,微信分账/回退单号,分账明细单号,商户分账/回退单号,分账金额(元),业务类型,处理状态,动账说明,备注\n",
    );
    let (mut shared, mut returned, mut n) = (0, 0, 0);
    if let Ok(b) = book.lock() {
        let mut orders: Vec<_> = b.orders.iter().collect();
        orders.sort_by(|a, b| a.0.cmp(b.0));
        for (no, s) in orders {
            for r in s.receivers.iter().filter(|r| r.3 == "SUCCESS") {
                out.push_str(&format!(
                    "`2026-11-24 10:00:00,`{SP_MCHID},`{},`{},`{},`{},`3600{no}{},`{no},`{},`分账,`成功,`分账,`\n",
                    s.sub_mchid, r.1, s.transaction_id, s.order_id, r.1, yuan(r.2)
                ));
                shared += r.2;
                n += 1;
            }
        }
        let mut returns: Vec<_> = b.returns.iter().collect();
        returns.sort_by(|a, b| a.0.cmp(b.0));
        for (no, r) in returns {
            out.push_str(&format!(
                "`2026-11-24 10:00:00,`{SP_MCHID},`{},`{},`,`,`,`{no},`{},`回退,`成功,`回退,`\n",
                r.sub_mchid,
                r.return_mchid,
                yuan(r.amount)
            ));
            returned += r.amount;
            n += 1;
        }
    }
    out.push_str("总笔数,分账总金额(元),回退总金额(元)\n");
    out.push_str(&format!("`{n},`{},`{}\n", yuan(shared), yuan(returned)));
    out
}
