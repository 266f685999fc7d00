//! Sala's use cases. Each validates its input, checks who may do it, and then makes one store call
//! that writes the change together with its audit entry. Nothing here knows about HTTP.

pub mod api_keys;
pub mod audit;
pub mod bookings;
pub mod calendar;
pub mod calendar_facts;
pub mod check_in_links;
pub mod context;
pub mod demo;
pub mod directory;
pub mod error;
pub mod feeds;
pub mod google_connections;
pub mod handlers;
pub mod housekeeping;
pub mod jobs;
pub mod kiosks;
pub mod notifications;
pub mod paging;
pub mod people_import;
pub mod reports;
pub mod rooms;
pub mod rsvp;
pub mod secrets;
pub mod sessions;
pub mod sign_in;
pub mod sign_in_microsoft;
pub mod tenants;
pub mod tokens;
pub mod users;
mod validate;
pub mod webhooks;

pub use context::{Context, Principal};
pub use error::{AppError, Conflict, FieldError};
pub use sala_store::Store;
pub use validate::Validator;

/// Shorthand for a use case's result.
pub type AppResult<T> = Result<T, AppError>;
