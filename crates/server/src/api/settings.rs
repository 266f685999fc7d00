//! `/settings`: the organization's name, time zone, language, booking rules and reminders, and its
//! Microsoft 365 tie (Entra tenant id, calendar service). Everyone reads them (the booking form
//! shows the rules); admins change them.

use crate::auth::Caller;
use crate::extract::ApiJson;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use sala_app::tenants::{self, TenantChanges, WhatsAppInput};
use sala_domain::notify::ReminderSettings;
use sala_domain::{BookingRules, Locale, Tenant};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, update_settings))
        .routes(routes!(set_whatsapp, remove_whatsapp))
        .routes(routes!(set_service_account, remove_service_account))
}

#[derive(Serialize, ToSchema)]
#[schema(example = settings_example)]
pub struct SettingsView {
    name: String,
    slug: String,
    email_domains: Vec<String>,
    time_zone: String,
    /// `es` or `en`: the language of people who have not chosen one, and of guests.
    locale: String,
    /// `min_duration_minutes`, `max_duration_minutes`, `min_notice_minutes`, `max_days_ahead`,
    /// `max_active_per_person` (null: no limit), `no_show_release_minutes` (1-240: release a
    /// booking nobody checked in to by then; null, the default: never). Rooms may override any.
    #[schema(value_type = Object)]
    booking_rules: BookingRules,
    /// `minutes_before` (e.g. `[15]`, at most four, 1 minute to a week), `whatsapp`, `email`:
    /// when and how people are reminded of their meetings.
    #[schema(value_type = Object)]
    reminders: ReminderSettings,
    /// The organization's own WhatsApp Business number (`PUT /settings/whatsapp`); null: the
    /// installation's. The token is never shown.
    whatsapp: Option<WhatsAppView>,
    /// The Google service account Sala writes calendars with (`PUT
    /// /settings/google-service-account`): its address only; null: people connect their own.
    google_service_account: Option<String>,
    /// Only Google Workspace accounts of the organization's domains sign in (a consumer Google
    /// account made with a work address is refused with `workspace_account_required`).
    workspace_only: bool,
    /// Reports may show figures per person (the top organizers); false (for a works council):
    /// only aggregates, and `/reports/organizers` answers 409 `per_person_reports_off`.
    report_per_person: bool,
    /// The organization's Microsoft Entra tenant (directory) id, a lowercase GUID: its work
    /// accounts sign in with Microsoft. Null: not tied to Microsoft 365.
    #[schema(format = Uuid)]
    entra_tenant_id: Option<String>,
    /// Where organizers' events are written and rooms' availability read: `google` (Google
    /// Calendar, Meet) or `microsoft` (Microsoft 365, Teams; needs `entra_tenant_id`).
    #[schema(schema_with = super::schemas::calendar_service)]
    calendar_service: String,
}

/// `google` or `microsoft`.

#[derive(Serialize, ToSchema)]
pub struct WhatsAppView {
    phone_number_id: String,
    /// Always true: a token is kept, sealed; it is never shown again.
    token_set: bool,
}

/// The settings of the examples: those the example of `UpdateSettingsBody` leaves, with the
/// installation's WhatsApp number and no service account.
fn settings_example() -> serde_json::Value {
    serde_json::json!({
        "name": "Acme",
        "slug": "acme",
        "email_domains": ["acme.test"],
        "time_zone": "Europe/Madrid",
        "locale": "es",
        "booking_rules": {"min_duration_minutes": 5, "max_duration_minutes": 240, "min_notice_minutes": 0,
            "max_days_ahead": 90, "max_active_per_person": 10, "no_show_release_minutes": 10},
        "reminders": {"minutes_before": [60, 10], "whatsapp": true, "email": true},
        "whatsapp": null,
        "google_service_account": null,
        "workspace_only": false,
        "report_per_person": true,
        "entra_tenant_id": null,
        "calendar_service": "google"
    })
}

/// Those settings with the organization's own WhatsApp number (the example of `WhatsAppBody`).
fn settings_with_whatsapp_example() -> serde_json::Value {
    let mut settings = settings_example();
    settings["whatsapp"] = serde_json::json!({"phone_number_id": "106540352242922", "token_set": true});
    settings
}

/// Those settings with the service account of the example key file.
fn settings_with_service_account_example() -> serde_json::Value {
    let mut settings = settings_example();
    settings["google_service_account"] = SERVICE_ACCOUNT_EMAIL.into();
    settings
}

const SERVICE_ACCOUNT_EMAIL: &str = "sala-calendar@acme-sala.iam.gserviceaccount.com";

impl From<Tenant> for SettingsView {
    fn from(t: Tenant) -> Self {
        Self {
            name: t.name,
            slug: t.slug.to_string(),
            email_domains: t.email_domains.into_iter().map(String::from).collect(),
            time_zone: t.time_zone.to_string(),
            locale: t.locale.to_string(),
            booking_rules: t.booking_rules,
            reminders: t.reminders,
            whatsapp: t.whatsapp.map(|w| WhatsAppView { phone_number_id: w.phone_number_id, token_set: true }),
            google_service_account: t.google_service_account.map(|a| a.client_email),
            workspace_only: t.workspace_only,
            report_per_person: t.report_per_person,
            entra_tenant_id: t.entra_tenant_id,
            calendar_service: t.calendar_service.as_str().to_owned(),
        }
    }
}

/// Your organization's settings.
#[utoipa::path(get, path = "/settings", tag = "settings", responses((status = 200, body = SettingsView)))]
async fn get_settings(State(state): State<AppState>, Caller(ctx): Caller) -> ApiResult<Json<SettingsView>> {
    Ok(Json(tenants::current_tenant(state.store(), &ctx).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"booking_rules": {"max_duration_minutes": 240, "max_days_ahead": 90, "max_active_per_person": 10, "no_show_release_minutes": 10}, "reminders": {"minutes_before": [60, 10], "whatsapp": true, "email": true}}))]
pub struct UpdateSettingsBody {
    name: Option<String>,
    time_zone: Option<String>,
    #[schema(schema_with = super::schemas::locale_or_null)]
    locale: Option<Locale>,
    /// Replaces the rules; omitted fields take their defaults.
    #[schema(value_type = Option<Object>)]
    booking_rules: Option<BookingRules>,
    /// Replaces the reminder settings; omitted fields take their defaults (15 minutes, WhatsApp).
    #[schema(value_type = Option<Object>)]
    reminders: Option<ReminderSettings>,
    /// Let in only Google Workspace accounts of the organization's domains.
    workspace_only: Option<bool>,
    /// Let reports show per-person figures (the top organizers); false: only aggregates.
    report_per_person: Option<bool>,
    /// The Microsoft Entra tenant id (a GUID; `invalid_entra_tenant` otherwise, 409
    /// `tenant_entra_taken` when another organization has it); `null` unties the organization.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    entra_tenant_id: Option<Option<String>>,
    /// `google` or `microsoft` (`invalid_calendar_service` otherwise, and for `microsoft`
    /// without an Entra tenant id, stored or in the same request).
    #[schema(schema_with = super::schemas::calendar_service_or_null)]
    calendar_service: Option<String>,
}

/// Change your organization's settings (admins).
#[utoipa::path(patch, path = "/settings", tag = "settings", request_body = UpdateSettingsBody,
    responses((status = 200, body = SettingsView), (status = 403, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
async fn update_settings(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<UpdateSettingsBody>,
) -> ApiResult<Json<SettingsView>> {
    let changes = TenantChanges {
        name: body.name,
        time_zone: body.time_zone,
        locale: body.locale,
        booking_rules: body.booking_rules,
        reminders: body.reminders,
        workspace_only: body.workspace_only,
        report_per_person: body.report_per_person,
        // `null` unties; any string, even an empty one, must be a GUID.
        entra_tenant_id: body.entra_tenant_id,
        calendar_service: body.calendar_service,
    };
    Ok(Json(tenants::update_tenant(state.store(), &ctx, changes).await?.into()))
}

/// The organization's own WhatsApp Business number: its id in Meta's WhatsApp Manager and a
/// system-user access token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone_number_id": "106540352242922", "token": "EAAG..."}))]
pub struct WhatsAppBody {
    phone_number_id: String,
    token: String,
}

/// Send WhatsApp messages from your organization's own number (admins). The token is stored
/// encrypted and never shown again; send it anew to rotate it.
#[utoipa::path(put, path = "/settings/whatsapp", tag = "settings", request_body = WhatsAppBody,
    responses((status = 200, body = SettingsView, example = json!(settings_with_whatsapp_example())),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn set_whatsapp(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<WhatsAppBody>,
) -> ApiResult<Json<SettingsView>> {
    let input = WhatsAppInput { phone_number_id: body.phone_number_id, token: body.token };
    Ok(Json(tenants::set_whatsapp(state.store(), &ctx, &state.secrets(), Some(input)).await?.into()))
}

/// Go back to the installation's WhatsApp number (admins).
#[utoipa::path(delete, path = "/settings/whatsapp", tag = "settings",
    responses((status = 200, body = SettingsView), (status = 403, body = Problem)))]
async fn remove_whatsapp(State(state): State<AppState>, Caller(ctx): Caller) -> ApiResult<Json<SettingsView>> {
    Ok(Json(tenants::set_whatsapp(state.store(), &ctx, &state.secrets(), None).await?.into()))
}

/// Write people's Google Calendars with a Workspace service account (admins): the JSON key file
/// from Google Cloud, with domain-wide delegation for the calendar scope granted in the
/// Workspace admin console. The key is stored encrypted and never shown again.
#[utoipa::path(put, path = "/settings/google-service-account", tag = "settings",
    request_body(content = Object, description = "The service account's JSON key file, as Google gives it",
        example = json!({"type": "service_account", "project_id": "acme-sala",
            "private_key_id": "3f1c0a9e8b7d6c5e4f3a2b1c0d9e8f7a6b5c4d3e",
            "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQ...\n-----END PRIVATE KEY-----\n",
            "client_email": SERVICE_ACCOUNT_EMAIL, "client_id": "104729384756102938475",
            "token_uri": "https://oauth2.googleapis.com/token"})),
    responses((status = 200, body = SettingsView, example = json!(settings_with_service_account_example())),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn set_service_account(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(key): ApiJson<serde_json::Value>,
) -> ApiResult<Json<SettingsView>> {
    let json = key.to_string();
    Ok(Json(tenants::set_google_service_account(state.store(), &ctx, &state.secrets(), Some(&json)).await?.into()))
}

/// Stop using a service account (admins): people's own connections remain.
#[utoipa::path(delete, path = "/settings/google-service-account", tag = "settings",
    responses((status = 200, body = SettingsView), (status = 403, body = Problem)))]
async fn remove_service_account(State(state): State<AppState>, Caller(ctx): Caller) -> ApiResult<Json<SettingsView>> {
    Ok(Json(tenants::set_google_service_account(state.store(), &ctx, &state.secrets(), None).await?.into()))
}
