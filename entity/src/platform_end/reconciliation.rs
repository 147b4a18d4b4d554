//! Reconciliation: WeChat Pay's daily trade bill against what the ledger
//! booked through the clearing account that day — matched lines, lines
//! missing on either side, and amount mismatches. In partner mode the
//! trade bill is the service provider's (every sub-merchant's trades), and
//! the day's profit-sharing bill is compared with the sharing and the
//! returns the ledger booked.
//!
//! The trade bill (`bill_type=ALL`) is a CSV whose first line names the
//! columns; every value of a data line starts with a backtick; after the
//! data come a summary header and a summary line. Amounts are yuan with two
//! decimals and are read exactly into fen.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};
use crate::payment::PayProvider;
use crate::{ledger_posting, payment, reconciliation_report, refund};

/// Payment or refund.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A payment (our `out_trade_no`).
    Payment,
    /// A refund (our `out_refund_no`).
    Refund,
    /// A receiver's part of a sharing order (`out_order_no:account`).
    Sharing,
    /// A share returned before a refund (our `out_return_no`).
    SharingReturn,
}

/// One money movement, as either side sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Line {
    /// Payment or refund.
    pub kind: LineKind,
    /// Our number for it.
    pub out_no: String,
    /// Fen.
    pub amount_fen: i64,
}

/// Parses `12.34` (or `-0.50`) yuan into fen, exactly.
pub fn yuan_to_fen(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cents = format!("{frac:0<2}");
    let v = whole.parse::<i64>().ok()?.checked_mul(100)? + cents.parse::<i64>().ok()?;
    Some(if neg { -v } else { v })
}

/// A WeChat Pay bill file: the column names of its first line, and its
/// data lines (values without their leading backtick) up to the summary
/// header that follows them.
struct BillFile<'a> {
    field: &'static str,
    header: Vec<&'a str>,
    rows: Vec<Vec<&'a str>>,
}

impl<'a> BillFile<'a> {
    fn read(csv: &'a str, field: &'static str) -> DomainResult<Self> {
        let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
        let header = lines
            .next()
            .ok_or_else(|| DomainError::invalid(field, "the bill is empty"))?
            .trim_start_matches('\u{feff}')
            .split(',')
            .map(str::trim)
            .collect();
        let rows = lines
            // The summary header (总交易单数, 总笔数, …) ends the data.
            .take_while(|l| !l.trim_start().starts_with('总'))
            .map(|l| {
                l.split(',')
                    .map(|f| f.trim().trim_start_matches('`'))
                    .collect()
            })
            .collect();
        Ok(Self {
            field,
            header,
            rows,
        })
    }

    fn bad(&self, m: &str) -> DomainError {
        DomainError::invalid(self.field, m.to_owned())
    }

    /// The column with one of these names.
    fn col(&self, names: &[&str]) -> DomainResult<usize> {
        self.header
            .iter()
            .position(|h| names.contains(h))
            .ok_or_else(|| self.bad(&format!("no column {}", names[0])))
    }

    fn get<'r>(&self, row: &'r [&'a str], i: usize) -> DomainResult<&'a str> {
        row.get(i)
            .copied()
            .ok_or_else(|| self.bad("a line is short"))
    }

    fn fen(&self, row: &[&'a str], i: usize) -> DomainResult<i64> {
        yuan_to_fen(self.get(row, i)?)
            .ok_or_else(|| self.bad("an amount is not yuan with 2 decimals"))
    }
}

/// Reads the payment and refund lines of a trade bill.
pub fn parse_trade_bill(csv: &str) -> DomainResult<Vec<Line>> {
    let f = BillFile::read(csv, "bill")?;
    let (status, trade_no, refund_no, paid, refunded) = (
        f.col(&["交易状态"])?,
        f.col(&["商户订单号"])?,
        f.col(&["商户退款单号"])?,
        f.col(&["应结订单金额"])?,
        f.col(&["退款金额"])?,
    );
    let mut out = Vec::new();
    for v in &f.rows {
        match f.get(v, status)? {
            "REFUND" => out.push(Line {
                kind: LineKind::Refund,
                out_no: f.get(v, refund_no)?.to_owned(),
                amount_fen: f.fen(v, refunded)?,
            }),
            "SUCCESS" => out.push(Line {
                kind: LineKind::Payment,
                out_no: f.get(v, trade_no)?.to_owned(),
                amount_fen: f.fen(v, paid)?,
            }),
            // REVOKED and the like move no money.
            _ => {}
        }
    }
    Ok(out)
}

/// Reads a profit-sharing bill: a line per successful sharing to a
/// receiver or return from one.
pub fn parse_sharing_bill(csv: &str) -> DomainResult<Vec<Line>> {
    let f = BillFile::read(csv, "sharing_bill")?;
    let (no, receiver, amount, kind) = (
        f.col(&["商户分账/回退单号"])?,
        f.col(&["分账接收方"])?,
        f.col(&["分账金额(元)", "分账金额"])?,
        f.col(&["业务类型", "动账类型"])?,
    );
    let status = f.col(&["处理状态"]).ok();
    let mut out = Vec::new();
    for v in &f.rows {
        if let Some(i) = status
            && !matches!(f.get(v, i)?, "成功" | "SUCCESS")
        {
            continue;
        }
        let fen = f.fen(v, amount)?;
        out.push(if f.get(v, kind)?.contains("回退") {
            Line {
                kind: LineKind::SharingReturn,
                out_no: f.get(v, no)?.to_owned(),
                amount_fen: fen,
            }
        } else {
            Line {
                kind: LineKind::Sharing,
                out_no: format!("{}:{}", f.get(v, no)?, f.get(v, receiver)?),
                amount_fen: fen,
            }
        });
    }
    Ok(out)
}

/// A line whose amounts differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Mismatch {
    /// Payment or refund.
    pub kind: LineKind,
    /// Our number.
    pub out_no: String,
    /// What we booked.
    pub ledger_fen: i64,
    /// What WeChat Pay reports.
    pub bill_fen: i64,
}

/// The comparison of one day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    /// The business day.
    pub bill_date: Option<NaiveDate>,
    /// Lines on both sides with the same amount.
    pub matched: usize,
    /// Booked by us, absent from the bill.
    pub missing_in_bill: Vec<Line>,
    /// In the bill, never booked by us.
    pub missing_in_ledger: Vec<Line>,
    /// On both sides, different amounts.
    pub mismatched: Vec<Mismatch>,
    /// Net money in by the ledger (payments − refunds).
    pub ledger_net_fen: i64,
    /// Net money in by the bill.
    pub bill_net_fen: i64,
}

impl Report {
    /// Lines that need a look.
    pub fn problems(&self) -> usize {
        self.missing_in_bill.len() + self.missing_in_ledger.len() + self.mismatched.len()
    }
}

fn net(lines: &[Line]) -> i64 {
    lines
        .iter()
        .map(|l| match l.kind {
            LineKind::Payment => l.amount_fen,
            LineKind::Refund => -l.amount_fen,
            // Sharing moves money between WeChat Pay accounts, not in.
            LineKind::Sharing | LineKind::SharingReturn => 0,
        })
        .sum()
}

/// Compares the two sides. Pure, for the unit tests.
pub fn compare(ledger: &[Line], bill: &[Line]) -> Report {
    let key = |l: &Line| (l.kind, l.out_no.clone());
    let ours: BTreeMap<_, i64> = ledger.iter().map(|l| (key(l), l.amount_fen)).collect();
    let theirs: BTreeMap<_, i64> = bill.iter().map(|l| (key(l), l.amount_fen)).collect();
    let mut r = Report {
        ledger_net_fen: net(ledger),
        bill_net_fen: net(bill),
        ..Default::default()
    };
    for ((kind, no), fen) in &ours {
        match theirs.get(&(*kind, no.clone())) {
            Some(b) if b == fen => r.matched += 1,
            Some(b) => r.mismatched.push(Mismatch {
                kind: *kind,
                out_no: no.clone(),
                ledger_fen: *fen,
                bill_fen: *b,
            }),
            None => r.missing_in_bill.push(Line {
                kind: *kind,
                out_no: no.clone(),
                amount_fen: *fen,
            }),
        }
    }
    for ((kind, no), fen) in &theirs {
        if !ours.contains_key(&(*kind, no.clone())) {
            r.missing_in_ledger.push(Line {
                kind: *kind,
                out_no: no.clone(),
                amount_fen: *fen,
            });
        }
    }
    r
}

/// The sources of the postings of some kinds booked on a business day:
/// source type → source ids.
async fn booked_on(
    db: &impl ConnectionTrait,
    platform_id: i64,
    date: NaiveDate,
    kinds: &[&str],
) -> DomainResult<BTreeMap<String, Vec<i64>>> {
    let p = crate::platform_end::platforms::platform_of(db, platform_id).await?;
    let (start, end) = crate::calendar::day_bounds(date, p.utc_offset_minutes);
    let mut out: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for posting in ledger_posting::Entity::find()
        .filter(ledger_posting::Column::PlatformId.eq(platform_id))
        .filter(ledger_posting::Column::CreatedAt.gte(start))
        .filter(ledger_posting::Column::CreatedAt.lt(end))
        .filter(ledger_posting::Column::Kind.is_in(kinds.iter().copied()))
        .all(db)
        .await?
    {
        out.entry(posting.source_type)
            .or_default()
            .push(posting.source_id);
    }
    Ok(out)
}

/// What the ledger booked through WeChat Pay on a business day.
pub async fn ledger_lines(
    db: &impl ConnectionTrait,
    platform_id: i64,
    date: NaiveDate,
) -> DomainResult<Vec<Line>> {
    let booked = booked_on(db, platform_id, date, &["captured", "refunded"]).await?;
    let ids = |t: &str| booked.get(t).cloned().unwrap_or_default();
    let refunds = refund::Entity::find()
        .filter(refund::Column::Id.is_in(ids("refund")))
        .all(db)
        .await?;
    let wechat_payments: BTreeMap<i64, payment::Model> = payment::Entity::find()
        .filter(payment::Column::Provider.eq(PayProvider::Wechat))
        .filter(
            payment::Column::Id.is_in(
                ids("payment")
                    .into_iter()
                    .chain(refunds.iter().map(|r| r.payment_id)),
            ),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut out = Vec::new();
    for id in ids("payment") {
        if let Some(p) = wechat_payments.get(&id) {
            out.push(Line {
                kind: LineKind::Payment,
                out_no: p.out_trade_no.clone(),
                amount_fen: p.amount_fen,
            });
        }
    }
    for r in refunds {
        if wechat_payments.contains_key(&r.payment_id) {
            out.push(Line {
                kind: LineKind::Refund,
                out_no: r.out_refund_no,
                amount_fen: r.amount_fen,
            });
        }
    }
    Ok(out)
}

/// The sharing and the returns the ledger booked on a business day.
pub async fn ledger_sharing_lines(
    db: &impl ConnectionTrait,
    platform_id: i64,
    date: NaiveDate,
) -> DomainResult<Vec<Line>> {
    use crate::{profit_share, profit_share_line, profit_share_return};
    let booked = booked_on(db, platform_id, date, &["success", "returned"]).await?;
    let ids = |t: &str| booked.get(t).cloned().unwrap_or_default();
    let lines = profit_share_line::Entity::find()
        .filter(profit_share_line::Column::Id.is_in(ids("profit_share_line")))
        .all(db)
        .await?;
    let shares: BTreeMap<i64, String> = profit_share::Entity::find()
        .filter(profit_share::Column::Id.is_in(lines.iter().map(|l| l.share_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.out_order_no))
        .collect();
    let mut out: Vec<Line> = lines
        .into_iter()
        .map(|l| Line {
            kind: LineKind::Sharing,
            out_no: format!(
                "{}:{}",
                shares.get(&l.share_id).map_or("", String::as_str),
                l.account
            ),
            amount_fen: l.amount_fen,
        })
        .collect();
    out.extend(
        profit_share_return::Entity::find()
            .filter(profit_share_return::Column::Id.is_in(ids("profit_share_return")))
            .all(db)
            .await?
            .into_iter()
            .map(|r| Line {
                kind: LineKind::SharingReturn,
                out_no: r.out_return_no,
                amount_fen: r.amount_fen,
            }),
    );
    Ok(out)
}

/// Reconciles a day against a trade bill (and, in partner mode, the
/// profit-sharing bill) and stores the report (replacing an earlier one of
/// the same day).
pub async fn reconcile(
    db: &impl ConnectionTrait,
    platform_id: i64,
    date: NaiveDate,
    bill_csv: &str,
    sharing_csv: Option<&str>,
    now: DateTime<Utc>,
) -> DomainResult<Report> {
    let mut bill = parse_trade_bill(bill_csv)?;
    let mut ours = ledger_lines(db, platform_id, date).await?;
    if let Some(csv) = sharing_csv {
        bill.extend(parse_sharing_bill(csv)?);
        ours.extend(ledger_sharing_lines(db, platform_id, date).await?);
    }
    let mut report = compare(&ours, &bill);
    report.bill_date = Some(date);
    let json = serde_json::to_string(&report)
        .map_err(|e| DomainError::invalid("report", e.to_string()))?;
    reconciliation_report::Entity::insert(reconciliation_report::ActiveModel {
        platform_id: Set(platform_id),
        bill_date: Set(date),
        matched: Set(report.matched as i32),
        problems: Set(report.problems() as i32),
        report: Set(json),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            reconciliation_report::Column::PlatformId,
            reconciliation_report::Column::BillDate,
        ])
        .update_columns([
            reconciliation_report::Column::Matched,
            reconciliation_report::Column::Problems,
            reconciliation_report::Column::Report,
            reconciliation_report::Column::CreatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BILL: &str = "\u{feff}交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注
`2026-11-23 10:05:00,`wx0000000000000001,`1900000109,`0,`,`4200000001,`TC1P1,`o-a,`JSAPI,`SUCCESS,`OTHERS,`CNY,`28.00,`0.00,`0,`0,`0.00,`0.00,`,`,`同城订单,`,`0.17000,`0.60%,`28.00,`0.00,`
`2026-11-23 11:00:00,`wx0000000000000001,`1900000109,`0,`,`4200000002,`TC2P1,`o-b,`JSAPI,`SUCCESS,`OTHERS,`CNY,`15.5,`0.00,`0,`0,`0.00,`0.00,`,`,`同城订单,`,`0.09000,`0.60%,`15.50,`0.00,`
`2026-11-23 12:00:00,`wx0000000000000001,`1900000109,`0,`,`4200000002,`TC2P1,`o-b,`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`5000001,`TC2P1R1,`15.50,`0.00,`ORIGINAL,`SUCCESS,`同城订单,`,`-0.09000,`0.60%,`0.00,`15.50,`
总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额
`3,`43.50,`15.50,`0.00,`0.17000,`43.50,`15.50
";

    #[test]
    fn yuan_reads_exactly() {
        assert_eq!(yuan_to_fen("28.00"), Some(2_800));
        assert_eq!(yuan_to_fen("15.5"), Some(1_550));
        assert_eq!(yuan_to_fen("0.07"), Some(7));
        assert_eq!(yuan_to_fen("-0.50"), Some(-50));
        assert_eq!(yuan_to_fen("3"), Some(300));
        assert_eq!(yuan_to_fen("1.234"), None);
        assert_eq!(yuan_to_fen("1,00"), None);
        assert_eq!(yuan_to_fen(""), None);
    }

    #[test]
    fn the_trade_bill_is_read() {
        let lines = parse_trade_bill(BILL).unwrap();
        assert_eq!(
            lines,
            vec![
                Line {
                    kind: LineKind::Payment,
                    out_no: "TC1P1".into(),
                    amount_fen: 2_800
                },
                Line {
                    kind: LineKind::Payment,
                    out_no: "TC2P1".into(),
                    amount_fen: 1_550
                },
                Line {
                    kind: LineKind::Refund,
                    out_no: "TC2P1R1".into(),
                    amount_fen: 1_550
                },
            ]
        );
        assert!(parse_trade_bill("").is_err());
        assert!(parse_trade_bill("a,b\n`1,`2").is_err(), "unknown columns");
    }

    #[test]
    fn both_sides_are_compared() {
        let bill = parse_trade_bill(BILL).unwrap();
        let ours = vec![
            Line {
                kind: LineKind::Payment,
                out_no: "TC1P1".into(),
                amount_fen: 2_800,
            },
            Line {
                kind: LineKind::Payment,
                out_no: "TC2P1".into(),
                amount_fen: 1_500,
            },
            Line {
                kind: LineKind::Payment,
                out_no: "TC3P1".into(),
                amount_fen: 900,
            },
        ];
        let r = compare(&ours, &bill);
        assert_eq!(r.matched, 1);
        assert_eq!(r.mismatched.len(), 1);
        assert_eq!(r.mismatched[0].bill_fen, 1_550);
        assert_eq!(r.missing_in_bill[0].out_no, "TC3P1");
        assert_eq!(r.missing_in_ledger[0].out_no, "TC2P1R1");
        assert_eq!(r.problems(), 3);
        assert_eq!(r.bill_net_fen, 2_800);
        assert_eq!(r.ledger_net_fen, 5_200);
        let clean = compare(&bill, &bill);
        assert_eq!((clean.matched, clean.problems()), (3, 0));
    }

    #[test]
    fn the_sharing_bill_is_read() {
        let csv = "分账发起时间,分账发起方,分账方,分账接收方,微信订单号,微信分账/回退单号,分账明细单号,商户分账/回退单号,分账金额(元),业务类型,处理状态,动账说明,备注
`2026-11-24 10:00:00,`1900000100,`1900000201,`1900000100,`4200TC1P1,`30080001,`36001,`PSTC1,`0.25,`分账,`成功,`平台服务费,`
`2026-11-24 10:00:00,`1900000100,`1900000201,`o-wang,`4200TC1P1,`30080001,`36002,`PSTC1,`4.00,`分账,`成功,`骑手配送费,`
`2026-11-25 09:00:00,`1900000100,`1900000201,`1900000100,`4200TC1P1,`30080002,`36003,`PRTC1P1C2,`0.05,`回退,`成功,`退款前回退平台分账,`
`2026-11-25 09:00:00,`1900000100,`1900000201,`1900000100,`4200TC1P1,`30080003,`36004,`PRTC1P1C3,`0.05,`回退,`失败,`,`
总笔数,分账总金额(元),回退总金额(元)
`3,`4.25,`0.05
";
        assert_eq!(
            parse_sharing_bill(csv).unwrap(),
            vec![
                Line {
                    kind: LineKind::Sharing,
                    out_no: "PSTC1:1900000100".into(),
                    amount_fen: 25
                },
                Line {
                    kind: LineKind::Sharing,
                    out_no: "PSTC1:o-wang".into(),
                    amount_fen: 400
                },
                Line {
                    kind: LineKind::SharingReturn,
                    out_no: "PRTC1P1C2".into(),
                    amount_fen: 5
                },
            ]
        );
        assert!(parse_sharing_bill("a,b\n`1,`2").is_err(), "unknown columns");
    }
}
