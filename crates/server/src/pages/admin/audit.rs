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
    pub subject: String,
    pub ip: String,
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
            Actor::ApiKey(id) => format!("{} {id}", shell.t.by_integration),
            Actor::System => "Sala".to_owned(),
        };
        entries.push(Entry {
            at: zoned(e.at, &zone).map(|z| z.strftime("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default(),
            actor,
            subject: match e.subject_id {
                Some(id) if e.subject_type == "booking" => format!("/bookings/{id}"),
                Some(id) => format!("{} {id}", e.subject_type),
                None => e.subject_type,
            },
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
