//! Whether a Google Meet link can come for an organizer's bookings, as the booking form and the
//! booking page say it. A page never promises a link that no job will bring: the link comes only
//! when Sala keeps the organizer's calendar (their own grant, or the organization's service
//! account), and connecting later brings it to every upcoming booking that asked for one.

use crate::state::AppState;
use sala_app::AppError;
use sala_domain::{Booking, BookingStatus, Room, TenantId, UserId};

/// Where this installation stands on Meet links for one organizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeetAccess {
    /// Sala keeps the organizer's calendar: links come by themselves.
    Ready,
    /// Google sign-in is set up but the organizer has not connected (or Google withdrew the grant):
    /// the link comes once they connect.
    NeedsConnect,
    /// Neither Google sign-in nor a service account: no link can come here.
    Unavailable,
}

pub async fn access(state: &AppState, tenant: TenantId, organizer: UserId) -> Result<MeetAccess, AppError> {
    if sala_app::calendar::keeps_calendar(state.store(), tenant, organizer).await? {
        Ok(MeetAccess::Ready)
    } else if state.google.enabled() {
        Ok(MeetAccess::NeedsConnect)
    } else {
        Ok(MeetAccess::Unavailable)
    }
}

/// Where to connect one's calendar and come back to `return_to` (a path of ours).
pub fn connect_href(return_to: &str) -> String {
    format!("{}?return_to={}", crate::oidc::CONNECT_PATH, urlencoding(return_to))
}

/// The booking page's Meet line.
#[derive(Debug, PartialEq, Eq)]
pub enum MeetShown {
    Link(String),
    /// The calendar job is on its way with the link.
    Pending,
    /// The calendar job gave up (Google refused): the link comes once an admin replays it.
    Failed,
    /// The reader is the organizer and has not connected: a link to connect, back to this page.
    Connect(String),
    /// Someone else reads it: the organizer has not connected yet.
    WaitingForOrganizer,
    /// No link can come in this installation.
    Unavailable,
}

/// What the booking page says about the Meet link, for `reader`; `None` when there is nothing to
/// say (no Meet asked, or a cancelled booking that never got one).
pub fn shown(
    booking: &Booking,
    room: Option<&Room>,
    access: MeetAccess,
    gave_up: bool,
    reader: UserId,
) -> Option<MeetShown> {
    let link = room.and_then(|r| booking.video_link(r)).or(booking.meet_link.as_deref());
    if let Some(link) = link {
        return Some(MeetShown::Link(link.to_owned()));
    }
    if !booking.google_meet {
        return None;
    }
    if booking.status != BookingStatus::Confirmed {
        return None;
    }
    Some(match access {
        MeetAccess::Ready if gave_up => MeetShown::Failed,
        MeetAccess::Ready => MeetShown::Pending,
        MeetAccess::NeedsConnect if reader == booking.organizer_id => {
            MeetShown::Connect(connect_href(&format!("/bookings/{}", booking.id)))
        }
        MeetAccess::NeedsConnect => MeetShown::WaitingForOrganizer,
        MeetAccess::Unavailable => MeetShown::Unavailable,
    })
}

/// Our return paths are ASCII paths; only the characters a query value cannot hold are escaped.
fn urlencoding(path: &str) -> String {
    url::form_urlencoded::byte_serialize(path.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sala_domain::booking::sample;

    #[test]
    fn a_page_never_promises_a_link_no_job_brings() {
        let start = 1_799_139_600_000;
        let mut booking = sample::booking(sala_domain::TimeRange::new(start, start + 3_600_000).unwrap());
        booking.google_meet = true;
        let organizer = booking.organizer_id;
        let someone_else = UserId::new();
        assert_eq!(shown(&booking, None, MeetAccess::Ready, false, someone_else), Some(MeetShown::Pending));
        assert_eq!(shown(&booking, None, MeetAccess::Ready, true, someone_else), Some(MeetShown::Failed));
        assert_eq!(
            shown(&booking, None, MeetAccess::NeedsConnect, false, organizer),
            Some(MeetShown::Connect(format!("/auth/google/calendar?return_to=%2Fbookings%2F{}", booking.id)))
        );
        assert_eq!(
            shown(&booking, None, MeetAccess::NeedsConnect, false, someone_else),
            Some(MeetShown::WaitingForOrganizer)
        );
        assert_eq!(shown(&booking, None, MeetAccess::Unavailable, false, organizer), Some(MeetShown::Unavailable));

        booking.meet_link = Some("https://meet.google.com/abc-defg-hij".into());
        assert_eq!(
            shown(&booking, None, MeetAccess::Unavailable, false, organizer),
            Some(MeetShown::Link("https://meet.google.com/abc-defg-hij".into()))
        );

        booking.meet_link = None;
        booking.status = BookingStatus::Cancelled;
        assert_eq!(
            shown(&booking, None, MeetAccess::Ready, false, organizer),
            None,
            "a cancelled booking waits for nothing"
        );
        booking.google_meet = false;
        booking.status = BookingStatus::Confirmed;
        assert_eq!(shown(&booking, None, MeetAccess::Ready, false, organizer), None);
    }
}
