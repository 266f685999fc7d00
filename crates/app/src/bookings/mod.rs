//! Bookings: create (one or a weekly/daily series), read, list, edit and cancel, plus room
//! availability, check-in and the no-show release. Every change is one store write carrying the
//! bookings, their audit entries and the outbox jobs the change causes, which
//! [`sala_domain::outbox::plan`] decides from the change and the [`facts`] read here.
//!
//! Who may do what, and the checks every new or moved time passes, live in [`policy`]; the use
//! cases ask it and never each other.

mod attendees;
mod cancel;
mod check_in;
mod create;
mod edit;
mod elsewhere;
mod facts;
mod guest_quota;
mod import;
mod import_people;
mod no_show;
mod policy;
mod preview;
mod read;

pub use attendees::AttendeeInput;
pub use cancel::{CancelRequest, cancel_booking};
pub(crate) use check_in::invited;
pub use check_in::{Attendance, CheckInRequest, attendance, attendance_export, check_in};
pub use create::{Adoption, ConflictPolicy, Created, NewBooking, Skipped, create_adopted, create_booking};
pub(crate) use edit::end_early;
pub use edit::{BookingChanges, edit_booking};
pub use elsewhere::book_elsewhere;
pub use guest_quota::GuestQuotas;
pub use import::{ImportReport, ImportRequest, ImportSkip, Imported, import_calendar};
pub use no_show::NoShowRelease;
pub(crate) use policy::{load_visible, may_see, still_confirmed};
pub use preview::{PlannedOccurrence, Preview, preview_booking};
pub use read::{
    Availability, AvailabilityQuery, ListRequest, RoomAvailability, RoomNow, Suggestions, availability, deliveries,
    find_rooms, first_free_slot, get_booking, history, list_bookings, my_bookings, other_free_room, rooms_now,
    suggestions,
};

use crate::{AppError, AppResult, Context, Store};
use sala_domain::Tenant;

/// Which occurrences of a series an edit or cancellation applies to: `this` or `following`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub enum Scope {
    /// Only the booking named.
    #[default]
    #[serde(rename = "this")]
    This,
    /// The booking named and the later occurrences of its series (never earlier or past ones).
    #[serde(rename = "following")]
    ThisAndFollowing,
}

/// How long a meeting booked on the spot may last, in minutes: at a room's door (its kiosk) or
/// with one tap from the dashboard's "Now" strip.
pub const ON_THE_SPOT_MINUTES: [i64; 3] = [15, 30, 60];

async fn load_tenant(store: &dyn Store, ctx: &Context) -> AppResult<Tenant> {
    store.get_tenant(ctx.tenant_id()).await?.ok_or(AppError::NotFound { what: "tenant" })
}
