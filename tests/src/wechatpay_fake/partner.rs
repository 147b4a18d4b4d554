//! The fake's partner mode (服务商模式): a service provider `SP_MCHID`
//! orders for the sub-merchants bound to it (`/v3/pay/partner/…`), as the
//! partner JSAPI, query and close documentation describes.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use super::{
    Keys, SP_MCHID, auth_field, authorized, query_param, refuse, sign_error, signed_response,
};

/// What the service provider knows: its bound sub-merchants, and each
/// partner order's sub-merchant, appid and payer.
#[derive(Debug, Default)]
pub(super) struct PartnerBook {
    /// Sub-merchants bound to the service provider (受理关系).
    pub bound: HashSet<String>,
    /// out_trade_no → (sub_mchid, sp_appid).
    pub orders: HashMap<String, (String, String)>,
}

pub(super) type SharedBook = Arc<Mutex<PartnerBook>>;

/// `POST /v3/pay/partner/transactions/jsapi`.
pub(super) struct PartnerJsapi {
    pub keys: Arc<Keys>,
    pub seen: Arc<Mutex<Vec<Value>>>,
    pub book: SharedBook,
}

impl Respond for PartnerJsapi {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if !authorized(&self.keys, req) {
            return sign_error(&self.keys, req);
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let text = |k: &str| body[k].as_str().unwrap_or("").to_owned();
        if auth_field(req, "mchid").as_deref() != Some(SP_MCHID) || text("sp_mchid") != SP_MCHID {
            return refuse(
                &self.keys,
                req,
                400,
                "PARAM_ERROR",
                "sp_mchid与请求方不一致",
            );
        }
        for field in [
            "sp_appid",
            "sub_mchid",
            "description",
            "out_trade_no",
            "notify_url",
        ] {
            if text(field).is_empty() {
                return refuse(
                    &self.keys,
                    req,
                    400,
                    "PARAM_ERROR",
                    &format!("缺少参数 {field}"),
                );
            }
        }
        if body["payer"]["sp_openid"].as_str().unwrap_or("").is_empty() {
            return refuse(
                &self.keys,
                req,
                400,
                "PARAM_ERROR",
                "缺少参数 payer.sp_openid",
            );
        }
        let Ok(mut book) = self.book.lock() else {
            return ResponseTemplate::new(500);
        };
        if !book.bound.contains(&text("sub_mchid")) {
            return refuse(&self.keys, req, 400, "INVALID_REQUEST", "受理关系不存在");
        }
        if let Ok(mut s) = self.seen.lock() {
            s.push(body.clone());
        }
        let no = text("out_trade_no");
        book.orders
            .insert(no.clone(), (text("sub_mchid"), text("sp_appid")));
        signed_response(
            &self.keys,
            req,
            200,
            &json!({"prepay_id": format!("wx{no}")}),
        )
    }
}

/// `GET /v3/pay/partner/transactions/out-trade-no/{no}?sp_mchid=…&sub_mchid=…`.
pub(super) struct PartnerQuery {
    pub keys: Arc<Keys>,
    pub paid: Arc<Mutex<HashMap<String, i64>>>,
    pub book: SharedBook,
}

impl Respond for PartnerQuery {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if !authorized(&self.keys, req) {
            return sign_error(&self.keys, req);
        }
        let query = |k: &str| query_param(req, k);
        let no = req.url.path().rsplit('/').next().unwrap_or("").to_owned();
        let order = self
            .book
            .lock()
            .ok()
            .and_then(|b| b.orders.get(&no).cloned());
        let Some((sub, sp_appid)) = order.filter(|(sub, _)| *sub == query("sub_mchid")) else {
            return refuse(&self.keys, req, 404, "ORDER_NOT_EXIST", "订单不存在");
        };
        if query("sp_mchid") != SP_MCHID {
            return refuse(
                &self.keys,
                req,
                400,
                "PARAM_ERROR",
                "sp_mchid与请求方不一致",
            );
        }
        let paid = self.paid.lock().ok().and_then(|p| p.get(&no).copied());
        let mut body = json!({
            "sp_appid": sp_appid, "sp_mchid": SP_MCHID, "sub_mchid": sub,
            "out_trade_no": no, "trade_state": "NOTPAY", "trade_state_desc": "订单未支付",
        });
        if let Some(total) = paid {
            body["trade_state"] = json!("SUCCESS");
            body["trade_state_desc"] = json!("支付成功");
            body["transaction_id"] = json!(format!("4200{no}"));
            body["amount"] = json!({"total": total, "payer_total": total, "currency": "CNY"});
        }
        signed_response(&self.keys, req, 200, &body)
    }
}

/// The sub-merchant a partner order was made for, if it is one.
pub(super) fn sub_of(book: &SharedBook, out_trade_no: &str) -> Option<String> {
    book.lock()
        .ok()
        .and_then(|b| b.orders.get(out_trade_no).map(|(sub, _)| sub.clone()))
}
