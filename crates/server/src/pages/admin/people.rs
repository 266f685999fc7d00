//! `/admin/people`: the organization's people (search by name or address), and each person's
//! role, phone for WhatsApp and whether they may still sign in.

use super::{Tab, done, problems};
use crate::i18n::Texts;
use crate::pages::shell::{AdminPage, Nav, Shell};
use crate::pages::{render, show_error};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use sala_app::users::{UserChanges, get_user, search_users, update_user};
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
    pub people: Vec<User>,
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

async fn list(State(state): State<AppState>, AdminPage(shell): AdminPage, Query(q): Query<PeopleQuery>) -> Response {
    let people = match search_users(state.store(), &shell.ctx(), q.q.trim(), 200).await {
        Ok(people) => people,
        Err(err) => return show_error(shell.t, &err),
    };
    let notice = q.done.map(|_| shell.t.saved_notice);
    let page = PeoplePage { t: shell.t, shell, tab: Tab::People, notice, problems: Vec::new(), q: q.q, people };
    let response = render(&page);
    page.shell.finish(response)
}

fn person_id(raw: &str) -> Option<UserId> {
    raw.parse::<UserId>().ok()
}

async fn edit(State(state): State<AppState>, AdminPage(shell): AdminPage, Path(id): Path<String>) -> Response {
    let person = match person_id(&id) {
        Some(id) => get_user(state.store(), &shell.ctx(), id).await,
        None => Err(sala_app::AppError::NotFound { what: "person" }),
    };
    match person {
        Ok(person) => {
            let form = PersonForm::of(&person);
            page(shell, person, Vec::new(), form, StatusCode::OK)
        }
        Err(err) => show_error(shell.t, &err),
    }
}

fn page(shell: Shell, person: User, problems: Vec<String>, form: PersonForm, status: StatusCode) -> Response {
    let page = PersonPage { t: shell.t, shell, tab: Tab::People, notice: None, problems, person, form };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}

async fn save(
    State(state): State<AppState>,
    AdminPage(shell): AdminPage,
    Path(id): Path<String>,
    Form(form): Form<PersonForm>,
) -> Response {
    if let Some(refused) = shell.refused(&form.csrf) {
        return refused;
    }
    let ctx = shell.ctx();
    let person = match person_id(&id) {
        Some(id) => get_user(state.store(), &ctx, id).await,
        None => Err(sala_app::AppError::NotFound { what: "person" }),
    };
    let person = match person {
        Ok(person) => person,
        Err(err) => return show_error(shell.t, &err),
    };
    let changes = UserChanges {
        role: Some(form.role.clone()),
        phone: Some(form.phone.clone()),
        whatsapp_opt_in: Some(PersonForm::on(&form.whatsapp)),
        active: Some(PersonForm::on(&form.active)),
        ..UserChanges::default()
    };
    match update_user(state.store(), &ctx, person.id, changes).await {
        Ok(_) => done("/admin/people", "saved"),
        Err(err) => match problems(shell.t, &err) {
            Some(problems) => page(shell, person, problems, form, StatusCode::UNPROCESSABLE_ENTITY),
            None => show_error(shell.t, &err),
        },
    }
}
