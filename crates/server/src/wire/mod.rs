//! What other systems read from Sala, in one shape wherever it goes: a booking as the API returns
//! it and webhooks carry it, and the page cursors of every list. The API's handlers and the
//! webhook jobs both use these; neither owns them.

pub mod booking;
pub mod cursor;
pub mod time;
