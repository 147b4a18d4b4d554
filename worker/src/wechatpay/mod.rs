//! WeChat Pay API v3: the cryptography (this module's `crypto`); the HTTP
//! client, notifications and refunds build on it; `merchants` picks the
//! merchant of each county.

pub mod client;
pub mod crypto;
pub mod merchants;

pub use client::{
    MerchantParts, NotificationHeaders, PayError, RefundResult, RefundState, RequestPayment,
    Transaction, TransferBatchResult, TransferDetail, WechatPay,
};
pub use merchants::{MerchantError, PayMerchants};
