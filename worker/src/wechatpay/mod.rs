//! WeChat Pay API v3: the cryptography (this module's `crypto`); the HTTP
//! client, notifications and refunds build on it; `merchants` picks the
//! merchant of each county; `sharing` is partner mode's profit sharing.

pub mod client;
pub mod crypto;
pub mod merchants;
pub mod sharing;

pub use client::{
    MerchantParts, NotificationHeaders, PayError, RefundResult, RefundState, RequestPayment,
    Transaction, TransferBatchResult, TransferDetail, WechatPay,
};
pub use merchants::{MerchantError, PayMerchants};
pub use sharing::{Receiver, SharePart, ShareResult, ShareReturn, SharingNotice, SharingOrder};
