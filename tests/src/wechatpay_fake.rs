//! A fake WeChat Pay API v3, written from the documentation and independent
//! of the client under test: it checks the merchant's `Authorization`
//! signature with the merchant public key, answers signed with a platform
//! key generated for the test, and builds signed, encrypted notifications.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use aws_lc_rs::{aead, rand, signature};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers};

mod partner;
mod returns;
mod sharing;

pub use sharing::{FakeReturn, FakeShare};

/// The merchant id the fake expects.
pub const MCHID: &str = "1900000109";
/// The service provider's merchant id (partner mode); it signs with the
/// same test key as [`MCHID`].
pub const SP_MCHID: &str = "1900000100";
/// The merchant certificate serial the fake expects.
pub const MERCHANT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
/// The platform public key id.
pub const PLATFORM_KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";
/// The APIv3 key (32 bytes).
pub const APIV3_KEY: &str = "tongcheng-test-apiv3-key-32bytes";

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).expect("PEM base64")
}

/// Generates an RSA key with openssl: (private PKCS#8 PEM path, public PEM path).
fn keypair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let private = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub.pem"));
    let ok = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&private)
        .output()
        .expect("openssl is installed")
        .status
        .success();
    assert!(ok, "openssl genpkey failed");
    let ok = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&private)
        .arg("-out")
        .arg(&public)
        .output()
        .expect("openssl")
        .status
        .success();
    assert!(ok, "openssl pkey failed");
    (private, public)
}

fn sign(key: &signature::RsaKeyPair, message: &[u8]) -> String {
    let mut sig = vec![0u8; key.public_modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &rand::SystemRandom::new(),
        message,
        &mut sig,
    )
    .expect("sign");
    STANDARD.encode(sig)
}

struct Keys {
    merchant_public_der: Vec<u8>,
    platform: signature::RsaKeyPair,
}

/// An answer signed with the platform key. It carries the request's own
/// timestamp, so that answers fit the app's (test) clock.
fn signed_response(keys: &Keys, req: &Request, status: u16, body: &Value) -> ResponseTemplate {
    signed_raw(keys, req, status, &body.to_string())
}

/// A signed answer with a raw body (empty for 204).
fn signed_raw(keys: &Keys, req: &Request, status: u16, text: &str) -> ResponseTemplate {
    let ts =
        auth_field(req, "timestamp").unwrap_or_else(|| chrono::Utc::now().timestamp().to_string());
    let nonce = "fake-pay-nonce-0001";
    let sig = sign(
        &keys.platform,
        format!("{ts}\n{nonce}\n{text}\n").as_bytes(),
    );
    let answer = ResponseTemplate::new(status)
        .insert_header("wechatpay-timestamp", ts.as_str())
        .insert_header("wechatpay-nonce", nonce)
        .insert_header("wechatpay-signature", sig.as_str())
        .insert_header("wechatpay-serial", PLATFORM_KEY_ID);
    if text.is_empty() {
        answer
    } else {
        answer.set_body_raw(text.to_owned(), "application/json")
    }
}

/// A query parameter of the request ("" when absent).
fn query_param(req: &Request, name: &str) -> String {
    req.url
        .query_pairs()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// WeChat Pay's refusal: HTTP `status` with its `code` and `message`.
fn refuse(keys: &Keys, req: &Request, status: u16, code: &str, message: &str) -> ResponseTemplate {
    signed_response(
        keys,
        req,
        status,
        &json!({"code": code, "message": message}),
    )
}

/// WeChat Pay's answer to a request whose signature does not verify.
fn sign_error(keys: &Keys, req: &Request) -> ResponseTemplate {
    signed_response(
        keys,
        req,
        401,
        &json!({"code": "SIGN_ERROR", "message": "签名错误"}),
    )
}

/// A field of the request's `Authorization: WECHATPAY2-SHA256-RSA2048 ...`.
fn auth_field(req: &Request, name: &str) -> Option<String> {
    let auth = req.headers.get("authorization")?.to_str().ok()?;
    let params = auth.strip_prefix("WECHATPAY2-SHA256-RSA2048 ")?;
    params.split(',').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k.trim() == name).then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Checks the request's `Authorization` signature with the merchant public key.
fn authorized(keys: &Keys, req: &Request) -> bool {
    let field = |name: &str| auth_field(req, name);
    let (Some(mchid), Some(nonce), Some(sig), Some(ts), Some(serial)) = (
        field("mchid"),
        field("nonce_str"),
        field("signature"),
        field("timestamp"),
        field("serial_no"),
    ) else {
        return false;
    };
    if (mchid != MCHID && mchid != SP_MCHID) || serial != MERCHANT_SERIAL {
        return false;
    }
    let path = match req.url.query() {
        Some(q) => format!("{}?{q}", req.url.path()),
        None => req.url.path().to_owned(),
    };
    let body = String::from_utf8_lossy(&req.body);
    let message = format!("{}\n{path}\n{ts}\n{nonce}\n{body}\n", req.method);
    let Ok(sig) = STANDARD.decode(sig) else {
        return false;
    };
    signature::UnparsedPublicKey::new(
        &signature::RSA_PKCS1_2048_8192_SHA256,
        &keys.merchant_public_der,
    )
    .verify(message.as_bytes(), &sig)
    .is_ok()
}

struct Jsapi {
    keys: Arc<Keys>,
    seen: Arc<Mutex<Vec<Value>>>,
}

impl Respond for Jsapi {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if !authorized(&self.keys, req) {
            return sign_error(&self.keys, req);
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
        if let Ok(mut s) = self.seen.lock() {
            s.push(body.clone());
        }
        let no = body["out_trade_no"].as_str().unwrap_or("x").to_owned();
        signed_response(
            &self.keys,
            req,
            200,
            &json!({"prepay_id": format!("wx{no}")}),
        )
    }
}

/// `GET /v3/pay/transactions/out-trade-no/{no}`: NOTPAY unless marked paid.
struct Query {
    keys: Arc<Keys>,
    paid: Arc<Mutex<std::collections::HashMap<String, i64>>>,
}

impl Respond for Query {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if !authorized(&self.keys, req) {
            return sign_error(&self.keys, req);
        }
        let no = req.url.path().rsplit('/').next().unwrap_or("").to_owned();
        let paid = self.paid.lock().ok().and_then(|p| p.get(&no).copied());
        let body = match paid {
            Some(total) => {
                json!({"appid": crate::wechat_fake::APPID, "mchid": MCHID, "out_trade_no": no, "transaction_id": format!("4200{no}"), "trade_state": "SUCCESS", "amount": {"total": total, "payer_total": total, "currency": "CNY"}})
            }
            None => {
                json!({"appid": crate::wechat_fake::APPID, "mchid": MCHID, "out_trade_no": no, "trade_state": "NOTPAY", "trade_state_desc": "订单未支付"})
            }
        };
        signed_response(&self.keys, req, 200, &body)
    }
}

/// `POST …/close`: recorded; a paid order cannot be closed (`ORDERPAID`).
struct Recorder {
    keys: Arc<Keys>,
    log: Arc<Mutex<Vec<(String, Value)>>>,
    paid: Arc<Mutex<std::collections::HashMap<String, i64>>>,
    partner: partner::SharedBook,
}

impl Respond for Recorder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if !authorized(&self.keys, req) {
            return sign_error(&self.keys, req);
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
        if let Ok(mut l) = self.log.lock() {
            l.push((req.url.path().to_owned(), body.clone()));
        }
        let no = req.url.path().split('/').rev().nth(1).unwrap_or("");
        if req.url.path().starts_with("/v3/pay/partner/") {
            let sub = body["sub_mchid"].as_str().unwrap_or("");
            if body["sp_mchid"] != SP_MCHID
                || partner::sub_of(&self.partner, no).as_deref() != Some(sub)
            {
                return signed_response(
                    &self.keys,
                    req,
                    404,
                    &json!({"code": "ORDER_NOT_EXIST", "message": "订单不存在"}),
                );
            }
        }
        if self
            .paid
            .lock()
            .map(|p| p.contains_key(no))
            .unwrap_or(false)
        {
            return signed_response(
                &self.keys,
                req,
                400,
                &json!({"code": "ORDERPAID", "message": "订单已支付"}),
            );
        }
        signed_raw(&self.keys, req, 204, "")
    }
}

/// A refund the fake accepted: (out_trade_no, amount, status).
type RefundBook = Arc<Mutex<std::collections::HashMap<String, (String, i64, String)>>>;

/// What was refunded of a payment (refunds not closed).
fn refunded_of(book: &RefundBook, out_trade_no: &str) -> i64 {
    book.lock()
        .map(|r| {
            r.values()
                .filter(|(t, _, st)| t == out_trade_no && st != "CLOSED")
                .map(|(_, a, _)| a)
                .sum()
        })
        .unwrap_or(0)
}

/// Refusals to answer the next refund requests with: (HTTP status, code).
type RefundRefusals = Arc<Mutex<std::collections::VecDeque<(u16, String)>>>;

/// `POST /v3/refund/domestic/refunds` and `GET …/refunds/{out_refund_no}`.
/// A refund number sent again is answered with that refund as it stands
/// (the documented re-entry: never a second refund); refunds of a payment
/// may not add up to more than its total. Refusals can be queued
/// ([`WechatPayFake::refuse_refunds`]); a refused request creates nothing.
struct Refunds {
    keys: Arc<Keys>,
    log: Arc<Mutex<Vec<(String, Value)>>>,
    book: RefundBook,
    refusals: RefundRefusals,
    partner: partner::SharedBook,
    sharing: sharing::Shared,
}

fn refund_answer(no: &str, entry: &(String, i64, String)) -> Value {
    let (trade, amount, status) = entry;
    json!({
        "refund_id": format!("5000{no}"),
        "out_refund_no": no,
        "transaction_id": format!("4200{trade}"),
        "out_trade_no": trade,
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "create_time": "2026-11-23T10:00:00+08:00",
        "status": status,
        "amount": {"refund": amount, "payer_refund": amount, "currency": "CNY"},
    })
}

impl Respond for Refunds {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if !authorized(&self.keys, req) {
            return sign_error(&self.keys, req);
        }
        let Ok(mut book) = self.book.lock() else {
            return ResponseTemplate::new(500);
        };
        // A service provider refunds out of a sub-merchant's money and must
        // name it (`sub_mchid`, in the body or the query's URL).
        let as_partner = auth_field(req, "mchid").as_deref() == Some(SP_MCHID);
        let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let named_sub = if req.method.as_str() == "GET" {
            req.url
                .query_pairs()
                .find(|(k, _)| k == "sub_mchid")
                .map(|(_, v)| v.into_owned())
        } else {
            body["sub_mchid"].as_str().map(str::to_owned)
        };
        if as_partner && named_sub.as_deref().unwrap_or("").is_empty() {
            return signed_response(
                &self.keys,
                req,
                400,
                &json!({"code": "PARAM_ERROR", "message": "缺少参数 sub_mchid"}),
            );
        }
        if req.method.as_str() == "GET" {
            let no = req.url.path().rsplit('/').next().unwrap_or("");
            return match book.get(no) {
                Some(entry) => signed_response(&self.keys, req, 200, &refund_answer(no, entry)),
                None => signed_response(
                    &self.keys,
                    req,
                    404,
                    &json!({"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"}),
                ),
            };
        }
        if let Ok(mut l) = self.log.lock() {
            l.push((req.url.path().to_owned(), body.clone()));
        }
        let trade = body["out_trade_no"].as_str().unwrap_or("");
        if as_partner && partner::sub_of(&self.partner, trade) != named_sub {
            return signed_response(
                &self.keys,
                req,
                404,
                &json!({"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"}),
            );
        }
        let refusal = self.refusals.lock().ok().and_then(|mut r| r.pop_front());
        if let Some((status, code)) = refusal {
            let message = match code.as_str() {
                "NOT_ENOUGH" => "基本账户余额不足，请充值后重新发起",
                "FREQUENCY_LIMITED" => "频率限制",
                _ => "系统超时",
            };
            return signed_response(
                &self.keys,
                req,
                status,
                &json!({"code": code, "message": message}),
            );
        }
        let no = body["out_refund_no"].as_str().unwrap_or("").to_owned();
        if let Some(entry) = book.get(&no) {
            return signed_response(&self.keys, req, 200, &refund_answer(&no, entry));
        }
        let trade = body["out_trade_no"].as_str().unwrap_or("").to_owned();
        let amount = body["amount"]["refund"].as_i64().unwrap_or(0);
        let total = body["amount"]["total"].as_i64().unwrap_or(0);
        let before: i64 = book
            .values()
            .filter(|(t, _, st)| t == &trade && st != "CLOSED")
            .map(|(_, a, _)| a)
            .sum();
        if amount <= 0 || before + amount > total {
            return signed_response(
                &self.keys,
                req,
                400,
                &json!({"code": "INVALID_REQUEST", "message": "申请退款金额超过订单可退金额"}),
            );
        }
        // Once a payment was shared, what was left of it was unfrozen to
        // the sub-merchant: its refunds are paid from the balance.
        if as_partner
            && let Ok(mut s) = self.sharing.lock()
            && s.finished(&format!("4200{trade}"))
        {
            let sub = named_sub.clone().unwrap_or_default();
            let balance = s.balance.entry(sub).or_default();
            if *balance < amount {
                return signed_response(
                    &self.keys,
                    req,
                    403,
                    &json!({"code": "NOT_ENOUGH", "message": "基本账户余额不足，请充值后重新发起"}),
                );
            }
            *balance -= amount;
        }
        let entry = (trade, amount, "PROCESSING".to_owned());
        let answer = refund_answer(&no, &entry);
        book.insert(no, entry);
        signed_response(&self.keys, req, 200, &answer)
    }
}

/// Transfer states by batch number: (detail status, fail reason).
type TransferStates = Arc<Mutex<std::collections::HashMap<String, (String, Option<String>)>>>;

/// Faults to inject: answers lost after WeChat Pay accepted a transfer,
/// detail queries failing.
#[derive(Debug, Default)]
struct Faults {
    lose_transfer_answers: usize,
    fail_detail_queries: usize,
}

/// `POST /v3/transfer/batches` and the detail query of its one transfer.
/// A batch number sent again with the same body within three days is
/// answered as the first time and creates nothing (the documented
/// re-entry); with another body it is refused.
struct Transfers {
    keys: Arc<Keys>,
    log: Arc<Mutex<Vec<(String, Value)>>>,
    states: TransferStates,
    faults: Arc<Mutex<Faults>>,
}

impl Respond for Transfers {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if !authorized(&self.keys, req) {
            return sign_error(&self.keys, req);
        }
        if req.method.as_str() == "POST" {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
            if let Ok(mut l) = self.log.lock() {
                let before = l
                    .iter()
                    .find(|(p, b)| {
                        p == "/v3/transfer/batches" && b["out_batch_no"] == body["out_batch_no"]
                    })
                    .map(|(_, b)| b.clone());
                match before {
                    Some(b) if b != body => {
                        return signed_response(
                            &self.keys,
                            req,
                            400,
                            &json!({"code": "PARAM_ERROR", "message": "商家批次单号已存在且请求参数不一致"}),
                        );
                    }
                    Some(_) => {}
                    None => l.push((req.url.path().to_owned(), body.clone())),
                }
            }
            if let Ok(mut f) = self.faults.lock()
                && f.lose_transfer_answers > 0
            {
                f.lose_transfer_answers -= 1;
                return signed_response(
                    &self.keys,
                    req,
                    500,
                    &json!({"code": "SYSTEM_ERROR", "message": "系统错误"}),
                );
            }
            let answer = json!({
                "out_batch_no": body["out_batch_no"],
                "batch_id": format!("1030000071100999991182020050700019480{}", body["total_amount"]),
                "create_time": "2026-11-23T10:00:00+08:00",
                "batch_status": "ACCEPTED",
            });
            return signed_response(&self.keys, req, 200, &answer);
        }
        // /v3/transfer/batches/out-batch-no/{no}/details/out-detail-no/{d}
        if let Ok(mut f) = self.faults.lock()
            && f.fail_detail_queries > 0
        {
            f.fail_detail_queries -= 1;
            return signed_response(
                &self.keys,
                req,
                500,
                &json!({"code": "SYSTEM_ERROR", "message": "系统错误"}),
            );
        }
        let parts: Vec<&str> = req.url.path().split('/').collect();
        let no = parts.get(5).copied().unwrap_or("").to_owned();
        let detail = parts.get(8).copied().unwrap_or("").to_owned();
        let sent = self.log.lock().ok().and_then(|l| {
            l.iter()
                .rev()
                .find(|(_, b)| b["out_batch_no"] == no.as_str())
                .map(|(_, b)| b.clone())
        });
        let Some(sent) = sent else {
            return signed_response(
                &self.keys,
                req,
                404,
                &json!({"code": "NOT_FOUND", "message": "记录不存在"}),
            );
        };
        let (status, reason) = self
            .states
            .lock()
            .ok()
            .and_then(|s| s.get(&no).cloned())
            .unwrap_or(("PROCESSING".into(), None));
        let mut answer = json!({
            "mchid": MCHID,
            "out_batch_no": no,
            "batch_id": "1030000071100999991182020050700019480001",
            "out_detail_no": detail,
            "detail_id": "1040000071100999991182020050700019500100",
            "detail_status": status,
            "transfer_amount": sent["total_amount"],
            "transfer_remark": sent["batch_remark"],
            "openid": sent["transfer_detail_list"][0]["openid"],
            "initiate_time": "2026-11-23T10:00:00+08:00",
            "update_time": "2026-11-23T10:00:05+08:00",
        });
        if let Some(r) = reason {
            answer["fail_reason"] = json!(r);
        }
        signed_response(&self.keys, req, 200, &answer)
    }
}

/// `GET /v3/bill/tradebill` (signed answer with the file's SHA-1) and the
/// unsigned download it points to.
struct Bills {
    keys: Arc<Keys>,
    /// The fake's base URL (requests do not carry the port).
    base: String,
    bills: Arc<Mutex<std::collections::HashMap<String, String>>>,
    /// Which bill: `""` for trade bills, `"sharing-"` for sharing bills
    /// (their file tokens carry it).
    prefix: &'static str,
}

impl Respond for Bills {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if !authorized(&self.keys, req) {
            return sign_error(&self.keys, req);
        }
        let query = |k: &str| query_param(req, k);
        let date = if req.url.path().ends_with("/file") {
            query("token")
        } else {
            format!("{}{}", self.prefix, query("bill_date"))
        };
        let Some(csv) = self.bills.lock().ok().and_then(|b| b.get(&date).cloned()) else {
            return signed_response(
                &self.keys,
                req,
                400,
                &json!({"code": "NO_STATEMENT_EXIST", "message": "账单文件不存在"}),
            );
        };
        if req.url.path().ends_with("/file") {
            return ResponseTemplate::new(200).set_body_bytes(csv.into_bytes());
        }
        let digest =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, csv.as_bytes());
        let url = format!("{}/v3/billdownload/file?token={date}", self.base);
        signed_response(
            &self.keys,
            req,
            200,
            &json!({"hash_type": "SHA1", "hash_value": hex::encode(digest.as_ref()), "download_url": url}),
        )
    }
}

/// The running fake, its key files, and what it has seen.
pub struct WechatPayFake {
    server: MockServer,
    keys: Arc<Keys>,
    seen: Arc<Mutex<Vec<Value>>>,
    paid: Arc<Mutex<std::collections::HashMap<String, i64>>>,
    log: Arc<Mutex<Vec<(String, Value)>>>,
    transfers: TransferStates,
    faults: Arc<Mutex<Faults>>,
    bills: Arc<Mutex<std::collections::HashMap<String, String>>>,
    refund_book: RefundBook,
    refusals: RefundRefusals,
    partner: partner::SharedBook,
    sharing: sharing::Shared,
    /// The merchant private key file (the app's `MERCHANT_KEY_PEM_FILE`).
    pub merchant_key_file: PathBuf,
    /// The merchant public key file (to check `paySign`).
    pub merchant_public_file: PathBuf,
    /// The platform public key file (`PLATFORM_PUBLIC_KEY_PEM_FILE`).
    pub platform_public_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl WechatPayFake {
    /// Generates the keys and starts the fake.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (merchant_key_file, merchant_public_file) = keypair(dir.path(), "merchant");
        let (platform_key_file, platform_public_file) = keypair(dir.path(), "platform");
        let merchant_public_der =
            pem_der(&std::fs::read_to_string(&merchant_public_file).expect("read"));
        let platform = signature::RsaKeyPair::from_pkcs8(&pem_der(
            &std::fs::read_to_string(&platform_key_file).expect("read"),
        ))
        .expect("platform key");
        let keys = Arc::new(Keys {
            merchant_public_der,
            platform,
        });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let server = MockServer::builder().start().await;
        Mock::given(matchers::method("POST"))
            .and(matchers::path("/v3/pay/transactions/jsapi"))
            .respond_with(Jsapi {
                keys: keys.clone(),
                seen: seen.clone(),
            })
            .mount(&server)
            .await;
        let paid = Arc::new(Mutex::new(std::collections::HashMap::new()));
        let log = Arc::new(Mutex::new(Vec::new()));
        let partner_book: partner::SharedBook = Arc::default();
        Mock::given(matchers::method("POST"))
            .and(matchers::path("/v3/pay/partner/transactions/jsapi"))
            .respond_with(partner::PartnerJsapi {
                keys: keys.clone(),
                seen: seen.clone(),
                book: partner_book.clone(),
            })
            .mount(&server)
            .await;
        Mock::given(matchers::method("GET"))
            .and(matchers::path_regex(
                r"^/v3/pay/partner/transactions/out-trade-no/[^/]+$",
            ))
            .respond_with(partner::PartnerQuery {
                keys: keys.clone(),
                paid: paid.clone(),
                book: partner_book.clone(),
            })
            .mount(&server)
            .await;
        Mock::given(matchers::method("GET"))
            .and(matchers::path_regex(
                r"^/v3/pay/transactions/out-trade-no/[^/]+$",
            ))
            .respond_with(Query {
                keys: keys.clone(),
                paid: paid.clone(),
            })
            .mount(&server)
            .await;
        Mock::given(matchers::method("POST"))
            .and(matchers::path_regex(
                r"^/v3/pay/(partner/)?transactions/out-trade-no/[^/]+/close$",
            ))
            .respond_with(Recorder {
                keys: keys.clone(),
                log: log.clone(),
                paid: paid.clone(),
                partner: partner_book.clone(),
            })
            .mount(&server)
            .await;
        let refund_book: RefundBook = Arc::default();
        let refusals: RefundRefusals = Arc::default();
        let sharing_book: sharing::Shared = Arc::default();
        Mock::given(matchers::path_regex(
            r"^/v3/refund/domestic/refunds(/[^/]+)?$",
        ))
        .respond_with(Refunds {
            keys: keys.clone(),
            log: log.clone(),
            book: refund_book.clone(),
            refusals: refusals.clone(),
            partner: partner_book.clone(),
            sharing: sharing_book.clone(),
        })
        .mount(&server)
        .await;
        let transfers = Arc::new(Mutex::new(std::collections::HashMap::new()));
        let faults = Arc::new(Mutex::new(Faults::default()));
        Mock::given(matchers::path_regex(r"^/v3/transfer/batches"))
            .respond_with(Transfers {
                keys: keys.clone(),
                log: log.clone(),
                states: transfers.clone(),
                faults: faults.clone(),
            })
            .mount(&server)
            .await;
        Mock::given(matchers::path_regex(r"^/v3/profitsharing/"))
            .respond_with(sharing::Sharing {
                keys: keys.clone(),
                platform_pkcs8: pem_der(
                    &std::fs::read_to_string(&platform_key_file).expect("read"),
                ),
                partner: partner_book.clone(),
                paid: paid.clone(),
                refunded: refund_book.clone(),
                book: sharing_book.clone(),
            })
            .mount(&server)
            .await;
        let bills = Arc::new(Mutex::new(std::collections::HashMap::new()));
        Mock::given(matchers::method("GET"))
            .and(matchers::path_regex(
                r"^/v3/(bill/tradebill|billdownload/file)$",
            ))
            .respond_with(Bills {
                keys: keys.clone(),
                base: server.uri(),
                bills: bills.clone(),
                prefix: "",
            })
            .mount(&server)
            .await;
        Mock::given(matchers::method("GET"))
            .and(matchers::path("/v3/profitsharing/bills"))
            .respond_with(Bills {
                keys: keys.clone(),
                base: server.uri(),
                bills: bills.clone(),
                prefix: "sharing-",
            })
            .with_priority(1)
            .mount(&server)
            .await;
        Self {
            server,
            keys,
            seen,
            paid,
            log,
            transfers,
            faults,
            bills,
            refund_book,
            refusals,
            partner: partner_book,
            sharing: sharing_book,
            merchant_key_file,
            merchant_public_file,
            platform_public_file,
            _dir: dir,
        }
    }

    /// The fake's base URL.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Binds a sub-merchant to the service provider [`SP_MCHID`] (the
    /// 受理关系 its onboarding creates); unbound ones are refused.
    pub fn bind_sub_merchant(&self, sub_mchid: &str) {
        if let Ok(mut b) = self.partner.lock() {
            b.bound.insert(sub_mchid.to_owned());
        }
    }

    /// The sharing orders WeChat Pay accepted, by `out_order_no`.
    pub fn sharing_orders(&self) -> std::collections::HashMap<String, FakeShare> {
        self.sharing
            .lock()
            .map(|b| b.orders.clone())
            .unwrap_or_default()
    }

    /// The receivers added: (sub_mchid, type, account) → decrypted name.
    pub fn sharing_receivers(
        &self,
    ) -> std::collections::HashMap<(String, String, String), Option<String>> {
        self.sharing
            .lock()
            .map(|b| b.receivers.clone())
            .unwrap_or_default()
    }

    /// Settles a sharing order as WeChat Pay does when the money moved:
    /// every receiver succeeds but the `closed` accounts, and the rest is
    /// unfrozen to the sub-merchant.
    pub fn finish_sharing(&self, out_order_no: &str, closed: &[&str]) {
        let trade = self
            .sharing
            .lock()
            .ok()
            .and_then(|b| b.orders.get(out_order_no).cloned())
            .and_then(|o| o.transaction_id.strip_prefix("4200").map(str::to_owned))
            .unwrap_or_default();
        let total = self
            .paid
            .lock()
            .ok()
            .and_then(|p| p.get(&trade).copied())
            .unwrap_or(0);
        let refunded = refunded_of(&self.refund_book, &trade);
        sharing::finish(
            &self.sharing,
            out_order_no,
            closed,
            "ACCOUNT_ABNORMAL",
            total - refunded,
        );
    }

    /// Publishes the profit-sharing bill of a day (`YYYY-MM-DD`).
    pub fn set_sharing_bill(&self, date: &str, csv: &str) {
        if let Ok(mut b) = self.bills.lock() {
            b.insert(format!("sharing-{date}"), csv.to_owned());
        }
    }

    /// A profit-sharing bill of everything that moved: every receiver's
    /// successful part and every return, as WeChat Pay writes the file.
    pub fn sharing_bill_csv(&self) -> String {
        sharing::bill_csv(&self.sharing)
    }

    /// The payments marked paid: out_trade_no → total.
    pub fn paid(&self) -> std::collections::HashMap<String, i64> {
        self.paid.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// The returns of shared money WeChat Pay accepted, by `out_return_no`.
    pub fn share_returns(&self) -> std::collections::HashMap<String, FakeReturn> {
        self.sharing
            .lock()
            .map(|b| b.returns.clone())
            .unwrap_or_default()
    }

    /// A sub-merchant's available balance.
    pub fn sub_balance(&self, sub_mchid: &str) -> i64 {
        self.sharing
            .lock()
            .ok()
            .and_then(|b| b.balance.get(sub_mchid).copied())
            .unwrap_or(0)
    }

    /// The kitchen paid `fen` into its balance.
    pub fn top_up(&self, sub_mchid: &str, fen: i64) {
        if let Ok(mut b) = self.sharing.lock() {
            *b.balance.entry(sub_mchid.to_owned()).or_default() += fen;
        }
    }

    /// The kitchen withdrew its whole balance to its bank card (as
    /// sub-merchants do every day): later refunds need returned money.
    pub fn withdraw(&self, sub_mchid: &str) {
        if let Ok(mut b) = self.sharing.lock() {
            b.balance.insert(sub_mchid.to_owned(), 0);
        }
    }

    /// Faults of the next sharing calls: receiver additions refused
    /// before anything is stored, receiver additions whose answers are lost
    /// after they were stored, and queries failing.
    pub fn sharing_faults(&self, fail_adds: usize, lose_adds: usize, fail_queries: usize) {
        if let Ok(mut b) = self.sharing.lock() {
            b.fail_receiver_adds = fail_adds;
            b.lose_receiver_answers = lose_adds;
            b.fail_queries = fail_queries;
        }
    }

    /// The next `n` sharing orders are accepted but their answers lost.
    pub fn lose_sharing_answers(&self, n: usize) {
        if let Ok(mut b) = self.sharing.lock() {
            b.lose_answers = n;
        }
    }

    /// A profit-sharing movement notification (`PROFITSHARING.SUCCESS`)
    /// for the service provider's own part of a sharing order.
    pub fn sharing_notification(
        &self,
        out_order_no: &str,
        sub_mchid: &str,
        transaction_id: &str,
        amount: i64,
        timestamp: i64,
    ) -> (Vec<(String, String)>, String) {
        let resource = json!({
            "sp_mchid": SP_MCHID, "sub_mchid": sub_mchid,
            "transaction_id": transaction_id, "order_id": "3008450740201411110007820472",
            "out_order_no": out_order_no,
            "receiver": {"type": "MERCHANT_ID", "account": SP_MCHID, "amount": amount, "description": "平台服务费"},
            "success_time": "2026-11-24T10:00:00+08:00",
        });
        self.notification_of(
            "PROFITSHARING.SUCCESS",
            "profitsharing",
            &resource,
            timestamp,
            APIV3_KEY.as_bytes(),
        )
    }

    /// Prepay requests received, direct and partner (after their signature
    /// was checked).
    pub fn prepays(&self) -> Vec<Value> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Makes the query of `out_trade_no` answer SUCCESS (a lost notification).
    pub fn mark_paid(&self, out_trade_no: &str, total: i64) {
        if let Ok(mut p) = self.paid.lock() {
            p.insert(out_trade_no.to_owned(), total);
        }
    }

    /// Publishes the trade bill (CSV) of a day (`YYYY-MM-DD`).
    pub fn set_trade_bill(&self, date: &str, csv: &str) {
        if let Ok(mut b) = self.bills.lock() {
            b.insert(date.to_owned(), csv.to_owned());
        }
    }

    /// Sets the state the transfer of `out_batch_no` reports (`SUCCESS`,
    /// `FAIL` with a reason, …); `PROCESSING` until set.
    pub fn set_transfer(&self, out_batch_no: &str, status: &str, reason: Option<&str>) {
        if let Ok(mut t) = self.transfers.lock() {
            t.insert(
                out_batch_no.to_owned(),
                (status.to_owned(), reason.map(str::to_owned)),
            );
        }
    }

    /// The next `n` transfer requests are accepted but their answers lost
    /// (500), as when the caller dies before reading them.
    pub fn lose_transfer_answers(&self, n: usize) {
        if let Ok(mut f) = self.faults.lock() {
            f.lose_transfer_answers = n;
        }
    }

    /// The next `n` transfer detail queries fail (500).
    pub fn fail_detail_queries(&self, n: usize) {
        if let Ok(mut f) = self.faults.lock() {
            f.fail_detail_queries = n;
        }
    }

    /// A merchant-transfer batch notification (`MCHTRANSFER.BATCH.FINISHED`).
    pub fn transfer_notification(
        &self,
        out_batch_no: &str,
        timestamp: i64,
    ) -> (Vec<(String, String)>, String) {
        let resource = json!({
            "mchid": MCHID,
            "out_batch_no": out_batch_no,
            "batch_id": "1030000071100999991182020050700019480001",
            "batch_status": "FINISHED",
            "total_num": 1,
            "update_time": "2026-11-23T10:00:05+08:00",
        });
        self.notification_of(
            "MCHTRANSFER.BATCH.FINISHED",
            "mch_payment",
            &resource,
            timestamp,
            APIV3_KEY.as_bytes(),
        )
    }

    /// Answers the next `n` refund requests with HTTP `status` and `code`
    /// (`429 FREQUENCY_LIMITED`, `403 NOT_ENOUGH`, `500 SYSTEM_ERROR`, …);
    /// nothing is refunded by them.
    pub fn refuse_refunds(&self, status: u16, code: &str, n: usize) {
        if let Ok(mut r) = self.refusals.lock() {
            r.extend(std::iter::repeat_n((status, code.to_owned()), n));
        }
    }

    /// Stops refusing refunds.
    pub fn accept_refunds(&self) {
        if let Ok(mut r) = self.refusals.lock() {
            r.clear();
        }
    }

    /// Moves an accepted refund on (`SUCCESS`, `CLOSED`, `ABNORMAL`), as
    /// WeChat Pay does when the money arrives or cannot.
    pub fn set_refund_status(&self, out_refund_no: &str, status: &str) {
        if let Ok(mut b) = self.refund_book.lock()
            && let Some(entry) = b.get_mut(out_refund_no)
        {
            entry.2 = status.to_owned();
        }
    }

    /// The refunds WeChat Pay accepted: out_refund_no → (out_trade_no,
    /// amount, status).
    pub fn refunds(&self) -> std::collections::HashMap<String, (String, i64, String)> {
        self.refund_book
            .lock()
            .map(|b| b.clone())
            .unwrap_or_default()
    }

    /// Close and refund requests received: (path, body).
    pub fn calls(&self) -> Vec<(String, Value)> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// A payment notification as WeChat Pay sends it: headers and body.
    /// `tweak` can damage it after signing, to test refusals.
    pub fn notification(
        &self,
        transaction: &Value,
        timestamp: i64,
        key: &[u8],
    ) -> (Vec<(String, String)>, String) {
        self.notification_of(
            "TRANSACTION.SUCCESS",
            "transaction",
            transaction,
            timestamp,
            key,
        )
    }

    /// Any notification: `resource` encrypted with `key`, signed.
    pub fn notification_of(
        &self,
        event_type: &str,
        original_type: &str,
        resource: &Value,
        timestamp: i64,
        key: &[u8],
    ) -> (Vec<(String, String)>, String) {
        let transaction = resource;
        let nonce = "notify-nonce";
        let aad = original_type;
        let iv = "aeadnonce123";
        let sealing = aead::LessSafeKey::new(
            aead::UnboundKey::new(&aead::AES_256_GCM, key).expect("32-byte key"),
        );
        let mut data = transaction.to_string().into_bytes();
        sealing
            .seal_in_place_append_tag(
                aead::Nonce::try_assume_unique_for_key(iv.as_bytes()).expect("12-byte nonce"),
                aead::Aad::from(aad.as_bytes()),
                &mut data,
            )
            .expect("seal");
        let body = json!({
            "id": "EV-2018022511223320873",
            "create_time": "2026-11-23T10:00:00+08:00",
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": if event_type == "TRANSACTION.SUCCESS" { "支付成功" } else { "商家转账批次处理完成" },
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": STANDARD.encode(&data),
                "associated_data": aad,
                "nonce": iv,
            }
        })
        .to_string();
        let sig = sign(
            &self.keys.platform,
            format!("{timestamp}\n{nonce}\n{body}\n").as_bytes(),
        );
        let headers = vec![
            ("wechatpay-timestamp".to_owned(), timestamp.to_string()),
            ("wechatpay-nonce".to_owned(), nonce.to_owned()),
            ("wechatpay-signature".to_owned(), sig),
            ("wechatpay-serial".to_owned(), PLATFORM_KEY_ID.to_owned()),
        ];
        (headers, body)
    }
}
