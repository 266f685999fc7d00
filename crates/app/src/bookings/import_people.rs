//! Who an imported meeting's people are in Sala: its organizer matched to a person of the
//! organization by email (else the importing admin, or for an API key the organization's first
//! admin, organizes it, and the original organizer is kept as a guest), its attendees linked to
//! colleagues or kept as guests, and the room itself (and other resources) left out.

use super::attendees::MAX_ATTENDEES;
use crate::{AppError, AppResult, Context, Store};
use sala_channels::ics_import::{ForeignEvent, Party};
use sala_domain::values::clean_name;
use sala_domain::{Attendee, Email, ErrorCode, Room, User};
use std::collections::HashMap;

/// The people of one event as a booking holds them.
pub(super) struct People {
    pub(super) organizer: User,
    /// The file's organizer is this person of the organization.
    pub(super) organizer_matched: bool,
    pub(super) attendees: Vec<Attendee>,
}

/// Looks people up once each, for all of an import's events.
pub(super) struct Directory<'a> {
    store: &'a dyn Store,
    ctx: &'a Context,
    room: &'a Room,
    known: HashMap<String, Option<User>>,
    fallback: Option<User>,
}

impl<'a> Directory<'a> {
    pub(super) fn new(store: &'a dyn Store, ctx: &'a Context, room: &'a Room) -> Self {
        Self { store, ctx, room, known: HashMap::new(), fallback: None }
    }

    pub(super) async fn people(&mut self, event: &ForeignEvent) -> AppResult<People> {
        let matched = match &event.organizer {
            Some(party) => self.person(&party.email).await?,
            None => None,
        };
        let organizer_matched = matched.is_some();
        let organizer = match matched {
            Some(user) => user,
            None => self.fallback().await?,
        };
        let mut seen = vec![organizer.email.as_str().to_lowercase()];
        let mut attendees = Vec::new();
        let original = event.organizer.iter().filter(|_| !organizer_matched);
        for party in original.chain(event.attendees.iter()) {
            if attendees.len() >= MAX_ATTENDEES || self.is_the_room(party) {
                continue;
            }
            let Ok(email) = Email::parse(&party.email) else { continue };
            let key = email.as_str().to_lowercase();
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let name = party.name.as_deref().and_then(|n| clean_name("name", n, 120).ok());
            attendees.push(match self.person(email.as_str()).await? {
                Some(user) => Attendee { email: user.email, name: Some(user.name), user_id: Some(user.id) },
                None => Attendee { email, name, user_id: None },
            });
        }
        Ok(People { organizer, organizer_matched, attendees })
    }

    /// The room's own address (its Google resource calendar) and any room or resource.
    fn is_the_room(&self, party: &Party) -> bool {
        party.resource
            || self.room.google_calendar.as_ref().is_some_and(|g| g.as_str().eq_ignore_ascii_case(party.email.trim()))
    }

    /// An active person of the organization with this address.
    async fn person(&mut self, email: &str) -> AppResult<Option<User>> {
        let key = email.trim().to_lowercase();
        if let Some(known) = self.known.get(&key) {
            return Ok(known.clone());
        }
        let found = match Email::parse(&key) {
            Ok(email) => self.store.user_by_email(self.ctx.tenant_id(), &email).await?.filter(|u| u.active),
            Err(_) => None,
        };
        self.known.insert(key, found.clone());
        Ok(found)
    }

    /// Who organizes a meeting whose organizer is nobody here: the importing admin, or (an API
    /// key, the operator) the organization's first admin, by when they were added.
    async fn fallback(&mut self) -> AppResult<User> {
        if let Some(user) = &self.fallback {
            return Ok(user.clone());
        }
        let user = crate::users::acting_person(self.store, self.ctx).await?.ok_or_else(|| {
            AppError::invalid(
                "organizer",
                ErrorCode::OrganizerRequired,
                "the organization has no administrator to organize meetings whose organizer is not a person here",
            )
        })?;
        self.fallback = Some(user.clone());
        Ok(user)
    }
}
