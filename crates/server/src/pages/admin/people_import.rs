//! `/admin/people/import`: many people at once, from pasted CSV, an uploaded CSV file or the
//! Google Workspace directory. Nothing is written until the admin has seen what each row would
//! do (new, already here and updated or unchanged, or refused and why) and confirmed: the preview
//! carries the CSV text in a hidden field of its CSRF-protected confirm form, and the confirm step
//! reads and checks it again from scratch (a text edited in between is checked like any other).

use super::people_csv::{self, Unreadable};
use super::{Tab, done_with};
use crate::i18n::Texts;
use crate::pages::error::{OrPage, PageError, PageResult, message};
use crate::pages::form::{AdminForm, AdminUpload};
use crate::pages::render;
use crate::pages::shell::{AdminPage, Nav, Shell};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use sala_app::people_import::{ImportRow, Outcome, Planned, import_people, preview_import};
use sala_app::{AppError, FieldError};
use serde::Deserialize;

/// A posted text of 1 MiB may be three times that as a urlencoded form (or beside a file of the
/// same size in an upload); the CSV reader enforces the 1 MiB itself, with a readable answer.
const BODY_LIMIT: usize = 3 * people_csv::MAX_BYTES + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/people/import", get(import_page).post(preview_post))
        .route("/admin/people/import/confirm", post(confirm_post))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

#[derive(Template)]
#[template(path = "admin/people_import.html")]
pub struct ImportPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<&'static str>,
    pub problems: Vec<String>,
    /// The text as pasted, for another try after a refusal.
    pub csv: String,
    /// The organization has a Google service account: the directory can be read.
    pub directory: bool,
    /// What the import would do, once there is something to show.
    pub preview: Option<Preview>,
}

/// The preview: each row, and the text the confirm form carries.
pub struct Preview {
    pub rows: Vec<RowView>,
    pub csv: String,
    /// Rows that would change something.
    pub writes: usize,
    pub refused: usize,
}

/// One row as the preview shows it.
pub struct RowView {
    pub line: u64,
    pub name: String,
    pub email: String,
    pub status: Status,
    /// Each problem as "field: why".
    pub problems: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Status {
    New,
    Changed,
    Unchanged,
    Refused,
}

impl RowView {
    fn of(t: &Texts, plan: Planned) -> Self {
        let (status, problems) = match &plan.outcome {
            Outcome::New(_) => (Status::New, Vec::new()),
            Outcome::Changed { .. } => (Status::Changed, Vec::new()),
            Outcome::Unchanged(_) => (Status::Unchanged, Vec::new()),
            Outcome::Refused(fields) => (Status::Refused, fields.iter().map(|f| said(t, f)).collect()),
        };
        let (name, email) = match plan.outcome {
            Outcome::New(user) | Outcome::Unchanged(user) => (user.name, user.email.to_string()),
            Outcome::Changed { after, .. } => (after.name, after.email.to_string()),
            Outcome::Refused(_) => (plan.row.name, plan.row.email),
        };
        Self { line: plan.row.line, name, email, status, problems }
    }
}

/// A field's problem with the field's name in the reader's words.
fn said(t: &Texts, f: &FieldError) -> String {
    let field = match f.field.as_str() {
        "name" => t.name,
        "email" => t.email_label,
        "phone" => t.phone,
        "locale" => t.language,
        "whatsapp_opt_in" => t.whatsapp_column,
        "whatsapp_consent_at" => t.consent_date,
        _ => t.import_line,
    };
    format!("{field}: {}", message(t, f))
}

async fn import_page(AdminPage(shell): AdminPage) -> PageResult {
    Ok(page(shell, String::new(), Vec::new(), None, StatusCode::OK))
}

pub(super) fn page(
    shell: Shell,
    csv: String,
    problems: Vec<String>,
    preview: Option<Preview>,
    status: StatusCode,
) -> axum::response::Response {
    let directory = shell.tenant.google_service_account.is_some();
    let page = ImportPage { t: shell.t, shell, tab: Tab::People, notice: None, problems, csv, directory, preview };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}

/// `POST /admin/people/import` (a form with a file): the uploaded file if one came, else the
/// pasted text, previewed.
async fn preview_post(State(state): State<AppState>, AdminUpload(shell, upload): AdminUpload) -> PageResult {
    let pasted = upload.text("csv");
    let text = match upload.bytes("file").filter(|b| !b.is_empty()) {
        Some(file) => people_csv::decode(file),
        None => Ok(pasted.clone()),
    };
    match text {
        Ok(text) => preview(&state, shell, text).await,
        Err(why) => Ok(unreadable(shell, pasted, why)),
    }
}

/// The preview page of `text`, or the form again saying why it could not be read.
pub(super) async fn preview(state: &AppState, shell: Shell, text: String) -> PageResult {
    let rows = match people_csv::read(&text, &shell.tenant.time_zone) {
        Ok(rows) => rows,
        Err(why) => return Ok(unreadable(shell, text, why)),
    };
    let planned = preview_import(state.store(), &shell.ctx(), rows).await;
    let planned = match planned {
        Err(AppError::Invalid(fields)) => {
            let problems = fields.iter().map(|f| message(shell.t, f)).collect();
            return Ok(page(shell, text, problems, None, StatusCode::UNPROCESSABLE_ENTITY));
        }
        other => other.or_page(shell.t)?,
    };
    let rows: Vec<RowView> = planned.into_iter().map(|p| RowView::of(shell.t, p)).collect();
    let writes = rows.iter().filter(|r| matches!(r.status, Status::New | Status::Changed)).count();
    let refused = rows.iter().filter(|r| r.status == Status::Refused).count();
    let preview = Preview { rows, csv: text, writes, refused };
    Ok(page(shell, String::new(), Vec::new(), Some(preview), StatusCode::OK))
}

/// The form again, with why the text could not be read (and where, when known).
fn unreadable(shell: Shell, text: String, why: Unreadable) -> axum::response::Response {
    let t = shell.t;
    let mut said = t.refusal(why.code).to_owned();
    if let Some(line) = why.line {
        said = format!("{} {line}: {said}", t.import_line);
    }
    // A text too large to read is not worth sending back to the browser either.
    let text = if why.code == sala_domain::ErrorCode::PayloadTooLarge { String::new() } else { text };
    page(shell, text, vec![said], None, StatusCode::UNPROCESSABLE_ENTITY)
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csv: String,
}

/// `POST /admin/people/import/confirm`: the previewed text, read and checked again, imported.
async fn confirm_post(State(state): State<AppState>, AdminForm(shell, form): AdminForm<ConfirmForm>) -> PageResult {
    let rows: Vec<ImportRow> = match people_csv::read(&form.csv, &shell.tenant.time_zone) {
        Ok(rows) => rows,
        Err(why) => return Ok(unreadable(shell, form.csv, why)),
    };
    let done = import_people(state.store(), &shell.ctx(), rows).await.map_err(|e| PageError::app(shell.t, e))?;
    let counts =
        [("added", done.added), ("updated", done.updated), ("unchanged", done.unchanged), ("refused", done.refused)];
    Ok(done_with("/admin/people", "imported", &counts))
}
