//! Two-way sync, the way back: what people change in their own calendar comes back to Sala.
//!
//! The `calendar_pull` job reads a person's calendar changes since the stored cursor (a full read
//! from yesterday on when there is none, or when the provider says the cursor expired) and, for
//! each event Sala wrote for one of their bookings:
//! - deleted in the calendar: the booking is cancelled, as its organizer, with a reason saying so;
//! - moved: the booking is moved under Sala's rules, exactly as an edit in Sala would be; when
//!   the new time is taken or breaks a rule, the event is put back (a `calendar_sync` job brings
//!   it in line with the booking) and the organizer is told why;
//! - an attendee's answer (`responseStatus`) differs from the one Sala holds: it is recorded as
//!   an RSVP answer (`attendee.responded` for webhooks).
//!
//! An event of a booking that is cancelled in Sala, or already over, is never revived: Sala is
//! the source of truth for rooms. The job is idempotent: Sala's own writes come back as changes
//! too and, equal to the booking, change nothing.
//!
//! After reading, the job keeps the person's push channel open (renewing it before it expires),
//! so the next change arrives as a notification ([`CalendarSync::notified`]) rather than at the
//! next reconciliation.

use super::{CalendarSync, EventItself, Session, Stop};
use crate::bookings::{BookingChanges, CancelRequest, Scope, cancel_booking, edit_booking};
use crate::context::Principal;
use crate::jobs::JobFailure;
use crate::{AppError, Context};
use sala_channels::calendar::{Event, ProviderError, Response, Watch, WatchRequest};
use sala_domain::attendance::{Answer, Reply};
use sala_domain::google::CalendarWatch;
use sala_domain::jobs::{JobPayload, PullPayload};
use sala_domain::outbox::{self, Change, Facts};
use sala_domain::tenant::CalendarService;
use sala_domain::{Booking, BookingId, Job, Millis, TenantId, TimeRange, UserId, now_millis};
use std::time::Duration;

/// How two-way sync reaches Sala and keeps its channels.
#[derive(Clone, Debug)]
pub struct TwoWay {
    /// Where Google posts change notifications (`https://sala.example/hooks/calendar/google`);
    /// `None`: no push channels, the periodic reconciliation alone brings changes back.
    pub push_address: Option<String>,
    /// Where Microsoft Graph posts them (`https://sala.example/hooks/calendar/microsoft`).
    pub microsoft_push_address: Option<String>,
    /// How long Sala asks a channel to live (Google allows up to weeks; it may shorten it).
    pub channel_ttl: Duration,
    /// A channel ending sooner than this is renewed.
    pub renew_before: Duration,
}

impl Default for TwoWay {
    fn default() -> Self {
        Self {
            push_address: None,
            microsoft_push_address: None,
            channel_ttl: Duration::from_secs(7 * 24 * 3600),
            renew_before: Duration::from_secs(24 * 3600),
        }
    }
}

impl TwoWay {
    /// Where `service` posts its change notifications, if anywhere.
    fn address(&self, service: CalendarService) -> Option<String> {
        match service {
            CalendarService::Google => self.push_address.clone(),
            CalendarService::Microsoft => self.microsoft_push_address.clone(),
        }
    }
}

/// What one read of a calendar did, for the log.
#[derive(Debug, Default)]
struct Pulled {
    read: usize,
    moved: usize,
    cancelled: usize,
    put_back: usize,
    answers: usize,
    full: bool,
}

/// How long one read of a calendar holds its watch: reads of one calendar take turns, or two
/// would apply (or refuse) the same change twice. Twice the runner's job timeout, so a read
/// cut off by it (or by a dead process) holds it two minutes at most.
const PULL_HOLD: Millis = 2 * 60 * 1000;

/// When a read that found the calendar being read tries again.
const PULL_AGAIN_AFTER: Millis = 2000;

/// How far back a full read starts: meetings already over stay as they were.
const FULL_READ_FROM: Millis = 24 * 3600 * 1000;

fn ms(d: Duration) -> Millis {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Does `token` open `watch` (compared by hash, in constant time)?
fn genuine(watch: &CalendarWatch, token: Option<&str>) -> bool {
    use subtle::ConstantTimeEq;
    match (token, watch.token_hash.as_deref()) {
        (Some(token), Some(hash)) => bool::from(token_hash(token).as_bytes().ct_eq(hash.as_bytes())),
        _ => false,
    }
}

/// The channel token's hash, as kept (the token itself only travels to the provider and back).
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

impl CalendarSync {
    /// The `calendar_pull` job: the person's calendar changes read and applied.
    pub(crate) async fn pull(&self, job: &Job, payload: PullPayload) -> Result<(), JobFailure> {
        let (tenant, user) = (job.tenant_id, payload.user_id);
        let store_failure = |e: sala_store::StoreError| JobFailure::retry(format!("store: {e}"));
        let Some(credentials) = self.credentials(tenant, user).await? else {
            // Nobody lets Sala into the calendar any more: nothing to read, nothing to watch.
            self.store.delete_calendar_watch(tenant, user).await.map_err(store_failure)?;
            return Ok(());
        };
        let now = now_millis();
        let held_until = now.saturating_add(PULL_HOLD);
        if !self.store.hold_calendar_watch(tenant, user, now, held_until).await.map_err(store_failure)? {
            // Another read of this calendar is running: it may have read the changes before the
            // one that scheduled this read, so read again once it is done.
            let later = pull_job(tenant, user, now.saturating_add(PULL_AGAIN_AFTER));
            self.store.enqueue_jobs(&[later]).await.map_err(store_failure)?;
            return Ok(());
        }
        let read = self.pull_held(job, tenant, user, credentials).await;
        self.store.release_calendar_watch(tenant, user, held_until).await.map_err(store_failure)?;
        read
    }

    /// [`CalendarSync::pull`] once the watch is held.
    async fn pull_held(
        &self,
        job: &Job,
        tenant: TenantId,
        user: UserId,
        credentials: super::Credentials,
    ) -> Result<(), JobFailure> {
        let store_failure = |e: sala_store::StoreError| JobFailure::retry(format!("store: {e}"));
        let now = now_millis();
        let mut watch = self
            .store
            .calendar_watch(tenant, user)
            .await
            .map_err(store_failure)?
            .unwrap_or(CalendarWatch::new(tenant, user, now));
        let mut session = Session { sync: self, credentials, access: None };
        match session.pull(&mut watch).await {
            Ok(pulled) => {
                tracing::info!(job = %job.id, %user, ?pulled, "calendar changes read");
                Ok(())
            }
            Err(Stop::Revoked(reason)) if session.is_personal() => {
                session.revoked(&reason).await.map_err(store_failure)?;
                Ok(())
            }
            Err(stop) => match stop.into_failure() {
                // The calendar job's own failures show the admin what is wrong (a key that no
                // longer opens, a refusal); a read that cannot succeed waits for the next
                // reconciliation instead of piling up dead jobs.
                JobFailure::Final { reason } => {
                    tracing::warn!(job = %job.id, %user, %reason, "could not read the calendar's changes");
                    Ok(())
                }
                retry => Err(retry),
            },
        }
    }

    /// A provider's notification for channel `channel_id` with `token`: `true` when it is one of
    /// Sala's open channels and the token is its own; then, when it tells of a `change` (not
    /// the channel's opening), a `calendar_pull` job is due now (the runner claims it within its
    /// poll interval). Anything else is ignored (`false`).
    pub async fn notified(
        &self,
        channel_id: &str,
        token: Option<&str>,
        change: bool,
    ) -> Result<bool, sala_store::StoreError> {
        let Some(watch) = self.store.calendar_watch_by_channel(channel_id).await? else { return Ok(false) };
        let genuine = genuine(&watch, token);
        if !genuine || !change {
            return Ok(genuine);
        }
        self.store.enqueue_jobs(&[pull_job(watch.tenant_id, watch.user_id, now_millis())]).await?;
        Ok(true)
    }

    /// The provider says channel `channel_id` ends before its time (Microsoft Graph's
    /// `reauthorizationRequired` or `subscriptionRemoved`): when it is genuine, the channel is
    /// renewed (or opened again) by a read due now, which also catches what may have been missed.
    pub async fn channel_ending(&self, channel_id: &str, token: Option<&str>) -> Result<bool, sala_store::StoreError> {
        let Some(mut watch) = self.store.calendar_watch_by_channel(channel_id).await? else { return Ok(false) };
        if !genuine(&watch, token) {
            return Ok(false);
        }
        watch.expires_at = Some(0);
        self.store.save_calendar_watch(&watch).await?;
        self.store.enqueue_jobs(&[pull_job(watch.tenant_id, watch.user_id, now_millis())]).await?;
        Ok(true)
    }

    /// The periodic reconciliation: a read of every watched calendar (push is not fully
    /// reliable, as Google documents), which also renews channels about to expire. Returns how
    /// many reads were scheduled.
    pub async fn reconcile(&self) -> Result<usize, sala_store::StoreError> {
        let now = now_millis();
        let jobs: Vec<Job> =
            self.store.all_calendar_watches().await?.iter().map(|w| pull_job(w.tenant_id, w.user_id, now)).collect();
        self.store.enqueue_jobs(&jobs).await?;
        Ok(jobs.len())
    }

    /// Starts watching a person's calendar (their first booking in it, or a new connection):
    /// a first read is scheduled, which opens the channel. Nothing when already watched.
    pub(crate) async fn start_watching(&self, tenant: TenantId, user: UserId) -> Result<(), sala_store::StoreError> {
        if self.store.calendar_watch(tenant, user).await?.is_some() {
            return Ok(());
        }
        let now = now_millis();
        self.store.save_calendar_watch(&CalendarWatch::new(tenant, user, now)).await?;
        self.store.enqueue_jobs(&[pull_job(tenant, user, now)]).await
    }

    /// What a booking change in the calendar becomes in Sala.
    async fn apply(
        &self,
        watch: &CalendarWatch,
        service: CalendarService,
        event: &Event,
        pulled: &mut Pulled,
    ) -> Result<(), Stop> {
        let (user, tenant) = (watch.user_id, watch.tenant_id);
        let tagged = event.booking_id.as_deref().and_then(|id| id.parse::<uuid::Uuid>().ok()).map(BookingId);
        let id = match tagged {
            Some(id) => id,
            // A deleted event is listed with its id alone (Google guarantees nothing else).
            None if event.cancelled => match self.store.booking_with_event(tenant, &event.id).await? {
                Some(id) => id,
                None => return Ok(()),
            },
            None => return Ok(()), // Not Sala's event.
        };
        let Some(booking) = self.store.get_booking(tenant, id).await? else { return Ok(()) };
        if booking.organizer_id != user || booking.google_event_id.as_deref() != Some(event.id.as_str()) {
            return Ok(()); // A copy, or an event Sala no longer keeps for this booking.
        }
        let now = now_millis();
        if !booking.is_confirmed() {
            if !event.cancelled {
                self.put_back(&booking, None).await?; // Sala's cancellation stands: the event goes again.
                pulled.put_back += 1;
            }
            return Ok(());
        }
        if booking.time.end <= now {
            return Ok(()); // History stays as it was.
        }
        if event.booking_version.is_some_and(|written| written < booking.version) {
            // Sala changed the booking since it last wrote the event: its own write is on the
            // way and brings the event in line; what the event says now is not the person's.
            return Ok(());
        }
        let moved_to = event
            .start
            .zip(event.end)
            .map(|(start, end)| TimeRange { start: start.as_millisecond(), end: end.as_millisecond() })
            .filter(|time| *time != booking.time);
        let answered = event.invitees.iter().any(|i| !i.resource && i.response != Response::NeedsAction);
        if !event.cancelled && moved_to.is_none() && !answered {
            return Ok(()); // As Sala wrote it (most of a full read, and every echo).
        }
        let Some(organizer) = self.store.get_user(tenant, user).await? else { return Ok(()) };
        let ctx = Context::new(Principal::User(organizer));
        if event.cancelled {
            let request = CancelRequest { reason: Some(deleted_reason(service).to_owned()), scope: Scope::This };
            match cancel_booking(self.store.as_ref(), &ctx, booking.id, request).await {
                Ok(_) => pulled.cancelled += 1,
                Err(refused) => self.refused(&booking, refused, pulled).await?,
            }
            return Ok(());
        }
        if let Some(time) = moved_to {
            let changes = BookingChanges { start: Some(time.start), end: Some(time.end), ..BookingChanges::default() };
            // The room's calendar already shows the event at its new time: not a conflict.
            let itself = EventItself { sync: self, time };
            let moved = edit_booking(
                self.store.as_ref(),
                &itself,
                &ctx,
                booking.id,
                changes,
                Some(booking.version),
                Scope::This,
            )
            .await;
            match moved {
                Ok(_) => pulled.moved += 1,
                Err(refused) => return self.refused(&booking, refused, pulled).await,
            }
        }
        pulled.answers += self.answers(&ctx, &booking, event).await?;
        Ok(())
    }

    /// A change Sala's rules refuse: the event is put back and the organizer told why.
    async fn refused(&self, booking: &Booking, refused: AppError, pulled: &mut Pulled) -> Result<(), Stop> {
        if let AppError::Internal(e) = refused {
            return Err(Stop::from(e));
        }
        tracing::info!(booking = %booking.id, code = refused.code().as_str(), "a calendar change refused; put back");
        pulled.put_back += 1;
        self.put_back(booking, Some(refused.code().as_str())).await
    }

    /// The event brought back in line with the booking (a `calendar_sync` job) and, with a
    /// reason, the organizer told why their change did not hold.
    async fn put_back(&self, booking: &Booking, reason: Option<&str>) -> Result<(), Stop> {
        let now = now_millis();
        let plan = outbox::plan(Change::PutBack { booking, reason }, &Facts::at(now));
        Ok(self.store.enqueue_jobs(&plan.jobs).await?)
    }

    /// Answers given in the calendar that Sala does not hold yet, recorded; how many.
    async fn answers(&self, ctx: &Context, booking: &Booking, event: &Event) -> Result<usize, Stop> {
        let held = self.store.replies(booking.tenant_id, booking.id).await?;
        let mut recorded = 0;
        for invitee in event.invitees.iter().filter(|i| !i.resource) {
            let answer = match invitee.response {
                Response::Accepted => Answer::Accepted,
                Response::Tentative => Answer::Tentative,
                Response::Declined => Answer::Declined,
                Response::NeedsAction => continue,
            };
            let Some(attendee) =
                booking.attendees.iter().find(|a| a.email.as_str().eq_ignore_ascii_case(&invitee.email))
            else {
                continue; // The organizer, or someone Sala did not invite.
            };
            let current = held.iter().find(|r| r.email.as_str().eq_ignore_ascii_case(attendee.email.as_str()));
            if current.is_some_and(|r| r.answer == answer) {
                continue;
            }
            let reply = Reply {
                tenant_id: booking.tenant_id,
                booking_id: booking.id,
                email: attendee.email.clone(),
                answer,
                at: now_millis(),
            };
            crate::rsvp::record_reply(self.store.as_ref(), ctx, booking, &reply).await?;
            recorded += 1;
        }
        Ok(recorded)
    }
}

/// The reason a booking deleted in the calendar is cancelled with.
pub const DELETED_REASON: &str = "Deleted in Google Calendar";
/// The same, for a booking deleted in Outlook.
pub const DELETED_IN_OUTLOOK: &str = "Deleted in Outlook";

fn deleted_reason(service: CalendarService) -> &'static str {
    match service {
        CalendarService::Google => DELETED_REASON,
        CalendarService::Microsoft => DELETED_IN_OUTLOOK,
    }
}

/// A read of the person's calendar, due `now`.
fn pull_job(tenant: TenantId, user: UserId, now: Millis) -> Job {
    Job::for_tenant(tenant, JobPayload::CalendarPull(PullPayload { user_id: user }), now, now)
}

impl Session<'_> {
    /// Reads the changes since the watch's cursor, applies them, renews the channel, keeps it.
    async fn pull(&mut self, watch: &mut CalendarWatch) -> Result<Pulled, Stop> {
        let now = now_millis();
        let since = jiff::Timestamp::from_millisecond(now - FULL_READ_FROM).unwrap_or_default();
        let api = self.api();
        let cursor = watch.cursor.clone();
        let mut pulled = Pulled { full: cursor.is_none(), ..Pulled::default() };
        let changes = match self.call(|t| Box::pin(api.changes_owned(t, cursor.clone(), since))).await {
            Err(Stop::Provider(ProviderError::CursorExpired)) => {
                tracing::info!(user = %watch.user_id, "the calendar's sync token expired; reading it all again");
                pulled.full = true;
                self.call(|t| Box::pin(api.changes_owned(t, None, since))).await?
            }
            other => other?,
        };
        pulled.read = changes.events.len();
        for event in &changes.events {
            self.sync.apply(watch, self.credentials.service(), event, &mut pulled).await?;
        }
        watch.cursor = Some(changes.cursor);
        watch.synced_at = Some(now);
        if let Err(stop) = self.keep_channel(watch, now).await {
            // Reconciliation still brings changes back; the next read tries again.
            tracing::warn!(user = %watch.user_id, failure = ?stop.into_failure(), "could not open a calendar push channel");
        }
        self.sync.store.save_calendar_watch(watch).await?;
        Ok(pulled)
    }

    /// Opens a push channel when none is open, or renews the open one when it ends soon (the
    /// provider extends it in place, or opens a new one before closing the old, so no
    /// notification is missed in between).
    async fn keep_channel(&mut self, watch: &mut CalendarWatch, now: Millis) -> Result<(), Stop> {
        let two_way = self.sync.two_way.clone();
        let Some(address) = two_way.address(self.credentials.service()) else { return Ok(()) };
        if !watch.needs_channel(now, ms(two_way.renew_before)) {
            return Ok(());
        }
        let token = crate::tokens::random_token();
        let request = WatchRequest {
            channel_id: uuid::Uuid::now_v7().to_string(),
            address,
            token: token.clone(),
            ttl: two_way.channel_ttl,
        };
        let api = self.api();
        let old = watch.channel_id.clone().zip(watch.resource_id.clone());
        let opened = match &old {
            Some((channel_id, resource_id)) => {
                let old = Watch { channel_id: channel_id.clone(), resource_id: resource_id.clone(), expires_at: None };
                self.call(|t| Box::pin(api.renew_watch_owned(t, &old, &request))).await?
            }
            None => self.call(|t| Box::pin(api.watch_owned(t, &request))).await?,
        };
        // A channel extended in place keeps the token it was opened with.
        let extended = old.as_ref().is_some_and(|(channel_id, _)| *channel_id == opened.channel_id);
        if !extended {
            watch.token_hash = Some(token_hash(&token));
        }
        watch.channel_id = Some(opened.channel_id);
        watch.resource_id = Some(opened.resource_id);
        watch.expires_at = opened.expires_at.map(|t| t.as_millisecond());
        let how = if extended { "extended" } else { "opened" };
        tracing::info!(user = %watch.user_id, expires_at = ?watch.expires_at, how, "calendar push channel kept");
        Ok(())
    }
}
