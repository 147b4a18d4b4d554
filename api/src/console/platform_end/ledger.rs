//! The operator's ledger page: trial balance, the refunds WeChat Pay did
//! not carry out (with "send again"), settlement runs and reconciliation.

use crate::console::*;

#[derive(Template)]
#[template(path = "console/ledger.html")]
struct LedgerPage {
    layout: Layout,
    csrf: String,
    failed_refunds: Vec<FailedRefund>,
    /// Bill date, matched, problems.
    reconciliations: Vec<(String, String, String)>,
    balanced: bool,
    accounts: Vec<(String, String, String, String, String)>,
    total_debits: String,
    total_credits: String,
    runs: Vec<(String, String, String)>,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
}

/// A row of the failed-refund queue.
struct FailedRefund {
    id: i64,
    order_no: String,
    amount: String,
    code: String,
    message: String,
    failed_at: String,
    retries: i32,
}

pub(super) async fn ledger(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        who.principal.require(Role::Operator)?;
        let pid = who.principal.platform_id;
        let accounts = entity::platform_end::ledger::balances(&state.db, pid).await?;
        let d: i64 = accounts.iter().map(|a| a.debits_fen).sum();
        let c: i64 = accounts.iter().map(|a| a.credits_fen).sum();
        let rows = accounts
            .iter()
            .map(|a| {
                (
                    a.kind.as_str().to_owned(),
                    if a.owner_id == 0 {
                        String::new()
                    } else {
                        a.owner_id.to_string()
                    },
                    crate::csv::yuan(a.debits_fen),
                    crate::csv::yuan(a.credits_fen),
                    crate::csv::yuan(a.balance_fen),
                )
            })
            .collect();
        let runs = entity::settlement_run::Entity::find()
            .filter(entity::settlement_run::Column::PlatformId.eq(pid))
            .order_by_desc(entity::settlement_run::Column::BusinessDate)
            .limit(14)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|r| {
                (
                    r.business_date.to_string(),
                    r.status.to_string(),
                    r.statements.to_string(),
                )
            })
            .collect();
        let reconciliations = entity::reconciliation_report::Entity::find()
            .filter(entity::reconciliation_report::Column::PlatformId.eq(pid))
            .order_by_desc(entity::reconciliation_report::Column::BillDate)
            .limit(14)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|r| {
                (
                    r.bill_date.to_string(),
                    r.matched.to_string(),
                    r.problems.to_string(),
                )
            })
            .collect();
        let failed_refunds = entity::to_door_line::refunds::needing_attention(&state.db, pid)
            .await?
            .into_iter()
            .map(|s| FailedRefund {
                id: s.refund.id,
                order_no: s.order_no,
                amount: crate::csv::yuan(s.refund.amount_fen),
                code: s.refund.failure_code.unwrap_or_default(),
                message: s.refund.failure_message.unwrap_or_default(),
                failed_at: s
                    .refund
                    .failed_at
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default(),
                retries: s.refund.retries,
            })
            .collect();
        let to = crate::routes::local_today(&state, pid).await?;
        let page = LedgerPage {
            csrf: who.csrf.clone(),
            failed_refunds,
            reconciliations,
            layout: Layout::of(&req, Some(&who), "ledger"),
            balanced: d == c,
            accounts: rows,
            total_debits: crate::csv::yuan(d),
            total_credits: crate::csv::yuan(c),
            runs,
            from: to - Duration::days(29),
            to,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}

/// The "send again" button of a failed refund.
#[derive(Debug, Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    csrf: String,
}

pub(super) async fn retry_refund(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    id: web::Path<i64>,
    form: web::Form<RetryForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        who.principal.require(Role::Operator)?;
        let txn = entity::tx::begin_write(&state.writer).await?;
        let res = entity::to_door_line::refunds::retry(
            &txn,
            who.principal.platform_id,
            *id,
            state.clock.now(),
        )
        .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/ledger"))
    })
    .await
}
