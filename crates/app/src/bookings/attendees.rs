//! Turning the invitee list of a request into attendees: valid, unique emails; people of the
//! tenant linked to their account, everyone else an external guest.

use crate::validate::Validator;
use crate::{AppResult, Context, Store};
use sala_domain::ErrorCode;
use sala_domain::values::clean_name;
use sala_domain::{Attendee, Email, User, ValueError};
use std::collections::{HashMap, HashSet};

/// An invitee as a client names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttendeeInput {
    pub email: String,
    pub name: Option<String>,
}

/// At most this many invitees per booking.
pub const MAX_ATTENDEES: usize = 100;

/// Validates and links the invitees. The organizer is dropped from the list (they always attend);
/// a duplicate email (in any case) is an error, as is an invalid one.
pub(super) async fn resolve(
    store: &dyn Store,
    ctx: &Context,
    organizer: &User,
    inputs: &[AttendeeInput],
    v: &mut Validator,
) -> AppResult<Vec<Attendee>> {
    if inputs.len() > MAX_ATTENDEES {
        v.check::<()>(
            "attendees",
            Err(ValueError::new(
                ErrorCode::TooManyAttendees,
                format!("a booking has at most {MAX_ATTENDEES} invitees"),
            )),
        );
        return Ok(Vec::new());
    }
    let mut seen = HashSet::new();
    let mut invited = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let field = format!("attendees[{i}].email");
        let Some(email) = v.check(&field, Email::parse(&input.email)) else { continue };
        let name = match input.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => v.check(&format!("attendees[{i}].name"), clean_name("name", n, 120)),
            None => None,
        };
        let key = email.as_str().to_lowercase();
        if key == organizer.email.as_str().to_lowercase() {
            continue;
        }
        if !seen.insert(key) {
            let message = format!("{email} is invited twice");
            v.check::<()>(&field, Err(ValueError::new(ErrorCode::DuplicateAttendee, message)));
            continue;
        }
        invited.push((email, name));
    }
    let emails: Vec<Email> = invited.iter().map(|(email, _)| email.clone()).collect();
    let people: HashMap<String, User> = store
        .users_by_emails(ctx.tenant_id(), &emails)
        .await?
        .into_iter()
        .map(|u| (u.email.as_str().to_lowercase(), u))
        .collect();
    Ok(invited.into_iter().map(|(email, name)| link(&people, email, name)).collect())
}

/// A person of the tenant gets their account and name linked; others stay external guests.
fn link(people: &HashMap<String, User>, email: Email, name: Option<String>) -> Attendee {
    match people.get(&email.as_str().to_lowercase()) {
        Some(user) if user.active => {
            Attendee { email: user.email.clone(), name: Some(user.name.clone()), user_id: Some(user.id) }
        }
        _ => Attendee { email, name, user_id: None },
    }
}
