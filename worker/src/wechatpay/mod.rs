//! WeChat Pay API v3: the cryptography (this module's `crypto`); the HTTP
//! client, notifications and refunds build on it.

pub mod client;
pub mod crypto;

pub use client::{
    NotificationHeaders, PayError, RefundResult, RefundState, RequestPayment, Transaction,
    TransferBatchResult, TransferDetail, WechatPay,
};
