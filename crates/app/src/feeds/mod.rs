//! Calendar feeds: secret, revocable `.ics` URLs that calendar apps (Google, Outlook, Apple)
//! subscribe to. A `me` feed shows the meetings its person organizes or is invited to; a `room`
//! feed a room's bookings; an `organization` feed every booking (admins and API keys). The URL
//! holds a random token of which only the hash is kept (as for API keys and kiosk links); the
//! feed's maker lists and deletes it, and a deleted feed's URL is "not found" from then on.
//!
//! A feed shows what its maker may see, judged when it is read: a person who was deactivated, an
//! admin who no longer is one (for an organization feed) or a revoked API key leaves their feeds
//! answering "not found"; in a person's room feed, other people's meetings are busy blocks
//! without title, description or people, as the dashboard shows them.

mod write;

use crate::tokens::{hash_token, random_token};
use crate::{AppError, AppResult, Context, Principal, Store};
use sala_domain::{Actor, ErrorCode, Feed, FeedId, FeedScope, RoomId, Tenant, now_millis};
pub use write::{CalendarFile, booking_calendar, feed_calendar};

/// How many feeds one person or key may have at once.
pub const MAX_FEEDS: usize = 20;

/// What a client asks for: `scope` as sent (`me`, `room`, `organization`), and the room of a
/// room feed.
#[derive(Clone, Debug, Default)]
pub struct NewFeed {
    pub scope: String,
    pub room_id: Option<RoomId>,
}

/// A feed just made: the token is here and nowhere else.
pub struct CreatedFeed {
    pub feed: Feed,
    pub token: String,
}

impl CreatedFeed {
    /// The URL to subscribe to: `<base_url>/feeds/<token>.ics`.
    pub fn url(&self, base_url: &str) -> String {
        feed_url(base_url, &self.token)
    }
}

/// A feed's URL for a token.
pub fn feed_url(base_url: &str, token: &str) -> String {
    format!("{base_url}/feeds/{token}.ics")
}

/// Makes a feed. People may make `me` and `room` feeds, admins and API keys `organization`
/// ones; a `me` feed belongs to a person, so an API key may not make one (`feed_needs_person`).
pub async fn create_feed(store: &dyn Store, ctx: &Context, input: NewFeed) -> AppResult<CreatedFeed> {
    let scope = FeedScope::parse(input.scope.trim()).ok_or_else(|| {
        AppError::invalid("scope", ErrorCode::InvalidFeedScope, "the scope must be me, room or organization")
    })?;
    match scope {
        FeedScope::Me if ctx.user().is_none() => {
            return Err(AppError::invalid(
                "scope",
                ErrorCode::FeedNeedsPerson,
                "a feed of one's own meetings belongs to a person: sign in, or ask for a room or organization feed",
            ));
        }
        FeedScope::Organization => ctx.require_admin()?,
        _ => {}
    }
    let room_id = match (scope, input.room_id) {
        (FeedScope::Room, None) => {
            return Err(AppError::invalid("room_id", ErrorCode::Required, "a room feed names its room"));
        }
        (FeedScope::Room, Some(id)) => {
            let room = store.get_room(ctx.tenant_id(), id).await?;
            Some(room.map(|r| r.id).ok_or_else(|| {
                AppError::invalid("room_id", ErrorCode::UnknownRoom, "there is no such room in your organization")
            })?)
        }
        (_, Some(_)) => {
            return Err(AppError::invalid("room_id", ErrorCode::ValidationFailed, "only a room feed names a room"));
        }
        (_, None) => None,
    };
    if store.feeds_by(ctx.tenant_id(), &ctx.actor()).await?.len() >= MAX_FEEDS {
        return Err(AppError::invalid(
            "scope",
            ErrorCode::TooManyFeeds,
            format!("one may have at most {MAX_FEEDS} feeds; delete one first"),
        ));
    }
    let token = random_token();
    let feed = Feed {
        id: FeedId::new(),
        tenant_id: ctx.tenant_id(),
        scope,
        room_id,
        token_hash: hash_token(&token),
        created_by: ctx.actor(),
        created_at: now_millis(),
    };
    let entry = ctx.audit("feed.created", "feed", Some(feed.id.0), None, Some(described(&feed)));
    store.insert_feed(&feed, &entry).await?;
    Ok(CreatedFeed { feed, token })
}

/// The caller's own feeds, oldest first (never their URLs).
pub async fn list_feeds(store: &dyn Store, ctx: &Context) -> AppResult<Vec<Feed>> {
    Ok(store.feeds_by(ctx.tenant_id(), &ctx.actor()).await?)
}

/// Deletes a feed: its URL stops working at once. Its maker may, and an administrator (to cut
/// off a URL that leaked); anyone else finds it "not found".
pub async fn delete_feed(store: &dyn Store, ctx: &Context, id: FeedId) -> AppResult<()> {
    let not_found = || AppError::NotFound { what: "feed" };
    let feed = store.get_feed(ctx.tenant_id(), id).await?.ok_or_else(not_found)?;
    if feed.created_by != ctx.actor() && !ctx.can_administer() {
        return Err(not_found());
    }
    let entry = ctx.audit("feed.deleted", "feed", Some(feed.id.0), Some(described(&feed)), None);
    if store.delete_feed(ctx.tenant_id(), id, &entry).await? { Ok(()) } else { Err(not_found()) }
}

/// A feed as the audit log shows it (never its token's hash).
fn described(feed: &Feed) -> serde_json::Value {
    serde_json::json!({"scope": feed.scope.as_str(), "room_id": feed.room_id})
}

/// The feed a URL's token opens, its tenant, and the context of its maker as the feed is read
/// now. An unknown or deleted token, a deactivated maker, an organization feed whose maker is no
/// longer an admin, and a revoked key are all "not found": the URL is all a calendar app has, so
/// it tells nothing more.
pub async fn open_feed(store: &dyn Store, token: &str) -> AppResult<(Feed, Tenant, Context)> {
    let not_found = || AppError::NotFound { what: "feed" };
    let feed = store.feed_by_token(&hash_token(token)).await?.ok_or_else(not_found)?;
    let tenant = store.get_tenant(feed.tenant_id).await?.ok_or_else(not_found)?;
    let principal = match feed.created_by {
        Actor::User(id) => {
            let user = store.get_user(feed.tenant_id, id).await?.filter(|u| u.active).ok_or_else(not_found)?;
            Principal::User(user)
        }
        Actor::ApiKey(id) => {
            let key = store.get_api_key(feed.tenant_id, id).await?.filter(|k| k.revoked_at.is_none());
            Principal::ApiKey(key.ok_or_else(not_found)?)
        }
        Actor::System => Principal::System(feed.tenant_id),
    };
    let ctx = Context::new(principal);
    if feed.scope == FeedScope::Organization && !ctx.can_administer() {
        return Err(not_found());
    }
    Ok((feed, tenant, ctx))
}
