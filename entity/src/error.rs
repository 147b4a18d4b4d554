//! The errors of domain operations; the API maps each to a stable code.

use chrono::NaiveDate;
use sea_orm::DbErr;

use crate::listing_line::product_states::InvalidTransition;

/// Why a domain operation refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The object does not exist on the caller's platform (or is not theirs).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A field is invalid.
    #[error("{field}: {message}")]
    Invalid {
        /// The field, as named in the request.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The address is not served by the platform.
    #[error("{0}")]
    OutsideServiceArea(String),
    /// Someone changed the object since the caller read it.
    #[error("{what} changed since version {expected}; reload and retry")]
    StaleVersion {
        /// The object.
        what: &'static str,
        /// The version the caller sent.
        expected: i32,
    },
    /// Something else still refers to the object.
    #[error("{0} is still in use; remove what refers to it first")]
    InUse(&'static str),
    /// The caller already has a pending application.
    #[error("an application is already pending")]
    ApplicationPending,
    /// The application was decided already.
    #[error("the application was already {0}")]
    ApplicationDecided(String),
    /// A listing-line transition that is not allowed.
    #[error(transparent)]
    Listing(#[from] InvalidTransition),
    /// A product cannot go to review yet (e.g. no SKU).
    #[error("{0}")]
    NotReady(String),
    /// The store is closed (or its "closed now" switch is on).
    #[error("the store is closed now")]
    StoreClosed,
    /// The address is beyond the store's delivery range or routes.
    #[error("{0}")]
    OutOfDeliveryRange(String),
    /// The items do not reach the store's minimum order.
    #[error("the minimum order is {min_fen} fen; the items come to {total_fen} fen")]
    BelowMinimumOrder {
        /// The store's minimum.
        min_fen: i64,
        /// The items' total.
        total_fen: i64,
    },
    /// A SKU is not for sale (unknown, off the shelf, or not listed).
    #[error("SKU {0} is not available")]
    SkuUnavailable(i64),
    /// Not enough stock for a SKU.
    #[error("not enough stock for SKU {0}")]
    InsufficientStock(i64),
    /// No village departure with an open cut-off within a week.
    #[error("no departure of the routes serving this agent point is open for orders")]
    NoDepartureAvailable,
    /// An order transition that the state machine does not allow.
    #[error(transparent)]
    OrderState(#[from] crate::to_door_line::order_states::InvalidOrderTransition),
    /// An idempotency key reused with a different request.
    #[error("this Idempotency-Key was used with a different request")]
    IdempotencyKeyReused,
    /// A payment whose amount differs from what was asked.
    #[error("paid amount {paid_fen} differs from the order's {expected_fen}")]
    AmountMismatch {
        /// Expected.
        expected_fen: i64,
        /// Reported by the provider.
        paid_fen: i64,
    },
    /// A rider or delivery-job step refused.
    #[error(transparent)]
    Delivery(crate::error::DeliveryRefusal),
    /// A payout larger than what may be withdrawn.
    #[error(
        "{asked_fen} fen asked, {available_fen} fen may be withdrawn (settled and not yet paid out)"
    )]
    InsufficientBalance {
        /// What may be withdrawn now.
        available_fen: i64,
        /// What was asked.
        asked_fen: i64,
    },
    /// A village trip step its status does not allow.
    #[error("the trip cannot take this step: {0}")]
    TripState(String),
    /// A payout step its status does not allow.
    #[error("the payout is {0}")]
    PayoutState(String),
    /// A refund step its status does not allow.
    #[error("the refund is {0}")]
    RefundState(String),
    /// In partner mode, what sharing would split off a payment passes the
    /// service provider's limit (rules being saved, or an order's quote).
    #[error("{0}")]
    OverSharingLimit(String),
    /// The record exists already (a registered household, a month's wage).
    #[error("{0}")]
    Duplicate(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl DomainError {
    /// An invalid field.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        DomainError::Invalid {
            field,
            message: message.into(),
        }
    }
}

/// Result of domain operations.
pub type DomainResult<T> = Result<T, DomainError>;

/// Why a delivery step is refused; each has its own error code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeliveryRefusal {
    /// The caller has a rider record already.
    #[error("you are registered already (status {0})")]
    AlreadyRegistered(String),
    /// Another rider registered with this ID number.
    #[error("this ID number is registered to another rider")]
    IdNumberTaken,
    /// The rider is not verified (yet).
    #[error("the rider is not verified")]
    RiderNotVerified,
    /// The health certificate has expired.
    #[error("the health certificate expired on {0}")]
    HealthCertExpired(NaiveDate),
    /// The rider is off duty.
    #[error("go on duty first")]
    NotOnDuty,
    /// Somebody else took the job first.
    #[error("another rider took this job")]
    JobTaken,
    /// The rider carries as many jobs as the platform allows.
    #[error("you carry {0} jobs already, the most allowed")]
    RiderAtCapacity(i32),
    /// The job is not in a state for this step.
    #[error("the job is {0}")]
    JobState(String),
    /// The platform dispatches automatically only.
    #[error("jobs are dispatched automatically on this platform")]
    GrabNotAllowed,
    /// Pickup away from the store.
    #[error("you are {distance_m} m from the store; pickup needs you within {radius_m} m")]
    OutsideGeofence {
        /// How far.
        distance_m: i64,
        /// The platform's radius.
        radius_m: i64,
    },
    /// The kitchen has not marked the order ready.
    #[error("the kitchen has not marked the order ready yet")]
    OrderNotReady,
    /// A wrong delivery code.
    #[error("wrong delivery code; {0} attempts left")]
    CodeWrong(i32),
    /// Too many wrong codes: an operator must look.
    #[error("the job is locked for operator review after 3 wrong codes")]
    JobLocked,
    /// The offer expired, was answered, or was never made.
    #[error("no open offer of this job to you")]
    NoOffer,
    /// Tracking exists only while the order is on its way.
    #[error("the order is not out for delivery")]
    NotTrackable,
}

impl From<DeliveryRefusal> for DomainError {
    fn from(r: DeliveryRefusal) -> Self {
        DomainError::Delivery(r)
    }
}
