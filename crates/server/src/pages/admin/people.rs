//! `/admin/people`: the organization's people (search by name or address), and each person's
//! role, phone for WhatsApp and whether they may still sign in.

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
use sala_app::AppError;
use sala_app::users::{UserChanges, get_user, search_users, update_user};
use sala_domain::google::ConnectionStatus;
use sala_domain::{User, UserId};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/people", get(list)).route("/admin/people/{id}", get(edit).post(save))
}

#[derive(Template)]
#[template(path = "admin/people.html")]
pub struct PeoplePage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<&'static str>,
    pub problems: Vec<String>,
    pub q: String,
    pub people: Vec<Person>,
    /// Google sign-in is set up here, so people can connect their calendar.
    pub calendars: bool,
    /// The organization's service account writes the calendar of whoever has not connected.
    pub delegated: bool,
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
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PersonForm {
    pub csrf: String,
    pub role: String,
    pub phone: String,
    pub whatsapp: Option<String>,
    pub active: Option<String>,
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
}

async fn list(State(state): State<AppState>, AdminPage(shell): AdminPage, Query(q): Query<PeopleQuery>) -> PageResult {
    let ctx = shell.ctx();
    let found = search_users(state.store(), &ctx, q.q.trim(), 200).await.or_page(shell.t)?;
    let mut calendars = sala_app::google_connections::states(state.store(), &ctx).await.or_page(shell.t)?;
    let people =
        found.into_iter().map(|user| Person { calendar: calendars.remove(&user.id), user }).collect::<Vec<_>>();
    let delegated = state
        .store()
        .get_tenant(ctx.tenant_id())
        .await
        .map_err(AppError::from)
        .or_page(shell.t)?
        .is_some_and(|t| t.google_service_account.is_some());
    let notice = q.done.map(|_| shell.t.saved_notice);
    let page = PeoplePage {
        t: shell.t,
        shell,
        tab: Tab::People,
        notice,
        problems: Vec::new(),
        q: q.q,
        people,
        calendars: state.google.enabled(),
        delegated,
    };
    let response = render(&page);
    Ok(page.shell.finish(response))
}

async fn edit(State(state): State<AppState>, AdminPage(shell): AdminPage, Path(id): Path<String>) -> PageResult {
    let id: UserId = id_from(shell.t, &id, "person")?;
    let person = get_user(state.store(), &shell.ctx(), id).await.or_page(shell.t)?;
    let form = PersonForm::of(&person);
    Ok(page(shell, person, Vec::new(), form, StatusCode::OK))
}

fn page(shell: Shell, person: User, problems: Vec<String>, form: PersonForm, status: StatusCode) -> Response {
    let page = PersonPage { t: shell.t, shell, tab: Tab::People, notice: None, problems, person, form };
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
