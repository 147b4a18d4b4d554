//! Transactions that write.

use sea_orm::{
    DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Begins a transaction that will write.
///
/// On SQLite this is `BEGIN IMMEDIATE`: the write lock is taken up front, so
/// concurrent writers wait for it (busy timeout) instead of failing when a
/// read lock cannot be upgraded. PostgreSQL ignores the mode.
pub async fn begin_write(
    db: &impl TransactionTrait<Transaction = DatabaseTransaction>,
) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}
