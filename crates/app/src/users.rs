//! People: created by operators, admins or on first Google sign-in; searched for invitations.

use crate::context::snapshot;
use crate::validate::Validator;
use crate::{AppError, AppResult, Context, Store};
use sala_domain::ErrorCode;
use sala_domain::notify::ReminderSettings;
use sala_domain::search::fold;
use sala_domain::values::clean_name;
use sala_domain::{Email, Locale, Millis, Phone, Role, TimeZoneName, User, UserId, now_millis};
use sala_store::UserQuery;

/// A new person of the context's tenant.
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Option<Role>,
    pub phone: Option<String>,
    pub whatsapp_opt_in: bool,
    /// When the person gave their consent to WhatsApp messages; `None`: now (when opted in).
    pub whatsapp_consent_at: Option<Millis>,
    pub locale: Option<Locale>,
    pub time_zone: Option<String>,
}

pub async fn create_user(store: &dyn Store, ctx: &Context, input: NewUser) -> AppResult<User> {
    ctx.require_admin()?;
    let user = build_user(ctx, input)?;
    let audit = ctx.audit("user.created", "user", Some(user.id.0), None, snapshot(&user));
    store.insert_user(&user, &audit).await?;
    Ok(user)
}

/// The person `input` describes, checked like any other (every field's problem at once).
pub(crate) fn build_user(ctx: &Context, input: NewUser) -> AppResult<User> {
    let mut v = Validator::default();
    let email = v.check("email", Email::parse(&input.email));
    let name = v.check("name", clean_name("name", &input.name, 120));
    let role = Some(input.role.unwrap_or(Role::Member));
    let phone = v.check_opt("phone", input.phone.as_deref(), Phone::parse);
    let locale = Some(input.locale);
    let time_zone = v.check_opt("time_zone", input.time_zone.as_deref(), TimeZoneName::parse);
    if input.whatsapp_opt_in && phone.as_ref().is_some_and(Option::is_none) {
        v.check::<()>(
            "whatsapp_opt_in",
            Err(sala_domain::ValueError::new(ErrorCode::PhoneRequired, "WhatsApp needs a phone number")),
        );
    }
    let now = now_millis();
    v.check("whatsapp_consent_at", consent_not_ahead(input.whatsapp_consent_at, now));
    v.finish()?;
    let (Some(email), Some(name), Some(role), Some(phone), Some(locale), Some(time_zone)) =
        (email, name, role, phone, locale, time_zone)
    else {
        return Err(AppError::invalid("user", ErrorCode::ValidationFailed, "invalid person"));
    };
    let mut user = User {
        id: UserId::new(),
        tenant_id: ctx.tenant_id(),
        email,
        name,
        phone,
        whatsapp_opt_in: false,
        whatsapp_consent_at: None,
        role,
        locale,
        time_zone,
        google_subject: None,
        microsoft_oid: None,
        weekly_report: false,
        reminders: None,
        active: true,
        created_at: now,
        updated_at: now,
    };
    user.set_whatsapp(input.whatsapp_opt_in, input.whatsapp_consent_at, now);
    Ok(user)
}

/// A consent is recorded when it was given: a date still to come is a mistake (a day and month
/// swapped, most often), not a record. A minute of slack allows for clocks.
pub(crate) fn consent_not_ahead(at: Option<Millis>, now: Millis) -> Result<(), sala_domain::ValueError> {
    match at {
        Some(at) if at > now + 60_000 => {
            Err(sala_domain::ValueError::new(ErrorCode::InTheFuture, "the consent date has not come yet"))
        }
        _ => Ok(()),
    }
}

/// A change to a person. `None` leaves a field as it is; `Some("")` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub phone: Option<String>,
    pub whatsapp_opt_in: Option<bool>,
    /// `Some(None)` goes back to the organization's language.
    pub locale: Option<Option<Locale>>,
    pub time_zone: Option<String>,
    pub active: Option<bool>,
    /// `Some(None)` goes back to the tenant's reminders.
    pub reminders: Option<Option<ReminderSettings>>,
    /// An admin's choice to get the weekly summary email (only admins may turn it on).
    pub weekly_report: Option<bool>,
    /// Admins: forget the Google account the person signs in with (they changed it); their next
    /// Google sign-in links the account it comes with.
    pub unlink_google: bool,
}

/// People may change their own name, phone, WhatsApp choice, language and zone (admins also their
/// weekly summary); admins may also change roles, deactivate and unlink a Google account.
pub async fn update_user(store: &dyn Store, ctx: &Context, id: UserId, changes: UserChanges) -> AppResult<User> {
    let before = get_user(store, ctx, id).await?;
    let is_self = ctx.user().is_some_and(|u| u.id == id);
    if !is_self {
        ctx.require_admin()?;
    }
    if (changes.role.is_some() || changes.active.is_some() || changes.unlink_google) && !ctx.can_administer() {
        return Err(AppError::forbidden("only an administrator may change roles or deactivate people"));
    }
    let mut after = before.clone();
    let mut v = Validator::default();
    if let Some(name) = &changes.name {
        after.name = v.check("name", clean_name("name", name, 120)).unwrap_or_default();
    }
    if let Some(role) = changes.role {
        after.role = role;
    }
    if let Some(phone) = changes.phone.as_deref() {
        after.phone = v.check_opt("phone", Some(phone), Phone::parse).flatten();
    }
    if let Some(locale) = changes.locale {
        after.locale = locale;
    }
    if let Some(zone) = changes.time_zone.as_deref() {
        after.time_zone = v.check_opt("time_zone", Some(zone), TimeZoneName::parse).flatten();
    }
    if let Some(reminders) = changes.reminders {
        after.reminders = match reminders {
            Some(r) => v.check("reminders", r.validate().map(|()| Some(r))).flatten(),
            None => None,
        };
    }
    if let Some(on) = changes.weekly_report {
        if on && !after.is_admin() {
            return Err(AppError::forbidden("only administrators get the weekly summary"));
        }
        after.weekly_report = on;
    }
    // The summary is for admins: one who is no longer one stops getting it.
    after.weekly_report &= after.is_admin();
    let now = now_millis();
    let whatsapp = changes.whatsapp_opt_in.unwrap_or(before.whatsapp_opt_in) && after.phone.is_some();
    after.set_whatsapp(whatsapp, None, now);
    after.active = changes.active.unwrap_or(before.active);
    if changes.unlink_google {
        after.google_subject = None;
    }
    v.finish()?;
    if is_self && before.is_admin() && !after.is_admin() {
        return Err(AppError::Conflict {
            code: ErrorCode::LastAdmin,
            message: "you cannot remove your own administrator role".to_owned(),
        });
    }
    after.updated_at = now;
    let audit = ctx.audit("user.updated", "user", Some(id.0), snapshot(&before), snapshot(&after));
    store.update_user(&after, &audit).await?;
    Ok(after)
}

pub async fn get_user(store: &dyn Store, ctx: &Context, id: UserId) -> AppResult<User> {
    store.get_user(ctx.tenant_id(), id).await?.ok_or(AppError::NotFound { what: "user" })
}

/// People of the tenant whose name or email contains the text, ignoring accents and case.
pub async fn search_users(store: &dyn Store, ctx: &Context, text: &str, limit: u32) -> AppResult<Vec<User>> {
    if text.chars().count() > 100 {
        return Err(AppError::invalid("q", ErrorCode::TooLong, "the search text must be at most 100 characters"));
    }
    let query = UserQuery { text: fold(text), limit: limit.clamp(1, 100), include_inactive: false };
    Ok(store.search_users(ctx.tenant_id(), &query).await?)
}

/// Finds a person by email, as operators type it on the command line.
pub async fn find_by_email(store: &dyn Store, ctx: &Context, email: &str) -> AppResult<User> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e.code, e.message))?;
    store.user_by_email(ctx.tenant_id(), &email).await?.ok_or(AppError::NotFound { what: "user" })
}

/// The person of the organization with this address; `None` when there is none, or it is no
/// address at all (the caller's mistake). A store that failed (the database unreachable, say)
/// stays that failure.
pub async fn person_with_email(store: &dyn Store, ctx: &Context, email: &str) -> AppResult<Option<User>> {
    match find_by_email(store, ctx, email).await {
        Ok(person) => Ok(Some(person)),
        Err(AppError::NotFound { .. } | AppError::Invalid(_)) => Ok(None),
        Err(failed) => Err(failed),
    }
}

/// Who acts for the organization in work done for it: the signed-in person asking, or, for an
/// API key or the operator, the organization's first admin (by when they were added). `None`:
/// no person asks and the organization has no admin.
pub async fn acting_person(store: &dyn Store, ctx: &Context) -> AppResult<Option<User>> {
    if let Some(me) = ctx.user() {
        return Ok(Some(me.clone()));
    }
    let query = UserQuery { text: String::new(), limit: 500, include_inactive: false };
    let people = store.search_users(ctx.tenant_id(), &query).await?;
    Ok(people.into_iter().filter(User::is_admin).min_by_key(|u| (u.created_at, u.id.0)))
}
