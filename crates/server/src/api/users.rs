//! `/users`: search people of the tenant (for invitations); admins add and change people.

use crate::auth::Caller;
use crate::extract::{ApiJson, ApiQuery, PathId};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use crate::wire::time::Utc;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sala_app::users::{self, NewUser, UserChanges};
use sala_domain::notify::ReminderSettings;
use sala_domain::{Locale, Role, User, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search_users, create_user)).routes(routes!(get_user, update_user))
}

/// A person as the API shows them.
#[derive(Serialize, ToSchema)]
#[schema(example = user_example)]
pub struct UserView {
    #[schema(value_type = String, format = Uuid)]
    id: UserId,
    email: String,
    name: String,
    /// `admin` or `member`.
    role: String,
    /// E.164, e.g. `+34612345678`.
    phone: Option<String>,
    whatsapp_opt_in: bool,
    /// When the person's consent to WhatsApp messages was recorded: set when `whatsapp_opt_in`
    /// goes on (now, or the date an import gave), null while it is off (or, for a person who
    /// opted in before Sala kept it, unknown).
    #[schema(value_type = Option<String>, format = DateTime)]
    whatsapp_consent_at: Option<Utc>,
    /// `es` or `en`; absent: the organization's default.
    locale: Option<String>,
    time_zone: Option<String>,
    /// The person's own reminders (`minutes_before`, `whatsapp`, `email`); null: the
    /// organization's.
    #[schema(value_type = Option<Object>)]
    reminders: Option<ReminderSettings>,
    /// Admins: they get the weekly summary email of how the rooms were used (Mondays 08:00 in
    /// the organization's zone).
    weekly_report: bool,
    active: bool,
    /// The person has signed in with Google: that Google account is theirs until an admin unlinks it.
    google_linked: bool,
    #[schema(value_type = String, format = DateTime)]
    created_at: Utc,
}

/// The person the example of `CreateUserBody` adds.
fn user_example() -> serde_json::Value {
    serde_json::json!({
        "id": "0193a6f0-5c2e-7b1a-9d4e-1f2a3b4c5d6e",
        "email": "maria@acme.test",
        "name": "María López",
        "role": "member",
        "phone": "+34612345602",
        "whatsapp_opt_in": true,
        "whatsapp_consent_at": "2024-12-08T15:43:10.382Z",
        "locale": null,
        "time_zone": null,
        "reminders": null,
        "weekly_report": false,
        "active": true,
        "google_linked": false,
        "created_at": "2024-12-08T15:43:10.382Z"
    })
}

/// That person changed by the example of `UpdateUserBody`.
fn updated_user_example() -> serde_json::Value {
    let mut user = user_example();
    user["locale"] = "en".into();
    user["reminders"] = serde_json::json!({"minutes_before": [60, 10], "whatsapp": true, "email": true});
    user
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email.into(),
            name: u.name,
            role: u.role.as_str().to_owned(),
            phone: u.phone.map(String::from),
            whatsapp_opt_in: u.whatsapp_opt_in,
            whatsapp_consent_at: u.whatsapp_consent_at.map(Utc),
            locale: u.locale.map(|l| l.as_str().to_owned()),
            time_zone: u.time_zone.map(String::from),
            reminders: u.reminders,
            weekly_report: u.weekly_report,
            active: u.active,
            google_linked: u.google_subject.is_some(),
            created_at: Utc(u.created_at),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Part of a name or email; accents and case do not matter ("maria" finds "María").
    #[serde(default)]
    q: String,
    /// At most this many (1-100, default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// Search the people of your organization.
#[utoipa::path(get, path = "/users", tag = "users", params(SearchQuery),
    responses((status = 200, body = Vec<UserView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn search_users(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Vec<UserView>>> {
    let limit = crate::wire::cursor::limit(q.limit, 20, 100)?;
    let found = users::search_users(state.store(), &ctx, &q.q, limit).await?;
    Ok(Json(found.into_iter().map(UserView::from).collect()))
}

/// Get one person.
#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = UserView), (status = 404, body = Problem)))]
async fn get_user(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<UserId>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(users::get_user(state.store(), &ctx, id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "maria@acme.test", "name": "María López", "role": "member",
    "phone": "+34 612 345 602", "whatsapp_opt_in": true}))]
pub struct CreateUserBody {
    email: String,
    name: String,
    /// `member` (default) or `admin`.
    #[schema(schema_with = super::schemas::role_or_null)]
    role: Option<Role>,
    /// International format; stored as E.164.
    phone: Option<String>,
    #[serde(default)]
    whatsapp_opt_in: bool,
    #[schema(schema_with = super::schemas::locale_or_null)]
    locale: Option<Locale>,
    time_zone: Option<String>,
}

/// Add a person (admins).
#[utoipa::path(post, path = "/users", tag = "users", request_body = CreateUserBody,
    responses((status = 201, body = UserView), (status = 403, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
async fn create_user(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<CreateUserBody>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let input = NewUser {
        email: body.email,
        name: body.name,
        role: body.role,
        phone: body.phone,
        whatsapp_opt_in: body.whatsapp_opt_in,
        whatsapp_consent_at: None,
        locale: body.locale,
        time_zone: body.time_zone,
    };
    let user = users::create_user(state.store(), &ctx, input).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// Fields to change; absent fields stay, `null` clears an optional one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"locale": "en", "reminders": {"minutes_before": [60, 10], "whatsapp": true, "email": true}}))]
pub struct UpdateUserBody {
    name: Option<String>,
    /// Admins only.
    #[schema(schema_with = super::schemas::role_or_null)]
    role: Option<Role>,
    #[serde(default, deserialize_with = "super::double_option")]
    phone: Option<Option<String>>,
    whatsapp_opt_in: Option<bool>,
    /// `null` goes back to the organization's language.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(schema_with = super::schemas::locale_or_null)]
    locale: Option<Option<Locale>>,
    #[serde(default, deserialize_with = "super::double_option")]
    time_zone: Option<Option<String>>,
    /// Admins only.
    active: Option<bool>,
    /// Admins only: `true` forgets the Google account the person signs in with (they changed
    /// it); their next Google sign-in links the account it comes with.
    unlink_google: Option<bool>,
    /// Your own reminders, e.g. `{"minutes_before": [60, 10], "whatsapp": true, "email": true}`;
    /// `null` goes back to the organization's. They apply to meetings booked or moved afterwards.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<Object>)]
    reminders: Option<Option<ReminderSettings>>,
    /// Admins: `true` to get the weekly summary email of how the rooms were used, every Monday
    /// at 08:00 in the organization's zone, in their language. Anyone else's `true` is refused (403).
    weekly_report: Option<bool>,
}

/// Change a person: yourself, or anyone if you are an admin.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", params(("id" = String, Path, format = Uuid)),
    request_body = UpdateUserBody,
    responses((status = 200, body = UserView, example = json!(updated_user_example())), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_user(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<UserId>,
    ApiJson(body): ApiJson<UpdateUserBody>,
) -> ApiResult<Json<UserView>> {
    let changes = UserChanges {
        name: body.name,
        role: body.role,
        phone: body.phone.map(Option::unwrap_or_default),
        whatsapp_opt_in: body.whatsapp_opt_in,
        locale: body.locale,
        time_zone: body.time_zone.map(Option::unwrap_or_default),
        active: body.active,
        reminders: body.reminders,
        weekly_report: body.weekly_report,
        unlink_google: body.unlink_google.unwrap_or(false),
    };
    Ok(Json(users::update_user(state.store(), &ctx, id, changes).await?.into()))
}
