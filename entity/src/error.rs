//! The errors of domain operations; the API maps each to a stable code.

use sea_orm::DbErr;

use crate::listing::InvalidTransition;

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
