//! Keeping the organizer's Google Calendar in step with a booking: the `calendar_sync` job.
//!
//! The job does not replay the change it was written for; it brings the event in line with the
//! booking *as it is now*, so jobs that run late or out of order still converge:
//! - a confirmed booking gets its event (found by its private property before inserting, so a
//!   retry after a lost answer makes no second event) or has it patched; with Google Meet asked
//!   for, the insert carries `conferenceData.createRequest`, and a conference Google reports
//!   `pending` is read again until its link exists;
//! - a cancelled booking has its event deleted (an event already gone is fine).
//!
//! The event id and the Meet link are stored on the booking (`set_booking_calendar`), the Meet
//! link once and for good: edits keep it. When the link arrives, the booking's confirmation (held
//! back for it, see `sala_domain::outbox::MEET_WAIT_MS`) is released; if the confirmation went out without it, an update
//! with the link follows.
//!
//! Google failing never fails the booking. A 401 refreshes the access token once; a refresh
//! answered `invalid_grant` marks the connection revoked (the person sees "reconnect Google") and
//! ends the job; 429, rate-limit 403s and 5xx retry with backoff; other 4xx end the job dead.

mod adopt;
mod pull;

pub use crate::calendar_facts::{OutsideBusy, keeps_calendar, kept_calendar};
pub use adopt::{LISTED_DAYS, RoomEvent, default_title};
pub use pull::{DELETED_IN_OUTLOOK, DELETED_REASON, TwoWay, token_hash};

use crate::jobs::JobFailure;
use crate::secrets::SecretBox;
use crate::{Context, Store};
use async_trait::async_trait;
use sala_channels::calendar::{
    BusyTimes, CalendarProvider, Conference, Event, EventAttendee, EventBody, EventTime, ProviderError,
};
use sala_channels::google::ServiceAccountKey;
use sala_domain::google::CALENDAR_SCOPE;
use sala_domain::google::{ConnectionStatus, GoogleConnection};
use sala_domain::jobs::{Channel, Delivery, DeliveryStatus};
use sala_domain::outbox::{self, Change, Facts};
use sala_domain::tenant::CalendarService;
use sala_domain::{
    Booking, BookingId, Job, JobKind, JobStatus, Millis, Room, RoomId, TenantId, TimeRange, UserId, now_millis,
};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use std::time::Instant;

/// What a sealed refresh or access token belongs to.
pub fn token_owner(connection: &GoogleConnection, what: &str) -> String {
    format!("google_{what}:{}:{}", connection.tenant_id, connection.user_id)
}

/// The `calendar_sync` job's handler, and the rooms' Google busy times ([`OutsideBusy`]).
pub struct CalendarSync {
    store: Arc<dyn Store>,
    google: Arc<dyn CalendarProvider>,
    /// Microsoft Graph, when this installation is registered with Microsoft.
    microsoft: Option<Arc<dyn CalendarProvider>>,
    secrets: SecretBox,
    uid_domain: String,
    /// Pauses between reads of a conference Google reports `pending`.
    poll_delays: Vec<Duration>,
    /// freeBusy answers by (tenant, window, calendars), for [`BUSY_TTL`].
    busy_cache: Mutex<HashMap<String, (Instant, RoomBusy)>>,
    /// How changes made in people's calendars come back ([`pull`]).
    two_way: TwoWay,
}

/// Busy intervals, each with its room.
pub type RoomBusy = Vec<(RoomId, TimeRange)>;

/// The rooms' outside busy times less one event's own time: Google shows the event itself as
/// busy on the room's calendar (a move read from Google, an event being adopted), and a booking
/// must not conflict with its own event.
struct EventItself<'a> {
    sync: &'a CalendarSync,
    time: TimeRange,
}

#[async_trait]
impl OutsideBusy for EventItself<'_> {
    async fn busy(
        &self,
        tenant: TenantId,
        person: Option<UserId>,
        rooms: &[Room],
        window: TimeRange,
    ) -> Vec<(RoomId, TimeRange)> {
        less(self.sync.busy(tenant, person, rooms, window).await, |_| vec![self.time])
    }
}

/// What is left of `busy` once each room's `taken` times are taken out of it.
fn less(busy: RoomBusy, taken: impl Fn(RoomId) -> Vec<TimeRange>) -> RoomBusy {
    busy.into_iter()
        .flat_map(|(room, time)| time.minus(&taken(room)).into_iter().map(move |left| (room, left)))
        .collect()
}

/// How long a room's Google busy times are reused: a day view reloaded, or a booking made right
/// after looking, asks Google once.
pub const BUSY_TTL: Duration = Duration::from_secs(60);

#[async_trait]
impl OutsideBusy for CalendarSync {
    /// The rooms' Google busy times less Sala's own bookings there: Google lists the events Sala
    /// wrote (they invite the room's calendar) as busy too, and Sala checks its own bookings
    /// itself (a booking being moved must not conflict with its own event).
    async fn busy(
        &self,
        tenant: TenantId,
        person: Option<UserId>,
        rooms: &[Room],
        window: TimeRange,
    ) -> Vec<(RoomId, TimeRange)> {
        let google = self.google_busy(tenant, person, rooms, window).await;
        if google.is_empty() {
            return google;
        }
        let room_ids: Vec<RoomId> = rooms.iter().map(|r| r.id).collect();
        let own = match self.store.busy(tenant, &room_ids, window).await {
            Ok(own) => own,
            Err(err) => {
                tracing::warn!(%err, "could not read Sala's own bookings to set against Google's busy times");
                return google;
            }
        };
        less(google, |room| own.iter().filter(|b| b.room_id == room).map(|b| b.time).collect())
    }
}

impl CalendarSync {
    /// The busy intervals Google has for the rooms' resource calendars (see [`OutsideBusy`]).
    async fn google_busy(
        &self,
        tenant: TenantId,
        person: Option<UserId>,
        rooms: &[Room],
        window: TimeRange,
    ) -> Vec<(RoomId, TimeRange)> {
        let calendars: Vec<(RoomId, String)> = rooms
            .iter()
            .filter_map(|r| r.google_calendar.as_ref().map(|c| (r.id, c.as_str().to_lowercase())))
            .collect();
        let Some(person) = person.filter(|_| !calendars.is_empty()) else { return Vec::new() };
        let ids: Vec<String> = calendars.iter().map(|(_, c)| c.clone()).collect();
        let key = format!("{tenant}:{}:{}:{}", window.start, window.end, ids.join(","));
        if let Some(hit) = self.cached(&key) {
            return hit;
        }
        let credentials = match self.credentials(tenant, person).await {
            Ok(Some(c)) => c,
            _ => return Vec::new(),
        };
        let mut session = Session { sync: self, credentials, access: None };
        let api = session.api();
        let ts = |ms: Millis| jiff::Timestamp::from_millisecond(ms).unwrap_or_default();
        let (from, to) = (ts(window.start), ts(window.end));
        let found = match session.call(|t| Box::pin(api.free_busy_owned(t, &ids, from, to))).await {
            Ok(found) => found,
            Err(Stop::Revoked(reason)) if session.is_personal() => {
                if let Err(e) = session.revoked(&reason).await {
                    tracing::warn!(error = %e, "could not record a revoked Google grant");
                }
                return Vec::new();
            }
            Err(stop) => {
                let failure = stop.into_failure();
                tracing::warn!(?failure, "could not read the rooms' Google calendars; going by Sala's bookings");
                return Vec::new();
            }
        };
        let busy: Vec<(RoomId, TimeRange)> = calendars
            .iter()
            .flat_map(|(room, calendar)| {
                let intervals = found.get(calendar).cloned().unwrap_or_default();
                intervals.into_iter().filter_map(move |(s, e)| {
                    TimeRange::new(s.as_millisecond(), e.as_millisecond()).ok().map(|t| (*room, t))
                })
            })
            .collect();
        self.remember(key, busy.clone());
        busy
    }
}

type Call<'a, T> = Pin<Box<dyn Future<Output = Result<T, ProviderError>> + Send + 'a>>;

/// Why a sync stopped.
enum Stop {
    /// The person's grant is gone: recorded, the job ends.
    Revoked(String),
    /// The calendar provider's answer, as classified by the channel.
    Provider(ProviderError),
    Failure(JobFailure),
}

impl From<sala_store::StoreError> for Stop {
    fn from(e: sala_store::StoreError) -> Self {
        Stop::Failure(JobFailure::retry(format!("store: {e}")))
    }
}

impl From<ProviderError> for Stop {
    fn from(e: ProviderError) -> Self {
        match e {
            ProviderError::InvalidGrant(reason) => Stop::Revoked(reason),
            other => Stop::Provider(other),
        }
    }
}

impl Stop {
    fn into_failure(self) -> JobFailure {
        match self {
            Stop::Failure(failure) => failure,
            Stop::Provider(ProviderError::Retryable { reason, retry_after }) => {
                JobFailure::Retry { reason: format!("calendar provider: {reason}"), after: retry_after }
            }
            // A 401 right after a refresh, a 404 where the event must exist, a 4xx: no retry mends it.
            Stop::Provider(other) => JobFailure::final_(format!("calendar provider: {other}")),
            Stop::Revoked(reason) => JobFailure::final_(format!("Google access revoked: {reason}")),
        }
    }
}

impl CalendarSync {
    /// The `calendar_sync` job: the organizer's event brought in line with the booking as it is.
    pub(crate) async fn sync(&self, job: &Job) -> Result<(), JobFailure> {
        let Some(booking_id) = job.booking_id else {
            return Err(JobFailure::final_("a calendar job without a booking"));
        };
        let store_failure = |e: sala_store::StoreError| JobFailure::retry(format!("store: {e}"));
        let Some(booking) = self.store.get_booking(job.tenant_id, booking_id).await.map_err(store_failure)? else {
            return Ok(());
        };
        let Some(credentials) = self.credentials(job.tenant_id, booking.organizer_id).await? else {
            return Ok(()); // Nobody lets Sala into the organizer's calendar: nothing to keep in step.
        };
        let calendar = credentials.recipient();
        let mut session = Session { sync: self, credentials, access: None };
        match session.sync(job, &booking).await {
            Ok(detail) => {
                self.log(job, &booking, &calendar, DeliveryStatus::Sent, &detail).await;
                // Sala writes this calendar now: what its person changes there comes back.
                self.start_watching(job.tenant_id, booking.organizer_id).await.map_err(store_failure)
            }
            Err(Stop::Revoked(reason)) if session.is_personal() => {
                session.revoked(&reason).await.map_err(store_failure)?;
                self.log(
                    job,
                    &booking,
                    &calendar,
                    DeliveryStatus::Failed,
                    &format!("Google access revoked ({reason}): reconnect"),
                )
                .await;
                Ok(())
            }
            Err(stop) => {
                let failure = stop.into_failure();
                let reason = match &failure {
                    JobFailure::Retry { reason, .. } | JobFailure::Final { reason } => reason.clone(),
                };
                self.log(job, &booking, &calendar, DeliveryStatus::Failed, &reason).await;
                Err(failure)
            }
        }
    }
}

impl CalendarSync {
    /// The organizer's own Google connection when it works, else Sala's application in the
    /// organization's Microsoft 365 directory when it lives there (and this installation is
    /// registered with Microsoft), else the tenant's Google service account acting as them;
    /// `None` when none. A service account key that no longer opens is a failure the admin must
    /// see (the job ends dead).
    async fn credentials(&self, tenant: TenantId, user: UserId) -> Result<Option<Credentials>, JobFailure> {
        let store_failure = |e: sala_store::StoreError| JobFailure::retry(format!("store: {e}"));
        let connection = self.store.google_connection(tenant, user).await.map_err(store_failure)?;
        if let Some(connection) = connection.filter(GoogleConnection::is_connected) {
            return Ok(Some(Credentials::Personal(connection)));
        }
        let Some(organization) = self.store.get_tenant(tenant).await.map_err(store_failure)? else { return Ok(None) };
        let Some(person) = self.store.get_user(tenant, user).await.map_err(store_failure)? else { return Ok(None) };
        if organization.calendar_service == CalendarService::Microsoft
            && self.microsoft.is_some()
            && let Some(directory) = organization.entra_tenant_id
        {
            return Ok(Some(Credentials::Application { directory, mailbox: person.email.to_string() }));
        }
        let Some(account) = organization.google_service_account else { return Ok(None) };
        let json = self
            .secrets
            .open(&service_account_owner(tenant), &account.key_sealed)
            .map_err(|e| JobFailure::final_(format!("the Google service account key: {e}")))?;
        let key = ServiceAccountKey::parse(&json).map_err(JobFailure::final_)?;
        Ok(Some(Credentials::Delegated { key, subject: person.email.to_string() }))
    }

    /// `uid_domain`: the host that names meetings' iCalendar UIDs (the same as the `.ics`).
    pub fn new(
        store: Arc<dyn Store>,
        google: Arc<dyn CalendarProvider>,
        secrets: SecretBox,
        uid_domain: String,
    ) -> Self {
        let poll_delays = [500, 1000, 2000, 4000].map(Duration::from_millis).to_vec();
        Self {
            store,
            google,
            secrets,
            uid_domain,
            poll_delays,
            microsoft: None,
            busy_cache: Mutex::default(),
            two_way: TwoWay::default(),
        }
    }

    /// Microsoft 365 organizations' calendars too, through `graph`.
    pub fn with_microsoft(self, graph: Arc<dyn CalendarProvider>) -> Self {
        Self { microsoft: Some(graph), ..self }
    }

    fn microsoft_provider(&self) -> Result<&dyn CalendarProvider, Stop> {
        self.microsoft.as_deref().ok_or_else(|| {
            Stop::Provider(ProviderError::Final("this installation is not registered with Microsoft".to_owned()))
        })
    }

    /// Two-way sync as the settings say (where push notifications reach Sala).
    pub fn with_two_way(self, two_way: TwoWay) -> Self {
        Self { two_way, ..self }
    }

    fn cached(&self, key: &str) -> Option<Vec<(RoomId, TimeRange)>> {
        let cache = self.busy_cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(key).filter(|(at, _)| at.elapsed() < BUSY_TTL).map(|(_, busy)| busy.clone())
    }

    fn remember(&self, key: String, busy: Vec<(RoomId, TimeRange)>) {
        let mut cache = self.busy_cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|_, (at, _)| at.elapsed() < BUSY_TTL);
        cache.insert(key, (Instant::now(), busy));
    }

    /// One line in the booking's delivery log per attempt (channel `calendar`).
    async fn log(&self, job: &Job, booking: &Booking, calendar: &str, status: DeliveryStatus, detail: &str) {
        let delivery = Delivery {
            id: uuid::Uuid::now_v7(),
            tenant_id: job.tenant_id,
            job_id: job.id,
            booking_id: Some(booking.id),
            channel: Channel::Calendar,
            recipient: calendar.to_owned(),
            idempotency_key: format!("{}:{}", job.id, uuid::Uuid::now_v7()),
            status,
            detail: Some(detail.chars().take(500).collect()),
            created_at: now_millis(),
        };
        if let Err(e) = self.store.record_delivery(&delivery).await {
            tracing::warn!(job = %job.id, error = %e, "could not log the calendar sync");
        }
    }
}

/// Whose authority a call to someone's calendar goes with.
enum Credentials {
    /// The person's own Google grant (they connected their calendar).
    Personal(GoogleConnection),
    /// The tenant's service account acting as the person (Workspace domain-wide delegation).
    Delegated { key: ServiceAccountKey, subject: String },
    /// Sala's own application in the organization's Microsoft 365 directory (its admin
    /// consented), writing the person's mailbox.
    Application { directory: String, mailbox: String },
}

impl Credentials {
    /// The person's own calendar as the provider names it.
    fn calendar(&self) -> &str {
        match self {
            Credentials::Personal(_) | Credentials::Delegated { .. } => "primary",
            Credentials::Application { mailbox, .. } => mailbox,
        }
    }

    /// The calendar as the delivery log names it: `google:primary`, `microsoft:ana@acme.example`.
    fn recipient(&self) -> String {
        format!("{}:{}", self.service().as_str(), self.calendar())
    }

    /// The calendar service these credentials open.
    fn service(&self) -> CalendarService {
        match self {
            Credentials::Personal(_) | Credentials::Delegated { .. } => CalendarService::Google,
            Credentials::Application { .. } => CalendarService::Microsoft,
        }
    }
}

/// What a sealed service account key belongs to.
pub fn service_account_owner(tenant: TenantId) -> String {
    format!("google_service_account:{tenant}")
}

/// Did the calendar job give up on this booking (its latest `calendar_sync` is dead)? Its Meet
/// link then comes only once an admin replays the job.
pub async fn gave_up(store: &dyn Store, tenant: TenantId, booking: BookingId) -> Result<bool, sala_store::StoreError> {
    let jobs = store.jobs_for_booking(tenant, booking).await?;
    let latest = jobs.iter().filter(|j| j.kind == JobKind::CalendarSync).max_by_key(|j| j.created_at);
    Ok(latest.is_some_and(|j| j.status == JobStatus::Dead))
}

impl CalendarSync {
    /// Gives a disconnected person's grant back to Google, so it forgets the consent too (a
    /// later sign-in then asks again rather than finding the calendar still granted). Best
    /// effort: the connection is already gone from Sala, and a failure is logged.
    pub async fn give_back(&self, connection: &GoogleConnection) {
        let token = match self.secrets.open(&token_owner(connection, "refresh"), &connection.refresh_token_sealed) {
            Ok(token) => token,
            Err(err) => {
                return tracing::warn!(user = %connection.user_id, %err, "the grant to give back could not be opened");
            }
        };
        match self.google.revoke(&token).await {
            Ok(()) => tracing::info!(user = %connection.user_id, "Google grant revoked"),
            Err(err) => tracing::warn!(user = %connection.user_id, error = %err, "Google did not take the grant back"),
        }
    }
}

/// One run against one person's calendar, refreshing the access token as needed.
struct Session<'a> {
    sync: &'a CalendarSync,
    credentials: Credentials,
    access: Option<String>,
}

impl<'a> Session<'a> {
    /// Brings the event in line with the booking; says what it did.
    async fn sync(&mut self, job: &Job, booking: &Booking) -> Result<String, Stop> {
        if !booking.is_confirmed() {
            return self.remove(booking).await;
        }
        let store = &self.sync.store;
        let room = store.get_room(booking.tenant_id, booking.room_id).await?;
        let body = event_body(booking, room.as_ref(), &self.sync.uid_domain);
        let api = self.api();
        let existing = self.existing(booking).await?;
        let patched = match existing {
            Some(current) => {
                let has_meet = current.meet_link.is_some() || current.conference_pending();
                let conference = match (booking.google_meet, has_meet) {
                    (true, false) => meet_request(booking),
                    (false, true) => Conference::Remove,
                    _ => Conference::Keep,
                };
                let id = current.id.clone();
                match self.call(|t| Box::pin(api.patch_event_owned(t, &id, &body, &conference))).await {
                    Ok(event) => Some(event),
                    // Deleted on Google's side meanwhile: the booking still stands, so a new event.
                    Err(Stop::Provider(ProviderError::NotFound)) => None,
                    Err(e) => return Err(e),
                }
            }
            None => None,
        };
        // A later occurrence of a series joins the first one's conference: the series' one
        // invitation already carries that link, so it needs no announcing.
        let mut shared = false;
        let (mut event, done) = match patched {
            Some(event) => (event, "updated"),
            None => {
                let series = self.series_conference(booking).await?;
                shared = series.is_some();
                let conference = series.unwrap_or_else(|| meet_request(booking));
                let inserted = match self.call(|t| Box::pin(api.insert_event_owned(t, &body, &conference))).await {
                    // The UID is taken by an event deleted on Google's side (Google keeps their
                    // UIDs): the booking still stands, so a new event under a UID Google picks.
                    Err(Stop::Provider(ProviderError::Duplicate)) => {
                        tracing::info!(booking = %booking.id, "the meeting's UID is taken at Google; a new one");
                        let body = EventBody { ical_uid: None, ..body.clone() };
                        self.call(|t| Box::pin(api.insert_event_owned(t, &body, &conference))).await?
                    }
                    other => other?,
                };
                (inserted, "created")
            }
        };
        store
            .set_booking_calendar(booking.tenant_id, booking.id, Some(&event.id), booking.meet_link.as_deref())
            .await?;
        if booking.google_meet {
            event = self.await_conference(event).await?;
        }
        let link =
            if booking.google_meet { event.meet_link.clone().or_else(|| booking.meet_link.clone()) } else { None };
        store.set_booking_calendar(booking.tenant_id, booking.id, Some(&event.id), link.as_deref()).await?;
        if let Some(link) = link.as_deref().filter(|l| booking.meet_link.as_deref() != Some(*l)) {
            self.announce_link(job, booking, link, shared).await?;
        }
        Ok(format!("event {} {done}{}", event.id, link.map(|l| format!(", Meet {l}")).unwrap_or_default()))
    }

    /// The calls, borrowing the handler rather than this session (which `call` borrows mutably).
    fn api(&self) -> ApiCalls<'a> {
        let sync: &'a CalendarSync = self.sync;
        let provider = match (&self.credentials, &sync.microsoft) {
            (Credentials::Application { .. }, Some(microsoft)) => microsoft.as_ref(),
            _ => sync.google.as_ref(),
        };
        ApiCalls { provider, calendar: self.credentials.calendar().into() }
    }

    /// For a later occurrence of a series with Meet: the first occurrence's conference, so the
    /// whole series has one Meet link. Until the first has its link, this one waits (retry).
    /// `None`: this is the first (or no series), it asks Google for a conference of its own.
    async fn series_conference(&mut self, booking: &Booking) -> Result<Option<Conference>, Stop> {
        let Some(series_id) = booking.series_id.filter(|_| booking.google_meet) else { return Ok(None) };
        let query = sala_store::BookingQuery {
            series_id: Some(series_id),
            status: Some(sala_domain::BookingStatus::Confirmed),
            limit: 1,
            ..Default::default()
        };
        let first = self.sync.store.list_bookings(booking.tenant_id, &query).await?.into_iter().next();
        let Some(first) = first.filter(|f| f.id != booking.id && f.google_meet) else { return Ok(None) };
        let waiting = || {
            Stop::Failure(JobFailure::Retry {
                reason: "waiting for the series' Meet link (its first occurrence's)".into(),
                after: Some(Duration::from_secs(10)),
            })
        };
        let Some(event_id) = first.google_event_id.filter(|_| first.meet_link.is_some()) else { return Err(waiting()) };
        let api = self.api();
        let leader = self.call(|t| Box::pin(api.get_event_owned(t, &event_id))).await?;
        leader.conference().map(|c| Some(Conference::Copy(c))).ok_or_else(waiting)
    }

    /// The booking's event as Google has it now: by the id Sala stored, else by the booking's
    /// private property (a retry after a lost answer). `None` when there is none (or it was
    /// deleted on Google's side: the booking still stands, so it gets a new one).
    async fn existing(&mut self, booking: &Booking) -> Result<Option<Event>, Stop> {
        let api = self.api();
        if let Some(id) = booking.google_event_id.clone() {
            match self.call(|t| Box::pin(api.get_event_owned(t, &id))).await {
                Ok(event) if !event.cancelled => return Ok(Some(event)),
                Ok(_) | Err(Stop::Provider(ProviderError::NotFound)) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        let booking_id = booking.id.to_string();
        self.call(|t| Box::pin(api.find_event_owned(t, &booking_id))).await
    }

    /// Deletes a cancelled booking's event; one already gone is fine.
    async fn remove(&mut self, booking: &Booking) -> Result<String, Stop> {
        let Some(event) = self.existing(booking).await? else { return Ok("no event to delete".to_owned()) };
        let (api, id) = (self.api(), event.id.clone());
        match self.call(|t| Box::pin(api.delete_event_owned(t, &id))).await {
            Ok(()) => Ok(format!("event {id} deleted")),
            Err(Stop::Provider(ProviderError::NotFound)) => Ok(format!("event {id} was already deleted")),
            Err(e) => Err(e),
        }
    }

    /// Reads a `pending` conference again until Google has made it; still pending after the
    /// pauses: the job retries later (the event is already stored, so nothing is made twice).
    async fn await_conference(&mut self, mut event: Event) -> Result<Event, Stop> {
        for delay in self.sync.poll_delays.clone() {
            if !event.conference_pending() {
                break;
            }
            tokio::time::sleep(delay).await;
            let (api, id) = (self.api(), event.id.clone());
            event = self.call(|t| Box::pin(api.get_event_owned(t, &id))).await?;
        }
        if event.conference_pending() {
            return Err(Stop::Failure(JobFailure::Retry {
                reason: "Google is still making the Meet conference".to_owned(),
                after: Some(Duration::from_secs(15)),
            }));
        }
        if event.conference_failed() {
            tracing::warn!(event = %event.id, "Google could not make the Meet conference");
        }
        Ok(event)
    }

    /// The Meet link is new (or changed): webhooks hear `booking.updated` with it. People hear
    /// of it once: the confirmation held back for it goes now, or, if it went without it, an
    /// update follows. A series' later occurrence shares the first's link, which the series'
    /// one invitation already carries.
    async fn announce_link(&self, job: &Job, booking: &Booking, link: &str, shared: bool) -> Result<(), Stop> {
        let store = &self.sync.store;
        let now = now_millis();
        let released = !shared && store.release_jobs(booking.tenant_id, booking.id, JobKind::Notify, now).await? > 0;
        let tell_people = !shared && !released && booking.meet_link.is_none();
        if tell_people {
            tracing::info!(job = %job.id, booking = %booking.id, "the Meet link came after the confirmation; an update follows");
        }
        let plan = outbox::plan(Change::MeetLink { booking, link, tell_people }, &Facts::at(now));
        Ok(store.enqueue_jobs(&plan.jobs).await?)
    }

    /// Makes one call with a valid access token; a 401 refreshes the token and tries once more.
    async fn call<'c, T>(&mut self, call: impl Fn(String) -> Call<'c, T>) -> Result<T, Stop> {
        let token = self.token(false).await?;
        match call(token).await {
            Err(ProviderError::Unauthorized) => {
                let token = self.token(true).await?;
                Ok(call(token).await?)
            }
            other => Ok(other?),
        }
    }

    /// The access token: the one held while fresh, else a new one from the refresh token (kept,
    /// sealed, for the next job).
    async fn token(&mut self, refresh: bool) -> Result<String, Stop> {
        if !refresh && let Some(token) = &self.access {
            return Ok(token.clone());
        }
        let token = match &mut self.credentials {
            Credentials::Personal(connection) => personal_token(self.sync, connection, refresh).await?,
            Credentials::Application { directory, .. } => {
                // Refused when the organization's admin has not consented (or took it back): an
                // admin's fix, not the person's.
                self.sync.microsoft_provider()?.application_token(directory).await?.access_token
            }
            Credentials::Delegated { key, subject } => {
                // The delegated grant answers `invalid_grant` / `unauthorized_client` when the
                // Workspace admin has not allowed it: an admin's fix, not the person's.
                let fresh = self.sync.google.delegated(key, subject, CALENDAR_SCOPE).await.map_err(|e| match e {
                    ProviderError::InvalidGrant(reason) => Stop::Provider(ProviderError::Final(format!(
                        "the service account may not act as {subject}: {reason}"
                    ))),
                    other => Stop::from(other),
                })?;
                fresh.access_token
            }
        };
        self.access = Some(token.clone());
        Ok(token)
    }

    fn is_personal(&self) -> bool {
        matches!(self.credentials, Credentials::Personal(_))
    }

    /// Google refused the person's grant: the connection is marked revoked, with why.
    async fn revoked(&mut self, reason: &str) -> Result<(), sala_store::StoreError> {
        let Credentials::Personal(connection) = &mut self.credentials else { return Ok(()) };
        let before = connection.clone();
        connection.status = ConnectionStatus::Revoked;
        connection.last_error = Some(reason.to_owned());
        connection.access_token_sealed = None;
        connection.updated_at = now_millis();
        let connection = connection.clone();
        let ctx = Context::system(connection.tenant_id);
        let status =
            |c: &GoogleConnection| serde_json::json!({"status": c.status.as_str(), "last_error": c.last_error});
        let entry = ctx.audit(
            "google.revoked",
            "user",
            Some(connection.user_id.0),
            Some(status(&before)),
            Some(status(&connection)),
        );
        tracing::warn!(user = %connection.user_id, %reason, "Google access revoked; the person must reconnect");
        self.sync.store.save_google_connection(&connection, Some(&entry), &[]).await
    }
}

/// The person's access token: the one kept while fresh (unless `refresh`), else a new one from
/// the refresh token, kept sealed for the next job.
async fn personal_token(sync: &CalendarSync, connection: &mut GoogleConnection, refresh: bool) -> Result<String, Stop> {
    let secrets = &sync.secrets;
    let now = now_millis();
    if !refresh
        && connection.access_token_fresh(now)
        && let Some(sealed) = &connection.access_token_sealed
        && let Ok(token) = secrets.open(&token_owner(connection, "access"), sealed)
    {
        return Ok(token);
    }
    let refresh_token = secrets
        .open(&token_owner(connection, "refresh"), &connection.refresh_token_sealed)
        .map_err(|e| Stop::Revoked(e.to_string()))?;
    let fresh = sync.google.refresh(&refresh_token).await?;
    let expires_in = i64::try_from(fresh.expires_in).unwrap_or(3600).saturating_mul(1000);
    connection.access_token_sealed = Some(secrets.seal(&token_owner(connection, "access"), &fresh.access_token));
    connection.access_expires_at = Some(now + expires_in);
    connection.updated_at = now;
    sync.store.save_google_connection(connection, None, &[]).await?;
    Ok(fresh.access_token)
}

/// The API calls with owned tokens, so a call can be made again after a refresh, against one
/// provider and the person's own calendar there.
#[derive(Clone)]
struct ApiCalls<'a> {
    provider: &'a dyn CalendarProvider,
    /// The person's calendar as the provider names it (`primary`, a mailbox).
    calendar: Arc<str>,
}

impl<'a> ApiCalls<'a> {
    async fn insert_event_owned(
        &self,
        token: String,
        body: &EventBody,
        conference: &Conference,
    ) -> Result<Event, ProviderError> {
        self.provider.insert_event(&token, &self.calendar, body, conference).await
    }
    async fn patch_event_owned(
        &self,
        token: String,
        id: &str,
        body: &EventBody,
        conference: &Conference,
    ) -> Result<Event, ProviderError> {
        self.provider.patch_event(&token, &self.calendar, id, body, conference).await
    }
    async fn get_event_owned(&self, token: String, id: &str) -> Result<Event, ProviderError> {
        self.provider.get_event(&token, &self.calendar, id).await
    }
    async fn find_event_owned(&self, token: String, booking_id: &str) -> Result<Option<Event>, ProviderError> {
        self.provider.find_event(&token, &self.calendar, booking_id).await
    }
    async fn delete_event_owned(&self, token: String, id: &str) -> Result<(), ProviderError> {
        self.provider.delete_event(&token, &self.calendar, id).await
    }
    async fn changes_owned(
        &self,
        token: String,
        cursor: Option<String>,
        since: jiff::Timestamp,
    ) -> Result<sala_channels::calendar::Changes, ProviderError> {
        self.provider.changes(&token, &self.calendar, cursor.as_deref(), since).await
    }
    async fn watch_owned(
        &self,
        token: String,
        request: &sala_channels::calendar::WatchRequest,
    ) -> Result<sala_channels::calendar::Watch, ProviderError> {
        self.provider.watch(&token, &self.calendar, request).await
    }
    async fn renew_watch_owned(
        &self,
        token: String,
        old: &sala_channels::calendar::Watch,
        request: &sala_channels::calendar::WatchRequest,
    ) -> Result<sala_channels::calendar::Watch, ProviderError> {
        self.provider.renew_watch(&token, &self.calendar, old, request).await
    }
    /// Reads an event of another calendar than the person's own (a room's).
    async fn get_event_in_owned(&self, token: String, calendar: &str, id: &str) -> Result<Event, ProviderError> {
        self.provider.get_event(&token, calendar, id).await
    }
    /// Lists another calendar than the person's own (a room's).
    async fn list_events_owned(
        &self,
        token: String,
        calendar: &str,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> Result<Vec<Event>, ProviderError> {
        self.provider.list_events(&token, calendar, from, to).await
    }
    async fn free_busy_owned(
        &self,
        token: String,
        calendars: &[String],
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> Result<BusyTimes, ProviderError> {
        self.provider.free_busy(&token, calendars, from, to).await
    }
}

/// A Meet request unique to this booking and version: asking again after an edit turned Meet on
/// is a new request, a retry of the same one is ignored by Google.
fn meet_request(booking: &Booking) -> Conference {
    if booking.google_meet {
        Conference::Create { request_id: format!("sala-{}-{}", booking.id, booking.version) }
    } else {
        Conference::Keep
    }
}

/// The event as the booking describes it, in the booking's zone. A single meeting's event
/// carries the `.ics` UID, so a guest's calendar that gets both holds one event; an occurrence of
/// a series is one Google event each while the `.ics` is one recurring event, so Google names it.
fn event_body(booking: &Booking, room: Option<&Room>, uid_domain: &str) -> EventBody {
    let zone = booking.time_zone.time_zone();
    let local = |ms: Millis| {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.to_zoned_datetime(zone.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
            .unwrap_or_default()
    };
    let time = |ms| EventTime { date_time: local(ms), time_zone: booking.time_zone.as_str().to_owned() };
    let mut attendees: Vec<EventAttendee> = booking
        .attendees
        .iter()
        .map(|a| EventAttendee { email: a.email.to_string(), display_name: a.name.clone(), resource: false })
        .collect();
    if let Some(calendar) = room.and_then(|r| r.google_calendar.as_ref()) {
        attendees.push(EventAttendee {
            email: calendar.to_string(),
            display_name: room.map(|r| r.name.clone()),
            resource: true,
        });
    }
    let location = room.map(|r| match r.location.as_deref().filter(|l| !l.is_empty()) {
        Some(floor) => format!("{} ({floor})", r.name),
        None => r.name.clone(),
    });
    EventBody {
        booking_id: booking.id.to_string(),
        booking_version: booking.version,
        ical_uid: (!booking.is_occurrence()).then(|| booking.ical_uid(uid_domain)),
        summary: booking.title.clone(),
        description: booking.description.clone(),
        location,
        start: time(booking.time.start),
        end: time(booking.time.end),
        attendees,
    }
}
