//! The fake's returns of shared money (分账回退), as the partner
//! documentation describes `POST /v3/profitsharing/return-orders` and
//! its query: only what a sharing order gave a merchant receiver, in
//! total at most that, goes back to the sub-merchant it came from; a
//! return number sent again is answered as the first time (with another
//! body it is refused). The money lands in the sub-merchant's balance,
//! out of which refunds of a shared payment are paid.

use serde_json::{Value, json};
use wiremock::{Request, ResponseTemplate};

use super::sharing::{FakeReturn, Sharing};
use super::{query_param, refuse, signed_response};

fn answer(no: &str, r: &FakeReturn, order_id: &str) -> Value {
    json!({
        "sub_mchid": r.sub_mchid,
        "order_id": order_id,
        "out_order_no": r.out_order_no,
        "out_return_no": no,
        "return_id": format!("3008450740201411110007820473{no}"),
        "return_mchid": r.return_mchid,
        "amount": r.amount,
        "description": r.body["description"],
        "result": r.result,
        "create_time": "2026-11-24T10:00:00+08:00",
        "finish_time": "2026-11-24T10:00:01+08:00",
    })
}

impl Sharing {
    /// `POST /v3/profitsharing/return-orders`.
    pub(super) fn create_return(&self, req: &Request, body: &Value) -> ResponseTemplate {
        let text = |k: &str| body[k].as_str().unwrap_or("").to_owned();
        let (sub, order_no, no, mchid) = (
            text("sub_mchid"),
            text("out_order_no"),
            text("out_return_no"),
            text("return_mchid"),
        );
        let amount = body["amount"].as_i64().unwrap_or(0);
        if no.is_empty() || mchid.is_empty() || text("description").is_empty() || amount <= 0 {
            return refuse(&self.keys, req, 400, "PARAM_ERROR", "参数错误");
        }
        let Ok(mut book) = self.book.lock() else {
            return ResponseTemplate::new(500);
        };
        let Some(order) = book
            .orders
            .get(&order_no)
            .filter(|o| o.sub_mchid == sub)
            .cloned()
        else {
            return refuse(&self.keys, req, 404, "RESOURCE_NOT_EXISTS", "分账单不存在");
        };
        if let Some(r) = book.returns.get(&no) {
            if r.body != *body {
                return refuse(
                    &self.keys,
                    req,
                    400,
                    "INVALID_REQUEST",
                    "商户回退单号已存在且参数不一致",
                );
            }
            return signed_response(&self.keys, req, 200, &answer(&no, r, &order.order_id));
        }
        let given: i64 = order
            .receivers
            .iter()
            .filter(|r| r.0 == "MERCHANT_ID" && r.1 == mchid && r.3 == "SUCCESS")
            .map(|r| r.2)
            .sum();
        if given == 0 {
            return refuse(
                &self.keys,
                req,
                400,
                "INVALID_REQUEST",
                "只能对成功分给商户接收方的金额进行回退",
            );
        }
        let before: i64 = book
            .returns
            .values()
            .filter(|r| r.out_order_no == order_no && r.return_mchid == mchid)
            .map(|r| r.amount)
            .sum();
        if before + amount > given {
            return refuse(
                &self.keys,
                req,
                400,
                "INVALID_REQUEST",
                "回退金额超过分给该接收方的金额",
            );
        }
        let r = FakeReturn {
            sub_mchid: sub.clone(),
            out_order_no: order_no,
            return_mchid: mchid,
            amount,
            result: "SUCCESS".into(),
            body: body.clone(),
        };
        let a = answer(&no, &r, &order.order_id);
        book.returns.insert(no, r);
        *book.balance.entry(sub).or_default() += amount;
        signed_response(&self.keys, req, 200, &a)
    }

    /// `GET /v3/profitsharing/return-orders/{out_return_no}`.
    pub(super) fn query_return(&self, req: &Request) -> ResponseTemplate {
        let no = req.url.path().rsplit('/').next().unwrap_or("").to_owned();
        let found = self.book.lock().ok().and_then(|b| {
            let r = b.returns.get(&no)?.clone();
            let order_id = b.orders.get(&r.out_order_no)?.order_id.clone();
            Some((r, order_id))
        });
        match found {
            Some((r, order_id))
                if r.sub_mchid == query_param(req, "sub_mchid")
                    && r.out_order_no == query_param(req, "out_order_no") =>
            {
                signed_response(&self.keys, req, 200, &answer(&no, &r, &order_id))
            }
            _ => refuse(&self.keys, req, 404, "RESOURCE_NOT_EXISTS", "记录不存在"),
        }
    }
}
