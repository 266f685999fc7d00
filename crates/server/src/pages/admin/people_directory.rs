//! `POST /admin/people/import/google`: the organization's Google Workspace directory, read with
//! its service account acting as the admin who clicked, shown in the import's preview. The
//! people travel to the confirm step as CSV like a pasted file, so both imports end in the same
//! confirm form, checked again there; a refusal from Google (a scope not delegated, an importer
//! who is not a Workspace admin) comes back on the import page in the reader's words.

use super::people_csv;
use super::people_import::{page, preview};
use crate::pages::error::{PageError, PageResult};
use crate::pages::form::{AdminForm, Button};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use sala_app::AppError;
use sala_app::directory::read_directory;
use sala_app::secrets::SecretBox;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/people/import/google", post(google_post))
}

async fn google_post(State(state): State<AppState>, AdminForm(shell, _): AdminForm<Button>) -> PageResult {
    let t = shell.t;
    let secrets = SecretBox::new(&state.secret_key);
    let rows = match read_directory(state.store(), &shell.ctx(), state.directory.as_ref(), &secrets).await {
        Ok(rows) => rows,
        Err(AppError::Conflict { code, message }) => {
            tracing::warn!(%message, "the directory could not be read");
            return Ok(page(shell, String::new(), vec![t.refusal(code).to_owned()], None, StatusCode::BAD_GATEWAY));
        }
        Err(other) => return Err(PageError::app(t, other)),
    };
    let people: Vec<_> = rows.into_iter().map(|r| (r.name, r.email, r.phone)).collect();
    let text = people_csv::write(&people).map_err(|e| {
        tracing::error!(%e, "the directory could not be written as CSV");
        PageError::app(t, AppError::Conflict { code: sala_domain::ErrorCode::InternalError, message: e.to_string() })
    })?;
    preview(&state, shell, text).await
}
