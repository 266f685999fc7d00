//! `/admin/audit`: who changed what and when, newest first, filtered by action (e.g. `booking.`
//! or `room.created`), a page at a time.

use super::Tab;
use crate::i18n::Texts;
use crate::pages::shell::{AdminPage, Nav, Shell};
use crate::pages::{render, show_error};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use sala_app::audit::{AuditFilter, list_audit};
use sala_domain::Actor;
use sala_domain::dates::zoned;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/audit", get(list))
}

pub struct Entry {
    pub at: String,
    pub actor: String,
    /// The action in words, and its code (shown on hover, and what the filter takes).
    pub action: String,
    pub code: String,
    /// What it is about, by name ("Sala Norte", the booking's title), and where to see it.
    pub subject: String,
    pub href: Option<String>,
    pub ip: String,
}

/// An audit entry's subject by name, and its page: the names looked up once per page.
struct Subjects<'a> {
    state: &'a AppState,
    tenant: sala_domain::TenantId,
    locale: sala_domain::Locale,
    known: std::collections::HashMap<uuid::Uuid, (String, Option<String>)>,
}

impl Subjects<'_> {
    async fn of(&mut self, kind: &str, id: Option<uuid::Uuid>) -> (String, Option<String>) {
        let kind_words = crate::i18n::words::subject_type(self.locale, kind).into_owned();
        let Some(id) = id else { return (kind_words, None) };
        if let Some(found) = self.known.get(&id) {
            return found.clone();
        }
        let store = self.state.store();
        let (tenant, named) = (self.tenant, |name: String| format!("{kind_words} «{name}»"));
        let found = match kind {
            "booking" => {
                let title = store.get_booking(tenant, sala_domain::BookingId(id)).await.ok().flatten().map(|b| b.title);
                (title.map_or(kind_words.clone(), named), Some(format!("/bookings/{id}")))
            }
            "room" => {
                let name = store.get_room(tenant, sala_domain::RoomId(id)).await.ok().flatten().map(|r| r.name);
                (name.map_or(kind_words.clone(), named), Some(format!("/admin/rooms/{id}")))
            }
            "user" => {
                let name = store.get_user(tenant, sala_domain::UserId(id)).await.ok().flatten().map(|u| u.name);
                (name.map_or(kind_words.clone(), named), Some(format!("/admin/people/{id}")))
            }
            "api_key" => {
                let name = store.get_api_key(tenant, sala_domain::ApiKeyId(id)).await.ok().flatten().map(|k| k.name);
                (name.map_or(kind_words.clone(), named), Some("/admin/api-keys".to_owned()))
            }
            "webhook" => {
                let hook = store.webhook(tenant, sala_domain::WebhookId(id)).await.ok().flatten();
                let name = hook.map(|h| h.description.filter(|d| !d.is_empty()).unwrap_or(h.url));
                (name.map_or(kind_words.clone(), named), Some(format!("/admin/webhooks/{id}")))
            }
            "tenant" => (kind_words.clone(), Some("/admin/settings".to_owned())),
            "job" => (kind_words.clone(), Some("/admin/jobs".to_owned())),
            _ => (kind_words.clone(), None),
        };
        self.known.insert(id, found.clone());
        found
    }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<&'static str>,
    pub problems: Vec<String>,
    pub action: String,
    pub entries: Vec<Entry>,
    /// The link to the next (older) page.
    pub older: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    action: String,
    cursor: Option<String>,
}

async fn list(State(state): State<AppState>, AdminPage(shell): AdminPage, Query(q): Query<AuditQuery>) -> Response {
    let ctx = shell.ctx();
    let before = match crate::wire::cursor::before(q.cursor.as_deref()) {
        Ok(before) => before,
        Err(err) => return show_error(shell.t, &err),
    };
    let filter =
        AuditFilter { action_prefix: Some(q.action.trim().to_owned()), before, limit: 50, ..Default::default() };
    let page = match list_audit(state.store(), &ctx, filter).await {
        Ok(page) => page,
        Err(err) => return show_error(shell.t, &err),
    };
    let zone = shell.zone();
    let mut names = std::collections::HashMap::new();
    let mut subjects =
        Subjects { state: &state, tenant: ctx.tenant_id(), locale: shell.locale, known: Default::default() };
    let mut entries = Vec::new();
    for e in page.items {
        let actor = match e.actor {
            Actor::User(id) => match names.get(&id) {
                Some(name) => String::clone(name),
                None => {
                    let name = state.store().get_user(ctx.tenant_id(), id).await.ok().flatten().map(|u| u.name);
                    let name = name.unwrap_or_else(|| id.to_string());
                    names.insert(id, name.clone());
                    name
                }
            },
            Actor::ApiKey(id) => subjects.of("api_key", Some(id.0)).await.0,
            Actor::System => "Sala".to_owned(),
        };
        let (subject, href) = subjects.of(&e.subject_type, e.subject_id).await;
        entries.push(Entry {
            at: zoned(e.at, &zone).map(|z| z.strftime("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default(),
            actor,
            subject,
            href,
            action: crate::i18n::words::audit_action(shell.locale, &e.action).into_owned(),
            code: e.action,
            ip: e.ip.unwrap_or_default(),
        });
    }
    let older = crate::wire::cursor::next(page.next).map(|cursor| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("action", q.action.trim())
            .append_pair("cursor", &cursor)
            .finish();
        format!("/admin/audit?{query}")
    });
    let page = AuditPage {
        t: shell.t,
        shell,
        tab: Tab::Audit,
        notice: None,
        problems: Vec::new(),
        action: q.action,
        entries,
        older,
    };
    let response = render(&page);
    page.shell.finish(response)
}
