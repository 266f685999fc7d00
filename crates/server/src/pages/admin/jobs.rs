//! `/admin/jobs`: background work that failed for good (a message that could not be sent, a
//! calendar that refused), with why, and a button to try it again once the cause is fixed.

use super::{Tab, done};
use crate::i18n::Texts;
use crate::pages::form::{AdminForm, Button};
use crate::pages::shell::{AdminPage, Nav, Shell};
use crate::pages::{render, show_error};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use sala_app::jobs::admin::{list_jobs, replay_job};
use sala_domain::dates::zoned;
use sala_domain::{BookingId, JobId, JobStatus};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/jobs", get(list)).route("/admin/jobs/{id}/replay", post(replay))
}

pub struct DeadJob {
    pub id: JobId,
    pub kind: &'static str,
    pub booking: Option<BookingId>,
    pub attempts: u32,
    pub error: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "admin/jobs.html")]
pub struct JobsPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<&'static str>,
    pub problems: Vec<String>,
    pub jobs: Vec<DeadJob>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: Option<String>,
}

async fn list(State(state): State<AppState>, AdminPage(shell): AdminPage, Query(q): Query<Done>) -> Response {
    let page = match list_jobs(state.store(), &shell.ctx(), Some(JobStatus::Dead), None, 100).await {
        Ok(page) => page,
        Err(err) => return show_error(shell.t, &err),
    };
    let zone = shell.zone();
    let jobs = page
        .items
        .into_iter()
        .map(|j| DeadJob {
            id: j.id,
            kind: crate::i18n::words::job_kind(shell.locale, j.kind),
            booking: j.booking_id,
            attempts: j.attempts,
            error: j.last_error.unwrap_or_default(),
            at: zoned(j.run_at, &zone).map(|z| z.strftime("%Y-%m-%d %H:%M").to_string()).unwrap_or_default(),
        })
        .collect();
    let notice = q.done.map(|_| shell.t.replayed_notice);
    let page = JobsPage { t: shell.t, shell, tab: Tab::Jobs, notice, problems: Vec::new(), jobs };
    let response = render(&page);
    page.shell.finish(response)
}

async fn replay(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(shell, _): AdminForm<Button>,
) -> Response {
    let Some(id) = id.parse::<JobId>().ok() else {
        return show_error(shell.t, &sala_app::AppError::NotFound { what: "job" });
    };
    match replay_job(state.store(), &shell.ctx(), id).await {
        Ok(()) => done("/admin/jobs", "replayed"),
        Err(err) => show_error(shell.t, &err),
    }
}
