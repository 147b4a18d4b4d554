//! The kitchen's account: balance, statements and withdrawals.

use entity::payment::PayProvider;
use entity::payout::PayeeKind;

use crate::console::*;

#[derive(Template)]
#[template(path = "console/account.html")]
struct AccountPage {
    layout: Layout,
    csrf: String,
    /// The withdrawal form's idempotency key: a resubmitted form asks once.
    key: String,
    owner: bool,
    balance: String,
    available: String,
    statements: Vec<(String, String, String)>,
    payouts: Vec<(String, String, String)>,
}

pub(super) async fn account(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
) -> HttpResponse {
    page(req, who, |req, who| async move {
        let s = crate::routes::supply_end::store::my_store(&state.db, &who.principal).await?;
        let pid = who.principal.platform_id;
        let kind = entity::platform_end::ledger::AccountKind::MerchantPayable;
        let (balance, _) =
            entity::platform_end::ledger::payee_account(&state.db, pid, kind, s.merchant_id, 0)
                .await?;
        let payee = entity::platform_end::payouts::Payee {
            kind: PayeeKind::Merchant,
            owner_id: s.merchant_id,
        };
        let available = entity::platform_end::payouts::available(&state.db, pid, payee).await?;
        let statements = entity::platform_end::settlement::statements_of(
            &state.db,
            pid,
            kind,
            s.merchant_id,
            31,
        )
        .await?
        .into_iter()
        .map(|st| {
            (
                st.business_date.to_string(),
                crate::csv::yuan(st.closing_fen),
                format!("{} entries", st.entries),
            )
        })
        .collect();
        let payouts = entity::platform_end::payouts::of_payee(&state.db, pid, payee)
            .await?
            .into_iter()
            .map(|p| {
                (
                    p.out_batch_no,
                    crate::csv::yuan(p.amount_fen),
                    p.status.to_string(),
                )
            })
            .collect();
        let owner = crate::routes::supply_end::store::owned_merchant(&state.db, &who.principal)
            .await
            .is_ok();
        let page = AccountPage {
            key: hex::encode(entity::ids::random_bytes::<16>()),
            layout: Layout::of(&req, Some(&who), "account"),
            csrf: who.csrf.clone(),
            owner,
            balance: crate::csv::yuan(balance),
            available: crate::csv::yuan(available),
            statements,
            payouts,
        };
        Ok(html(StatusCode::OK, page.render()))
    })
    .await
}

/// The withdrawal form: yuan with up to two decimals.
#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
    amount: String,
}

pub(super) async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Option<ConsoleUser>,
    form: web::Form<WithdrawForm>,
) -> HttpResponse {
    page(req, who, |_, who| async move {
        who.check_csrf(&form.csrf)?;
        let m = crate::routes::supply_end::store::owned_merchant(&state.db, &who.principal).await?;
        let amount = parse_yuan(&form.amount)
            .ok_or_else(|| ApiError::field("amount", "yuan, e.g. 120.50"))?;
        let provider = if crate::routes::to_door_line::payments::merchant_of(
            &state,
            who.principal.platform_id,
        )
        .await?
        .is_some()
        {
            PayProvider::Wechat
        } else {
            PayProvider::Demo
        };
        let payee = entity::platform_end::payouts::Payee {
            kind: PayeeKind::Merchant,
            owner_id: m.id,
        };
        let txn = entity::tx::begin_write(&state.writer).await?;
        let res = entity::platform_end::payouts::request(
            &txn,
            m.platform_id,
            payee,
            who.principal.user_id,
            amount,
            provider,
            (!form.key.is_empty()).then_some(form.key.as_str()),
            &crate::routes::to_door_line::orders::public_no(&state, "PO"),
            state.clock.now(),
        )
        .await;
        crate::routes::finish(txn, res).await?;
        Ok(see_other("/console/kitchen/account"))
    })
    .await
}
