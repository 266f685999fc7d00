//! A person connects (and disconnects) their Google Calendar: the grant from Google's consent
//! screen is kept sealed, and its state is what the person sees ("connected", "reconnect Google").

use crate::calendar::{CalendarSync, token_owner};
use crate::secrets::SecretBox;
use crate::{AppError, AppResult, Context, Store};
use sala_domain::ErrorCode;
use sala_domain::google::{CALENDAR_SCOPE, ConnectionStatus, GoogleConnection};
use sala_domain::outbox::{self, Change, Facts};
use sala_domain::{BookingStatus, User, UserId, now_millis};
use sala_store::BookingQuery;
use std::collections::HashMap;

/// What Google's token endpoint handed over after the person consented.
pub struct Grant {
    /// The Google account (`sub` of the ID token).
    pub subject: String,
    pub refresh_token: String,
    pub access_token: String,
    pub expires_in_secs: u64,
    /// The scopes granted (Google may grant fewer than asked for).
    pub scopes: Vec<String>,
}

impl Grant {
    /// Does this grant carry the calendar with a refresh token to keep? (A repeated sign-in
    /// lists the scope but brings no new refresh token.)
    pub fn grants_calendar(&self) -> bool {
        !self.refresh_token.is_empty() && self.scopes.iter().any(|s| s == CALENDAR_SCOPE)
    }
}

/// Keeps the person's grant. Refused when the calendar scope was not granted (the person
/// unticked it on the consent screen), or when Google sent no refresh token.
pub async fn connect(
    store: &dyn Store,
    ctx: &Context,
    secrets: &SecretBox,
    grant: Grant,
) -> AppResult<GoogleConnection> {
    let user = me(ctx)?;
    if !grant.scopes.iter().any(|s| s == CALENDAR_SCOPE) {
        return Err(AppError::invalid(
            "scope",
            ErrorCode::CalendarNotGranted,
            "Google did not grant access to the calendar: tick the calendar box on Google's screen",
        ));
    }
    if grant.refresh_token.is_empty() {
        return Err(AppError::invalid(
            "refresh_token",
            ErrorCode::NoRefreshToken,
            "Google sent no refresh token; try again",
        ));
    }
    let now = now_millis();
    let before = store.google_connection(ctx.tenant_id(), user.id).await?;
    let mut connection = GoogleConnection {
        tenant_id: ctx.tenant_id(),
        user_id: user.id,
        google_subject: grant.subject,
        refresh_token_sealed: String::new(),
        access_token_sealed: None,
        access_expires_at: Some(now + i64::try_from(grant.expires_in_secs).unwrap_or(3600) * 1000),
        scopes: grant.scopes,
        status: ConnectionStatus::Connected,
        last_error: None,
        connected_at: now,
        updated_at: now,
    };
    connection.refresh_token_sealed = secrets.seal(&token_owner(&connection, "refresh"), &grant.refresh_token);
    connection.access_token_sealed = Some(secrets.seal(&token_owner(&connection, "access"), &grant.access_token));
    let entry =
        ctx.audit("google.connected", "user", Some(user.id.0), before.as_ref().map(view), Some(view(&connection)));
    // Their upcoming bookings go into the calendar now; those that asked for Meet get the link.
    let query = BookingQuery {
        organizer_id: Some(user.id),
        from: Some(now),
        status: Some(BookingStatus::Confirmed),
        limit: 500,
        ..BookingQuery::default()
    };
    let upcoming = store.list_bookings(ctx.tenant_id(), &query).await?;
    let plan = outbox::plan(Change::CalendarConnected { bookings: &upcoming }, &Facts::at(now));
    store.save_google_connection(&connection, Some(&entry), &plan.jobs).await?;
    tracing::info!(user = %user.id, upcoming = upcoming.len(), "Google Calendar connected");
    Ok(connection)
}

/// The caller's connection, if any.
pub async fn status(store: &dyn Store, ctx: &Context) -> AppResult<Option<GoogleConnection>> {
    let user = me(ctx)?;
    Ok(store.google_connection(ctx.tenant_id(), user.id).await?)
}

/// Whose calendar Sala keeps in the tenant, by person (people who never connected are absent):
/// for admins, to see who has not connected.
pub async fn states(store: &dyn Store, ctx: &Context) -> AppResult<HashMap<UserId, ConnectionStatus>> {
    ctx.require_admin()?;
    Ok(store.calendar_states(ctx.tenant_id()).await?.into_iter().collect())
}

/// Forgets the caller's grant: Sala stops writing their calendar (events already there stay)
/// and gives the grant back to Google.
pub async fn disconnect(store: &dyn Store, ctx: &Context, calendar: &CalendarSync) -> AppResult<()> {
    let user = me(ctx)?;
    let before = store
        .google_connection(ctx.tenant_id(), user.id)
        .await?
        .ok_or(AppError::NotFound { what: "Google connection" })?;
    let entry = ctx.audit("google.disconnected", "user", Some(user.id.0), Some(view(&before)), None);
    store.delete_google_connection(ctx.tenant_id(), user.id, &entry).await?;
    calendar.give_back(&before).await;
    Ok(())
}

/// Only a person has a calendar; an API key does not.
fn me(ctx: &Context) -> AppResult<&User> {
    ctx.user().ok_or_else(|| AppError::forbidden("only a signed-in person connects their own Google Calendar"))
}

/// What the audit log keeps of a connection: never a token, sealed or not.
fn view(c: &GoogleConnection) -> serde_json::Value {
    serde_json::json!({"status": c.status.as_str(), "google_subject": c.google_subject, "scopes": c.scopes})
}
