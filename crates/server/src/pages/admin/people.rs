//! `/admin/people`: the organization's people (search by name or address), the form that adds one
//! (its fields in `people_new`; a refusal comes back on it, each problem beside its field, a taken
//! address at the email), and each person's role, phone for WhatsApp (with when they consented)
//! and whether they may still sign in.

use super::people_new::{FieldProblems, NewPersonForm};
use super::{Tab, done, problems};
use crate::i18n::Texts;
use crate::pages::error::{OrPage, PageError, PageResult, id_from};
use crate::pages::form::AdminForm;
use crate::pages::render;
use crate::pages::shell::{AdminPage, Nav, Shell};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sala_app::users::{UserChanges, create_user, get_user, search_users, update_user};
use sala_app::{AppError, FieldError};
use sala_domain::dates::{day, zoned};
use sala_domain::google::ConnectionStatus;
use sala_domain::{ErrorCode, User, UserId};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/people", get(list).post(create)).route("/admin/people/{id}", get(edit).post(save))
}

#[derive(Template)]
#[template(path = "admin/people.html")]
pub struct PeoplePage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<String>,
    pub problems: Vec<String>,
    pub q: String,
    pub people: Vec<Person>,
    /// Google sign-in is set up here, so people can connect their calendar.
    pub calendars: bool,
    /// The organization's service account writes the calendar of whoever has not connected (and
    /// can read the Workspace directory).
    pub delegated: bool,
    /// The add form, as typed after a refusal, and its problems by field.
    pub form: NewPersonForm,
    pub errors: FieldProblems,
}

/// One row of the list: the person and whether Sala keeps their Google Calendar.
pub struct Person {
    pub user: User,
    pub calendar: Option<ConnectionStatus>,
}

#[derive(Template)]
#[template(path = "admin/person.html")]
pub struct PersonPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<&'static str>,
    pub problems: Vec<String>,
    pub person: User,
    pub form: PersonForm,
    /// The day the person's WhatsApp consent was recorded, in the reader's words.
    pub consent: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PersonForm {
    pub csrf: String,
    pub role: String,
    pub phone: String,
    pub whatsapp: Option<String>,
    pub active: Option<String>,
    /// Forget the Google account the person signs in with.
    pub unlink_google: Option<String>,
}

impl PersonForm {
    fn of(user: &User) -> Self {
        Self {
            role: user.role.as_str().to_owned(),
            phone: user.phone.as_ref().map(ToString::to_string).unwrap_or_default(),
            whatsapp: user.whatsapp_opt_in.then(|| "on".to_owned()),
            active: user.active.then(|| "on".to_owned()),
            ..Self::default()
        }
    }

    pub fn on(value: &Option<String>) -> bool {
        value.is_some()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PeopleQuery {
    q: String,
    done: Option<String>,
    added: usize,
    updated: usize,
    unchanged: usize,
    refused: usize,
}

impl PeopleQuery {
    /// What the page says about the change it comes back from.
    fn notice(&self, t: &Texts) -> Option<String> {
        match self.done.as_deref()? {
            "added" => Some(t.person_added.to_owned()),
            "imported" => Some(format!(
                "{} {} {}, {} {}, {} {}, {} {}.",
                t.import_done,
                self.added,
                t.import_added,
                self.updated,
                t.import_updated,
                self.unchanged,
                t.import_kept,
                self.refused,
                t.import_refused
            )),
            _ => Some(t.saved_notice.to_owned()),
        }
    }
}

async fn list(State(state): State<AppState>, AdminPage(shell): AdminPage, Query(q): Query<PeopleQuery>) -> PageResult {
    let notice = q.notice(shell.t);
    let form = NewPersonForm::default();
    people_page(&state, shell, PeopleView { notice, q: q.q, form, errors: FieldProblems::default() }, StatusCode::OK)
        .await
}

/// What the list page shows besides the people.
struct PeopleView {
    pub notice: Option<String>,
    pub q: String,
    pub form: NewPersonForm,
    pub errors: FieldProblems,
}

/// The list page with `view` on it.
async fn people_page(state: &AppState, shell: Shell, view: PeopleView, status: StatusCode) -> PageResult {
    let ctx = shell.ctx();
    let found = search_users(state.store(), &ctx, view.q.trim(), 200).await.or_page(shell.t)?;
    let mut calendars = sala_app::google_connections::states(state.store(), &ctx).await.or_page(shell.t)?;
    let people =
        found.into_iter().map(|user| Person { calendar: calendars.remove(&user.id), user }).collect::<Vec<_>>();
    let delegated = shell.tenant.google_service_account.is_some();
    let page = PeoplePage {
        t: shell.t,
        shell,
        tab: Tab::People,
        notice: view.notice,
        problems: view.errors.unplaced(),
        q: view.q,
        people,
        calendars: state.google.enabled(),
        delegated,
        form: view.form,
        errors: view.errors,
    };
    let response = (status, render(&page)).into_response();
    Ok(page.shell.finish(response))
}

async fn edit(State(state): State<AppState>, AdminPage(shell): AdminPage, Path(id): Path<String>) -> PageResult {
    let id: UserId = id_from(shell.t, &id, "person")?;
    let person = get_user(state.store(), &shell.ctx(), id).await.or_page(shell.t)?;
    let form = PersonForm::of(&person);
    Ok(page(shell, person, Vec::new(), form, StatusCode::OK))
}

fn page(shell: Shell, person: User, problems: Vec<String>, form: PersonForm, status: StatusCode) -> Response {
    let consent = person.whatsapp_consent_at.and_then(|at| {
        let zone = shell.user.time_zone.as_ref().unwrap_or(&shell.tenant.time_zone);
        zoned(at, zone).map(|z| day(shell.locale, &z))
    });
    let page = PersonPage { t: shell.t, shell, tab: Tab::People, notice: None, problems, person, form, consent };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}

async fn save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(shell, form): AdminForm<PersonForm>,
) -> PageResult {
    let ctx = shell.ctx();
    let id: UserId = id_from(shell.t, &id, "person")?;
    let person = get_user(state.store(), &ctx, id).await.or_page(shell.t)?;
    let role = match super::super::error::choice(shell.t, &form.role, sala_domain::Role::parse) {
        Ok(role) => role,
        Err(problem) => return Ok(page(shell, person, vec![problem], form, StatusCode::UNPROCESSABLE_ENTITY)),
    };
    let changes = UserChanges {
        role,
        phone: Some(form.phone.clone()),
        whatsapp_opt_in: Some(PersonForm::on(&form.whatsapp)),
        active: Some(PersonForm::on(&form.active)),
        unlink_google: PersonForm::on(&form.unlink_google),
        ..UserChanges::default()
    };
    match update_user(state.store(), &ctx, person.id, changes).await {
        Ok(_) => Ok(done("/admin/people", "saved")),
        Err(err) => match problems(shell.t, &err) {
            Some(problems) => Ok(page(shell, person, problems, form, StatusCode::UNPROCESSABLE_ENTITY)),
            None => Err(PageError::app(shell.t, err)),
        },
    }
}

/// `POST /admin/people`: adds the person, or shows the form again with its problems.
async fn create(State(state): State<AppState>, AdminForm(shell, form): AdminForm<NewPersonForm>) -> PageResult {
    let t = shell.t;
    let fields = match form.input(&shell.tenant.time_zone) {
        Ok(input) => match create_user(state.store(), &shell.ctx(), input).await {
            Ok(_) => return Ok(done("/admin/people", "added")),
            Err(err) => refused_fields(err).map_err(|err| PageError::app(t, err))?,
        },
        Err(fields) => fields,
    };
    let view = PeopleView { notice: None, q: String::new(), form, errors: FieldProblems::of(t, &fields) };
    people_page(&state, shell, view, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The fields a refusal is about: a taken address is the email's problem; a refusal of
/// anything but what was typed is the error page's.
fn refused_fields(err: AppError) -> Result<Vec<FieldError>, AppError> {
    match err {
        AppError::Invalid(fields) => Ok(fields),
        AppError::Conflict { code: ErrorCode::UserEmailTaken, message } => {
            Ok(vec![FieldError { field: "email".into(), code: ErrorCode::UserEmailTaken, message }])
        }
        other => Err(other),
    }
}
