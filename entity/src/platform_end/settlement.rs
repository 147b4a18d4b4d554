//! The daily settlement run (T+1): for a platform and a finished local
//! business day, one statement per payee account — opening balance, the
//! day's entries, closing balance, and what the payee may withdraw.
//!
//! A run is idempotent and resumable: the run row and every statement are
//! written with "insert unless it exists" under unique keys, and each
//! statement is computed from the append-only ledger alone, so a run that
//! crashed after any statement is finished by running it again, and two
//! workers running it at once produce one set of statements.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::calendar::{day_bounds, last_closed_day};
use crate::error::{DomainError, DomainResult};
use crate::platform_end::ledger::AccountKind;
use crate::settlement_run::RunStatus;
use crate::{ledger_account, ledger_entry, settlement_run, statement};

/// Payee account kinds that get statements.
pub const PAYEES: [AccountKind; 4] = [
    AccountKind::MerchantPayable,
    AccountKind::RiderPayable,
    AccountKind::CarrierPayable,
    AccountKind::AgentPointPayable,
];

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// The run.
    pub run_id: i64,
    /// Statements written by this call.
    pub written: usize,
    /// Statements the run has in all.
    pub total: usize,
}

/// Settles `date` for a platform. `stop_after` (tests) fails the call
/// after writing that many statements, as a crash would.
pub async fn run(
    db: &impl ConnectionTrait,
    platform_id: i64,
    date: NaiveDate,
    now: DateTime<Utc>,
    stop_after: Option<usize>,
) -> DomainResult<RunReport> {
    let p = crate::platform_end::platforms::platform_of(db, platform_id).await?;
    if date > last_closed_day(now, p.utc_offset_minutes) {
        return Err(DomainError::invalid(
            "date",
            "only a finished business day can be settled",
        ));
    }
    let (start, end) = day_bounds(date, p.utc_offset_minutes);
    let r = run_row(db, platform_id, date, now).await?;
    let accounts = ledger_account::Entity::find()
        .filter(ledger_account::Column::PlatformId.eq(platform_id))
        .filter(ledger_account::Column::Kind.is_in(PAYEES))
        .order_by_asc(ledger_account::Column::Id)
        .all(db)
        .await?;
    let mut written = 0;
    let mut total = 0;
    for a in accounts {
        let kind = a.kind;
        // The latest earlier statement is a checkpoint: the opening balance
        // is its closing plus what was booked after its day, so a run reads
        // only recent entries, however long the history.
        let prev = statement::Entity::find()
            .filter(statement::Column::AccountId.eq(a.id))
            .filter(statement::Column::BusinessDate.lt(date))
            .order_by_desc(statement::Column::BusinessDate)
            .one(db)
            .await?;
        let mut query = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::AccountId.eq(a.id))
            .filter(ledger_entry::Column::CreatedAt.lt(end));
        let mut opening = 0;
        if let Some(prev) = &prev {
            let (_, prev_end) = day_bounds(prev.business_date, p.utc_offset_minutes);
            query = query.filter(ledger_entry::Column::CreatedAt.gte(prev_end));
            opening = prev.closing_fen;
        }
        let entries = query.all(db).await?;
        let (mut before, mut debits, mut credits, mut count) = (0i64, 0i64, 0i64, 0i32);
        for e in &entries {
            if e.created_at < start {
                before += e.amount_fen;
            } else {
                count += 1;
                // In the payee's sign: credits raise what is owed.
                if e.amount_fen < 0 {
                    credits -= e.amount_fen;
                } else {
                    debits += e.amount_fen;
                }
            }
        }
        let opening = opening + kind.balance(before);
        let closing = opening + credits - debits;
        // Nothing happened and nothing is owed: no statement.
        if count == 0 && opening == 0 {
            continue;
        }
        total += 1;
        let res = statement::Entity::insert(statement::ActiveModel {
            platform_id: Set(platform_id),
            run_id: Set(r.id),
            business_date: Set(date),
            account_id: Set(a.id),
            kind: Set(a.kind),
            owner_id: Set(a.owner_id),
            opening_fen: Set(opening),
            debits_fen: Set(debits),
            credits_fen: Set(credits),
            closing_fen: Set(closing),
            payable_fen: Set(closing.max(0)),
            entries: Set(count),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([statement::Column::RunId, statement::Column::AccountId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await;
        match res {
            Ok(n) if n > 0 => written += 1,
            Ok(_) | Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e.into()),
        }
        if stop_after.is_some_and(|n| written >= n) {
            return Err(DomainError::invalid("settlement", "stopped (test crash)"));
        }
    }
    settlement_run::Entity::update_many()
        .col_expr(settlement_run::Column::Status, Expr::value(RunStatus::Done))
        .col_expr(
            settlement_run::Column::Statements,
            Expr::value(total as i32),
        )
        .col_expr(settlement_run::Column::FinishedAt, Expr::value(Some(now)))
        .filter(settlement_run::Column::Id.eq(r.id))
        .filter(settlement_run::Column::Status.eq(RunStatus::Running))
        .exec(db)
        .await?;
    Ok(RunReport {
        run_id: r.id,
        written,
        total,
    })
}

async fn run_row(
    db: &impl ConnectionTrait,
    platform_id: i64,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> DomainResult<settlement_run::Model> {
    let res = settlement_run::Entity::insert(settlement_run::ActiveModel {
        platform_id: Set(platform_id),
        business_date: Set(date),
        status: Set(RunStatus::Running),
        statements: Set(0),
        created_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            settlement_run::Column::PlatformId,
            settlement_run::Column::BusinessDate,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await;
    match res {
        Ok(_) | Err(DbErr::RecordNotInserted) => {}
        Err(e) => return Err(e.into()),
    }
    settlement_run::Entity::find()
        .filter(settlement_run::Column::PlatformId.eq(platform_id))
        .filter(settlement_run::Column::BusinessDate.eq(date))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("settlement run"))
}

/// A payee's statements, newest first.
pub async fn statements_of(
    db: &impl ConnectionTrait,
    platform_id: i64,
    kind: AccountKind,
    owner_id: i64,
    limit: u64,
) -> DomainResult<Vec<statement::Model>> {
    use sea_orm::QuerySelect;
    Ok(statement::Entity::find()
        .filter(statement::Column::PlatformId.eq(platform_id))
        .filter(statement::Column::Kind.eq(kind.as_str()))
        .filter(statement::Column::OwnerId.eq(owner_id))
        .order_by_desc(statement::Column::BusinessDate)
        .limit(limit)
        .all(db)
        .await?)
}
