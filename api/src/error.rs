//! The one error type at the HTTP boundary and its stable codes.
//!
//! Every failure leaves the server as `{"code", "message", "request_id"}`
//! (plus `errors` naming fields for validation failures) with a real status.
//! Codes are part of the API: never renamed, only added.

use actix_web::{HttpResponse, ResponseError, http::StatusCode, http::header};
use serde::Serialize;
use utoipa::ToSchema;

use crate::middleware::request_id::current_request_id;

macro_rules! error_codes {
    ($($variant:ident = $status:expr, $text:literal;)*) => {
        /// Every error code the API returns, with its HTTP status.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(non_camel_case_types)]
        pub enum ErrorCode {
            $(#[doc = $text] $variant,)*
        }

        impl ErrorCode {
            /// All codes, for documentation.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The wire name, e.g. `WECHAT_CODE_INVALID`.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => stringify!($variant),)* }
            }

            /// The HTTP status that goes with the code.
            pub fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => $status,)* }
            }

            /// What the code means.
            pub fn description(self) -> &'static str {
                match self { $(ErrorCode::$variant => $text,)* }
            }
        }
    };
}

error_codes! {
    VALIDATION_FAILED = StatusCode::UNPROCESSABLE_ENTITY, "A field is missing or invalid; `errors` names it.";
    MALFORMED_JSON = StatusCode::BAD_REQUEST, "The body is not valid JSON.";
    UNSUPPORTED_MEDIA_TYPE = StatusCode::UNSUPPORTED_MEDIA_TYPE, "The body must be `application/json`.";
    PAYLOAD_TOO_LARGE = StatusCode::PAYLOAD_TOO_LARGE, "The body is larger than the configured limit.";
    BAD_REQUEST = StatusCode::BAD_REQUEST, "The request is malformed (path or query).";
    NOT_FOUND = StatusCode::NOT_FOUND, "No such route or object (or not yours to see).";
    METHOD_NOT_ALLOWED = StatusCode::METHOD_NOT_ALLOWED, "The route exists but not with this method.";
    UNAUTHENTICATED = StatusCode::UNAUTHORIZED, "No bearer token was sent.";
    TOKEN_INVALID = StatusCode::UNAUTHORIZED, "The access token is malformed, forged or uses another algorithm.";
    TOKEN_EXPIRED = StatusCode::UNAUTHORIZED, "The access token has expired; refresh it.";
    FORBIDDEN = StatusCode::FORBIDDEN, "The caller lacks the role or platform for this action.";
    USER_DISABLED = StatusCode::FORBIDDEN, "The account is disabled.";
    WECHAT_CODE_INVALID = StatusCode::UNAUTHORIZED, "WeChat rejected the login code (errcode 40029/40163).";
    WECHAT_RATE_LIMITED = StatusCode::TOO_MANY_REQUESTS, "WeChat rate-limited this user (errcode 45011).";
    WECHAT_USER_BLOCKED = StatusCode::FORBIDDEN, "WeChat flags this user as high-risk (errcode 40226).";
    WECHAT_UNAVAILABLE = StatusCode::SERVICE_UNAVAILABLE, "WeChat is busy or unreachable (errcode -1, timeout); retry.";
    WECHAT_ERROR = StatusCode::BAD_GATEWAY, "WeChat returned an unexpected error.";
    WECHAT_LOGIN_NOT_CONFIGURED = StatusCode::SERVICE_UNAVAILABLE, "No mini-program credentials are configured and demo login is off.";
    INVALID_CREDENTIALS = StatusCode::UNAUTHORIZED, "Unknown username or wrong password.";
    LOGIN_LOCKED = StatusCode::TOO_MANY_REQUESTS, "Too many failed logins; wait for `Retry-After` seconds.";
    RATE_LIMITED = StatusCode::TOO_MANY_REQUESTS, "Too many requests of this kind (logins, orders, grabs, trace look-ups); wait for `Retry-After` seconds.";
    REFRESH_TOKEN_INVALID = StatusCode::UNAUTHORIZED, "The refresh token is unknown or revoked.";
    REFRESH_TOKEN_EXPIRED = StatusCode::UNAUTHORIZED, "The refresh token has expired; log in again.";
    REFRESH_TOKEN_REUSED = StatusCode::UNAUTHORIZED, "The refresh token was used before; the session is revoked.";
    PLATFORM_NOT_FOUND = StatusCode::NOT_FOUND, "No county platform has that code.";
    MINI_PROGRAM_NOT_FOUND = StatusCode::NOT_FOUND, "No county's mini-program has that appid.";
    MINI_PROGRAM_UNAVAILABLE = StatusCode::SERVICE_UNAVAILABLE, "The county's mini-program credentials cannot be opened (secrets key missing or wrong); the operator must fix the configuration.";
    CONFLICT = StatusCode::CONFLICT, "The object already exists or changed meanwhile.";
    STALE_VERSION = StatusCode::CONFLICT, "Someone changed the object since you read it; reload and retry with the new `version`.";
    ADDRESS_OUTSIDE_SERVICE_AREA = StatusCode::UNPROCESSABLE_ENTITY, "No community or agent point of this platform serves that address.";
    APPLICATION_PENDING = StatusCode::CONFLICT, "You already have a pending merchant application on this platform.";
    APPLICATION_ALREADY_DECIDED = StatusCode::CONFLICT, "The application was approved or rejected already.";
    INVALID_PRODUCT_STATE = StatusCode::CONFLICT, "The listing line does not allow this step from the product's status.";
    PRODUCT_NOT_READY = StatusCode::UNPROCESSABLE_ENTITY, "The product is missing something it needs for review (e.g. a SKU).";
    STORE_CLOSED = StatusCode::UNPROCESSABLE_ENTITY, "The store is closed now.";
    OUT_OF_DELIVERY_RANGE = StatusCode::UNPROCESSABLE_ENTITY, "The address is beyond the store's delivery range or village routes.";
    BELOW_MINIMUM_ORDER = StatusCode::UNPROCESSABLE_ENTITY, "The items do not reach the store's minimum order.";
    SKU_UNAVAILABLE = StatusCode::UNPROCESSABLE_ENTITY, "A SKU is unknown, off the shelf or not listed.";
    INSUFFICIENT_STOCK = StatusCode::CONFLICT, "Not enough stock left for a SKU.";
    NO_DEPARTURE_AVAILABLE = StatusCode::UNPROCESSABLE_ENTITY, "No village departure is open for orders within a week.";
    INVALID_ORDER_STATE = StatusCode::CONFLICT, "The order cannot take this step from its status.";
    IDEMPOTENCY_KEY_REUSED = StatusCode::UNPROCESSABLE_ENTITY, "The Idempotency-Key was used with a different request.";
    SESSION_ENDED = StatusCode::UNAUTHORIZED, "The access token's session was signed out or revoked; sign in again.";
    IDEMPOTENCY_KEY_IN_USE = StatusCode::CONFLICT, "A request with this Idempotency-Key is still being processed; retry after `Retry-After` seconds.";
    PAYMENT_AMOUNT_MISMATCH = StatusCode::BAD_REQUEST, "The paid amount differs from the order's.";
    PAYMENT_UNAVAILABLE = StatusCode::SERVICE_UNAVAILABLE, "WeChat Pay is unreachable or busy; retry.";
    PAYMENT_REFUSED = StatusCode::BAD_GATEWAY, "WeChat Pay refused the payment request.";
    WECHATPAY_SIGNATURE_INVALID = StatusCode::UNAUTHORIZED, "A WeChat Pay notification failed signature, serial, timestamp or decryption checks.";
    WECHAT_IDENTITY_REQUIRED = StatusCode::FORBIDDEN, "Paying with WeChat needs a WeChat sign-in for this mini-program.";
    SUB_MERCHANT_MISSING = StatusCode::CONFLICT, "The county takes WeChat Pay in partner mode and this kitchen has no sub-merchant number yet; the operator records it first.";
    PAYMENT_MERCHANT_UNAVAILABLE = StatusCode::SERVICE_UNAVAILABLE, "The county's WeChat Pay merchant keys cannot be opened (secrets key missing or wrong); the operator must fix the configuration.";
    NOT_STORE_STAFF = StatusCode::FORBIDDEN, "You do not work at a store on this platform.";
    UNSUPPORTED_IMAGE = StatusCode::UNSUPPORTED_MEDIA_TYPE, "The upload is not a JPEG, PNG or WebP image (checked by content).";
    RIDER_ALREADY_REGISTERED = StatusCode::CONFLICT, "You are registered as a rider already (pending or verified).";
    ID_NUMBER_TAKEN = StatusCode::CONFLICT, "Another rider registered with this ID number.";
    RIDER_NOT_VERIFIED = StatusCode::FORBIDDEN, "Register and wait for an operator to verify you first.";
    HEALTH_CERT_EXPIRED = StatusCode::CONFLICT, "The rider's health certificate has expired; renew it to go on duty.";
    NOT_ON_DUTY = StatusCode::CONFLICT, "Go on duty first.";
    JOB_TAKEN = StatusCode::CONFLICT, "Another rider took this job first.";
    RIDER_AT_CAPACITY = StatusCode::CONFLICT, "You carry as many jobs as the platform allows.";
    INVALID_JOB_STATE = StatusCode::CONFLICT, "The delivery job cannot take this step from its status.";
    GRAB_NOT_ALLOWED = StatusCode::CONFLICT, "The platform dispatches jobs automatically; wait for an offer.";
    OUTSIDE_PICKUP_GEOFENCE = StatusCode::UNPROCESSABLE_ENTITY, "Pickup is only possible at the store (within the platform's radius).";
    ORDER_NOT_READY = StatusCode::CONFLICT, "The kitchen has not marked the order ready yet.";
    DELIVERY_CODE_WRONG = StatusCode::UNPROCESSABLE_ENTITY, "Wrong delivery code; the message says how many attempts are left.";
    JOB_LOCKED = StatusCode::LOCKED, "Three wrong delivery codes: the job waits for an operator.";
    PICKUP_LOCKED = StatusCode::LOCKED, "Three wrong pickup codes: the package waits for an operator to lift the lock.";
    NO_OFFER = StatusCode::CONFLICT, "No open offer of this job to you (expired or answered).";
    NOT_TRACKABLE = StatusCode::CONFLICT, "Tracking exists only while the order is out for delivery.";
    INSUFFICIENT_BALANCE = StatusCode::CONFLICT, "The payout is larger than the settled balance not yet paid out.";
    INVALID_TRIP_STATE = StatusCode::CONFLICT, "The village trip or stop cannot take this step now.";
    INVALID_PAYOUT_STATE = StatusCode::CONFLICT, "The payout cannot take this step from its status.";
    INVALID_REFUND_STATE = StatusCode::CONFLICT, "The refund cannot take this step: only a failed refund is sent again, and only a delivered order is compensated.";
    OVER_SHARING_LIMIT = StatusCode::UNPROCESSABLE_ENTITY, "In partner mode the platform's commission and the delivery fee are split off each payment by profit sharing, which WeChat Pay caps (30 % unless the county's limit says otherwise): the rules being saved, or this order, would pass the cap. The message gives the figures.";
    NOT_MERCHANT_OWNER = StatusCode::FORBIDDEN, "Only the merchant's owner withdraws its money.";
    DATABASE_UNAVAILABLE = StatusCode::SERVICE_UNAVAILABLE, "The database cannot be reached.";
    SERVER_BUSY = StatusCode::SERVICE_UNAVAILABLE, "The server is at capacity for this kind of request; retry shortly.";
    INTERNAL = StatusCode::INTERNAL_SERVER_ERROR, "An unexpected error; the request id finds it in the logs.";
}

/// A field-level validation problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, as named in the request (dotted for nested fields).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `WECHAT_CODE_INVALID`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// The request id, also in the `x-request-id` header and the logs.
    pub request_id: String,
    /// Field-level problems (validation failures only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// An error returned by a handler.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    errors: Vec<FieldError>,
    retry_after_secs: Option<u64>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            errors: Vec::new(),
            retry_after_secs: None,
        }
    }

    /// A validation failure of one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let message = message.into();
        Self {
            code: ErrorCode::VALIDATION_FAILED,
            message: format!("{field}: {message}"),
            errors: vec![FieldError { field, message }],
            retry_after_secs: None,
        }
    }

    /// A validation failure of several fields at once.
    pub fn fields(problems: Vec<FieldError>) -> Self {
        let message = match problems.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} problems; see `errors`", many.len()),
        };
        Self {
            code: ErrorCode::VALIDATION_FAILED,
            message,
            errors: problems,
            retry_after_secs: None,
        }
    }

    /// Adds a `Retry-After` header.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// The code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// 403 for a caller without the needed role or platform.
    pub fn forbidden() -> Self {
        Self::new(ErrorCode::FORBIDDEN, "you may not do this")
    }

    /// 404 for an object that does not exist or is not the caller's.
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NOT_FOUND, format!("{what} not found"))
    }

    /// 500, logging the cause under the request id; the client sees no detail.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(ErrorCode::INTERNAL, "internal error")
    }
}

/// PostgreSQL's `22021` (character not in repertoire): a NUL in text that
/// got past the checks at the edge. The caller's fault, never a 500.
fn nul_in_text(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    let (DbErr::Query(RuntimeErr::SqlxError(x)) | DbErr::Exec(RuntimeErr::SqlxError(x))) = e else {
        return false;
    };
    x.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|code| code == "22021")
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        use sea_orm::{DbErr, SqlErr};
        if let Some(SqlErr::UniqueConstraintViolation(detail)) = e.sql_err() {
            tracing::info!(%detail, "unique constraint violation");
            return ApiError::new(ErrorCode::CONFLICT, "an object with these values exists");
        }
        if nul_in_text(&e) {
            return ApiError::new(
                ErrorCode::BAD_REQUEST,
                "text must not contain the NUL character (U+0000)",
            );
        }
        match e {
            // Every pooled connection stayed busy for the acquire timeout:
            // shed the request now, the client retries shortly.
            DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout) => {
                tracing::warn!("database pool exhausted; answering 503");
                ApiError::new(
                    ErrorCode::SERVER_BUSY,
                    "the server is at capacity; retry after the Retry-After seconds",
                )
                .retry_after(1)
            }
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => {
                tracing::error!(error = %e, "database unavailable");
                ApiError::new(
                    ErrorCode::DATABASE_UNAVAILABLE,
                    "the database is unavailable",
                )
                .retry_after(5)
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<entity::error::DomainError> for ApiError {
    fn from(e: entity::error::DomainError) -> Self {
        use entity::error::DomainError as D;
        match e {
            D::NotFound(what) => ApiError::not_found(what),
            D::Invalid { field, message } => ApiError::field(field, message),
            D::OutsideServiceArea(m) => ApiError::new(ErrorCode::ADDRESS_OUTSIDE_SERVICE_AREA, m),
            e @ D::StaleVersion { .. } => ApiError::new(ErrorCode::STALE_VERSION, e.to_string()),
            e @ D::InUse(_) => ApiError::new(ErrorCode::CONFLICT, e.to_string()),
            D::Duplicate(m) => ApiError::new(ErrorCode::CONFLICT, m),
            e @ D::ApplicationPending => {
                ApiError::new(ErrorCode::APPLICATION_PENDING, e.to_string())
            }
            e @ D::ApplicationDecided(_) => {
                ApiError::new(ErrorCode::APPLICATION_ALREADY_DECIDED, e.to_string())
            }
            D::Listing(t) => ApiError::new(ErrorCode::INVALID_PRODUCT_STATE, t.to_string()),
            D::NotReady(m) => ApiError::new(ErrorCode::PRODUCT_NOT_READY, m),
            e @ D::StoreClosed => ApiError::new(ErrorCode::STORE_CLOSED, e.to_string()),
            D::OutOfDeliveryRange(m) => ApiError::new(ErrorCode::OUT_OF_DELIVERY_RANGE, m),
            e @ D::BelowMinimumOrder { .. } => {
                ApiError::new(ErrorCode::BELOW_MINIMUM_ORDER, e.to_string())
            }
            e @ D::SkuUnavailable(_) => ApiError::new(ErrorCode::SKU_UNAVAILABLE, e.to_string()),
            e @ D::InsufficientStock(_) => {
                ApiError::new(ErrorCode::INSUFFICIENT_STOCK, e.to_string())
            }
            e @ D::NoDepartureAvailable => {
                ApiError::new(ErrorCode::NO_DEPARTURE_AVAILABLE, e.to_string())
            }
            D::OrderState(t) => ApiError::new(ErrorCode::INVALID_ORDER_STATE, t.to_string()),
            e @ D::IdempotencyKeyReused => {
                ApiError::new(ErrorCode::IDEMPOTENCY_KEY_REUSED, e.to_string())
            }
            e @ D::AmountMismatch { .. } => {
                ApiError::new(ErrorCode::PAYMENT_AMOUNT_MISMATCH, e.to_string())
            }
            D::Delivery(r) => {
                use entity::error::DeliveryRefusal as R;
                let code = match &r {
                    R::AlreadyRegistered(_) => ErrorCode::RIDER_ALREADY_REGISTERED,
                    R::IdNumberTaken => ErrorCode::ID_NUMBER_TAKEN,
                    R::RiderNotVerified => ErrorCode::RIDER_NOT_VERIFIED,
                    R::HealthCertExpired(_) => ErrorCode::HEALTH_CERT_EXPIRED,
                    R::NotOnDuty => ErrorCode::NOT_ON_DUTY,
                    R::JobTaken => ErrorCode::JOB_TAKEN,
                    R::RiderAtCapacity(_) => ErrorCode::RIDER_AT_CAPACITY,
                    R::JobState(_) => ErrorCode::INVALID_JOB_STATE,
                    R::GrabNotAllowed => ErrorCode::GRAB_NOT_ALLOWED,
                    R::OutsideGeofence { .. } => ErrorCode::OUTSIDE_PICKUP_GEOFENCE,
                    R::OrderNotReady => ErrorCode::ORDER_NOT_READY,
                    R::CodeWrong(_) => ErrorCode::DELIVERY_CODE_WRONG,
                    R::JobLocked => ErrorCode::JOB_LOCKED,
                    R::NoOffer => ErrorCode::NO_OFFER,
                    R::NotTrackable => ErrorCode::NOT_TRACKABLE,
                };
                ApiError::new(code, r.to_string())
            }
            e @ D::InsufficientBalance { .. } => {
                ApiError::new(ErrorCode::INSUFFICIENT_BALANCE, e.to_string())
            }
            e @ D::TripState(_) => ApiError::new(ErrorCode::INVALID_TRIP_STATE, e.to_string()),
            e @ D::PayoutState(_) => ApiError::new(ErrorCode::INVALID_PAYOUT_STATE, e.to_string()),
            e @ D::RefundState(_) => ApiError::new(ErrorCode::INVALID_REFUND_STATE, e.to_string()),
            D::OverSharingLimit(m) => ApiError::new(ErrorCode::OVER_SHARING_LIMIT, m),
            D::Db(db) => db.into(),
        }
    }
}

impl From<sea_orm::TransactionError<ApiError>> for ApiError {
    fn from(e: sea_orm::TransactionError<ApiError>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(api) => api,
        }
    }
}

/// The error body for a code, with the current request's id.
pub fn body(code: ErrorCode, message: &str, errors: Vec<FieldError>) -> ErrorBody {
    ErrorBody {
        code: code.as_str().to_owned(),
        message: message.to_owned(),
        request_id: current_request_id(),
        errors,
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if let Some(secs) = self.retry_after_secs {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.json(body(self.code, &self.message, self.errors.clone()))
    }
}

/// The result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_upper_snake() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {}", code.as_str());
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_')
            );
            assert!(code.status().is_client_error() || code.status().is_server_error());
        }
    }

    /// A request that finds every pooled connection busy for the acquire
    /// timeout is shed with 503 SERVER_BUSY and `Retry-After`, not a 500.
    #[tokio::test]
    async fn an_exhausted_pool_answers_503_with_retry_after() {
        use sea_orm::{ConnectionTrait, TransactionTrait};
        let dir = std::env::temp_dir().join(format!("tongcheng-pool-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let settings = entity::runtime::settings::DatabaseSettings {
            url: format!("sqlite://{}?mode=rwc", dir.join("pool.db").display()),
            max_connections: 1,
            acquire_timeout_ms: 50,
        };
        // Opening the file can itself outlast 50 ms on a busy machine.
        let mut db = None;
        for _ in 0..20 {
            if let Ok(c) = entity::runtime::database::connect(&settings).await {
                db = Some(c);
                break;
            }
        }
        let db = db.expect("connect");
        let held = db.begin().await.expect("the one connection");
        let refused = db
            .execute_unprepared("SELECT 1")
            .await
            .expect_err("no connection left");
        let response = ApiError::from(refused).error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response
                .headers()
                .get(header::RETRY_AFTER)
                .map(|v| v.as_bytes()),
            Some(&b"1"[..])
        );
        held.rollback().await.expect("release");
        db.execute_unprepared("SELECT 1")
            .await
            .expect("served again");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn field_errors_name_the_field() {
        let e = ApiError::field("code", "must not be empty");
        assert_eq!(e.code(), ErrorCode::VALIDATION_FAILED);
        assert_eq!(e.errors[0].field, "code");
    }
}
