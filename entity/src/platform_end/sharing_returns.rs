//! Refunds after sharing (分账回退). Once an order was shared, what is
//! left of its payment at the kitchen's sub-merchant is the kitchen's own
//! money; the platform carries refunds after delivery, so before such a
//! refund its share goes back from the service provider to the
//! sub-merchant (only a merchant receiver's part can be returned, and the
//! rider and the carrier keep what they earned), and the refund is paid
//! out of it. A refund larger than the platform's share, or one whose
//! return WeChat Pay refused, is paid from the kitchen's money and stays
//! owed to the kitchen in its payable.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use crate::error::{DomainError, DomainResult};
use crate::ledger_account::AccountKind;
use crate::platform_end::ledger::{self, Leg, Source};
use crate::platform_end::profit_sharing;
use crate::profit_share::ShareStatus;
use crate::profit_share_line::{LineResult, ShareRole};
use crate::profit_share_return::ReturnStatus;
use crate::{profit_share, profit_share_return, refund};

/// What has to happen before a partner-mode refund is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum BeforeRefund {
    /// Nothing: the order is not shared (its payment is still held).
    Nothing,
    /// The order's sharing order is being processed: the refund waits.
    WaitForSharing,
    /// The platform's share goes back first (or went back already).
    Return(profit_share_return::Model),
}

/// What of the platform's part of a share can still be returned: what
/// reached it, less what earlier returns took back. Pure.
pub fn returnable(shared_fen: i64, returned_fen: i64, refund_fen: i64) -> i64 {
    (shared_fen - returned_fen).min(refund_fen).max(0)
}

/// Decides, and stores once per refund, what happens before `r` is sent:
/// a return of up to the refund's amount from the platform's part of the
/// order's finished sharing order. Run it in a transaction.
pub async fn before_refund(
    db: &impl ConnectionTrait,
    r: &refund::Model,
    return_mchid: &str,
    now: DateTime<Utc>,
) -> DomainResult<BeforeRefund> {
    if let Some(existing) = of_refund(db, r.id).await? {
        return Ok(BeforeRefund::Return(existing));
    }
    let Some(share) = profit_sharing::of_order(db, r.order_id).await? else {
        return Ok(BeforeRefund::Nothing);
    };
    match share.status {
        ShareStatus::Scheduled => return Ok(BeforeRefund::Nothing),
        ShareStatus::Requested => return Ok(BeforeRefund::WaitForSharing),
        ShareStatus::Finished => {}
    }
    let shared: i64 = profit_sharing::lines(db, share.id)
        .await?
        .iter()
        .filter(|l| {
            l.role == ShareRole::Platform
                && l.result == LineResult::Success
                && l.account == return_mchid
        })
        .map(|l| l.amount_fen)
        .sum();
    let returned: i64 = profit_share_return::Entity::find()
        .filter(profit_share_return::Column::ShareId.eq(share.id))
        .filter(profit_share_return::Column::Status.ne(ReturnStatus::Failed))
        .all(db)
        .await?
        .iter()
        .map(|x| x.amount_fen)
        .sum();
    let amount = returnable(shared, returned, r.amount_fen);
    if amount == 0 {
        return Ok(BeforeRefund::Nothing);
    }
    let res = profit_share_return::Entity::insert(profit_share_return::ActiveModel {
        platform_id: Set(share.platform_id),
        share_id: Set(share.id),
        refund_id: Set(r.id),
        out_return_no: Set(format!("PR{}", r.out_refund_no)),
        return_mchid: Set(return_mchid.to_owned()),
        amount_fen: Set(amount),
        status: Set(ReturnStatus::Requested),
        return_id: Set(None),
        fail_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(profit_share_return::Column::RefundId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await;
    match res {
        Ok(_) | Err(DbErr::RecordNotInserted) => {}
        Err(e) => return Err(e.into()),
    }
    of_refund(db, r.id)
        .await?
        .map(BeforeRefund::Return)
        .ok_or(DomainError::NotFound("profit share return"))
}

/// A refund's return, if it has one.
pub async fn of_refund(
    db: &impl ConnectionTrait,
    refund_id: i64,
) -> DomainResult<Option<profit_share_return::Model>> {
    Ok(profit_share_return::Entity::find()
        .filter(profit_share_return::Column::RefundId.eq(refund_id))
        .one(db)
        .await?)
}

async fn settle(
    db: &impl ConnectionTrait,
    ret: &profit_share_return::Model,
    status: ReturnStatus,
    return_id: Option<&str>,
    fail_reason: Option<&str>,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let moved = profit_share_return::Entity::update_many()
        .col_expr(profit_share_return::Column::Status, Expr::value(status))
        .col_expr(
            profit_share_return::Column::ReturnId,
            Expr::value(return_id.map(str::to_owned)),
        )
        .col_expr(
            profit_share_return::Column::FailReason,
            Expr::value(fail_reason.map(|f| f.chars().take(200).collect::<String>())),
        )
        .col_expr(profit_share_return::Column::UpdatedAt, Expr::value(now))
        .filter(profit_share_return::Column::Id.eq(ret.id))
        .filter(profit_share_return::Column::Status.eq(ReturnStatus::Requested))
        .exec(db)
        .await?;
    Ok(moved.rows_affected == 1)
}

/// WeChat Pay moved the money back to the sub-merchant: booked once as
/// the platform's money lent to the kitchen for the refund (the refund
/// then takes it from the kitchen). `false` when it was final already.
pub async fn returned(
    db: &impl ConnectionTrait,
    ret: &profit_share_return::Model,
    return_id: &str,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    if !settle(db, ret, ReturnStatus::Success, Some(return_id), None, now).await? {
        return Ok(false);
    }
    let share = crate::scope::get::<profit_share::Entity>(db, ret.share_id, "profit share").await?;
    ledger::post(
        db,
        ret.platform_id,
        Source {
            kind_of_source: "profit_share_return",
            id: ret.id,
            event: "returned",
        },
        &[
            Leg::debit(AccountKind::MerchantPayable, ret.amount_fen).of(share.merchant_id),
            Leg::credit(AccountKind::Clearing, ret.amount_fen),
        ],
        None,
        &format!(
            "return {} of sharing {}: {} fen back to the kitchen for a refund",
            ret.out_return_no, share.out_order_no, ret.amount_fen
        ),
        now,
    )
    .await?;
    Ok(true)
}

/// WeChat Pay refused the return for good: the refund goes ahead out of
/// the kitchen's money. `false` when it was final already.
pub async fn refused(
    db: &impl ConnectionTrait,
    ret: &profit_share_return::Model,
    reason: &str,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    settle(db, ret, ReturnStatus::Failed, None, Some(reason), now).await
}

#[cfg(test)]
mod tests {
    use super::returnable;

    #[test]
    fn a_return_takes_back_at_most_the_refund_and_what_is_left_of_the_share() {
        assert_eq!(returnable(300, 0, 100), 100);
        assert_eq!(returnable(300, 0, 500), 300);
        assert_eq!(returnable(300, 250, 100), 50);
        assert_eq!(returnable(300, 300, 100), 0);
        assert_eq!(returnable(0, 0, 100), 0);
    }
}
