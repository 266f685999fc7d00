//! `/admin/settings`: the organization's name, time zone and language, its reminder defaults
//! (when, by WhatsApp and/or email), the no-show release, whether reports show per-person
//! figures, and Microsoft 365 (the Entra tenant id,
//! the calendar service, and the link to Microsoft's admin consent once both sides are set).

use super::{Tab, done, problems};
use crate::i18n::Texts;
use crate::pages::form::{AdminForm, Fields};
use crate::pages::shell::{AdminPage, Nav, Shell};
use crate::pages::{render, show_error};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sala_app::tenants::{TenantChanges, current_tenant, update_tenant};
use sala_domain::notify::ReminderSettings;
use sala_domain::tenant::CalendarService;
use sala_domain::{BookingRules, Locale, Tenant, TimeZoneName};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/settings", get(show).post(save))
}

/// The reminder times offered, in minutes before the meeting.
const REMINDER_CHOICES: [u32; 7] = [5, 10, 15, 30, 60, 120, 1440];

#[derive(Clone, Debug, Default)]
pub struct SettingsForm {
    pub name: String,
    pub time_zone: String,
    pub locale: String,
    /// The reminder times ticked, minutes before.
    pub reminders: Vec<String>,
    pub remind_whatsapp: Option<String>,
    pub remind_email: Option<String>,
    pub remind_guests: Option<String>,
    /// Empty: never release.
    pub no_show: String,
    /// Only Google Workspace accounts sign in.
    pub workspace_only: Option<String>,
    /// Reports may show per-person figures.
    pub report_per_person: Option<String>,
    /// Empty: not tied to a Microsoft Entra tenant. `None`: not posted (left as it is).
    pub entra_tenant_id: Option<String>,
    /// `google` or `microsoft`. `None`: not posted (left as it is).
    pub calendar_service: Option<String>,
}

impl SettingsForm {
    fn of(tenant: &Tenant) -> Self {
        let minutes: Vec<String> = tenant.reminders.minutes_before.iter().map(u32::to_string).collect();
        Self {
            name: tenant.name.clone(),
            time_zone: tenant.time_zone.as_str().to_owned(),
            locale: tenant.locale.as_str().to_owned(),
            reminders: minutes,
            remind_whatsapp: tenant.reminders.whatsapp.then(|| "on".to_owned()),
            remind_email: tenant.reminders.email.then(|| "on".to_owned()),
            remind_guests: tenant.reminders.guest_email.then(|| "on".to_owned()),
            no_show: tenant.booking_rules.no_show_release_minutes.map(|m| m.to_string()).unwrap_or_default(),
            workspace_only: tenant.workspace_only.then(|| "on".to_owned()),
            report_per_person: tenant.report_per_person.then(|| "on".to_owned()),
            entra_tenant_id: Some(tenant.entra_tenant_id.clone().unwrap_or_default()),
            calendar_service: Some(tenant.calendar_service.as_str().to_owned()),
        }
    }

    /// The form as posted (ticked reminder times share a name).
    fn read(fields: &Fields) -> Self {
        let ticked = |name: &str| Some(fields.one(name)).filter(|v| !v.is_empty());
        Self {
            name: fields.one("name"),
            time_zone: fields.one("time_zone"),
            locale: fields.one("locale"),
            reminders: fields.all("reminder"),
            remind_whatsapp: ticked("remind_whatsapp"),
            remind_email: ticked("remind_email"),
            remind_guests: ticked("remind_guests"),
            no_show: fields.one("no_show"),
            workspace_only: ticked("workspace_only"),
            report_per_person: ticked("report_per_person"),
            entra_tenant_id: fields.all("entra_tenant_id").into_iter().next(),
            calendar_service: fields.all("calendar_service").into_iter().next(),
        }
    }

    /// The reminder times to tick from: `(minutes, words, ticked)`, any the organization has
    /// that the list lacks included.
    pub fn reminder_choices(&self, t: &Texts) -> Vec<(String, String, bool)> {
        let mut minutes: Vec<u32> = REMINDER_CHOICES.to_vec();
        minutes.extend(self.reminders.iter().filter_map(|m| m.trim().parse::<u32>().ok()));
        minutes.sort_unstable();
        minutes.dedup();
        minutes
            .into_iter()
            .map(|m| {
                let value = m.to_string();
                let ticked = self.reminders.iter().any(|r| r.trim() == value);
                let words = crate::pages::booking_form::reminder_label(t, &value);
                (value, words, ticked)
            })
            .collect()
    }

    /// The zones to pick from, the current one included even if the list lacks it.
    pub fn zones(&self) -> Vec<&str> {
        let mut zones: Vec<&str> = TimeZoneName::choices().iter().map(String::as_str).collect();
        if !zones.contains(&self.time_zone.as_str()) {
            zones.insert(0, &self.time_zone);
        }
        zones
    }

    pub fn is_es(&self) -> bool {
        self.locale != Locale::En.as_str()
    }

    pub fn is_microsoft(&self) -> bool {
        self.calendar_service.as_deref() == Some(CalendarService::Microsoft.as_str())
    }

    /// The Entra tenant id as typed.
    pub fn entra(&self) -> &str {
        self.entra_tenant_id.as_deref().unwrap_or_default()
    }

    pub fn on(value: &Option<String>) -> bool {
        value.is_some()
    }
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
pub struct SettingsPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<&'static str>,
    pub problems: Vec<String>,
    pub form: SettingsForm,
    /// Microsoft's admin consent for the organization's Entra tenant, when Microsoft is configured
    /// and the tenant id saved.
    pub consent_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: Option<String>,
}

async fn show(State(state): State<AppState>, AdminPage(shell): AdminPage, Query(q): Query<Done>) -> Response {
    match current_tenant(state.store(), &shell.ctx()).await {
        Ok(tenant) => {
            let notice = q.done.map(|_| shell.t.saved_notice);
            let consent = consent_url(&state, &tenant);
            page(shell, notice, Vec::new(), SettingsForm::of(&tenant), consent, StatusCode::OK)
        }
        Err(err) => show_error(shell.t, &err),
    }
}

/// Where an administrator grants Sala its Microsoft Graph permissions in the organization's tenant.
fn consent_url(state: &AppState, tenant: &Tenant) -> Option<String> {
    tenant.entra_tenant_id.as_deref().and_then(|tid| state.settings.microsoft_admin_consent_url(tid))
}

fn page(
    shell: Shell,
    notice: Option<&'static str>,
    problems: Vec<String>,
    form: SettingsForm,
    consent_url: Option<String>,
    status: StatusCode,
) -> Response {
    let page = SettingsPage { t: shell.t, shell, tab: Tab::Settings, notice, problems, form, consent_url };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}

async fn save(State(state): State<AppState>, AdminForm(shell, fields): AdminForm<Vec<(String, String)>>) -> Response {
    let form = SettingsForm::read(&Fields(fields));
    let t = shell.t;
    let ctx = shell.ctx();
    let tenant = match current_tenant(state.store(), &ctx).await {
        Ok(tenant) => tenant,
        Err(err) => return show_error(t, &err),
    };
    let minutes: Result<Vec<u32>, _> = form.reminders.iter().map(|m| m.trim().parse::<u32>()).collect();
    let no_show = match form.no_show.trim() {
        "" => Ok(None),
        text => text.parse::<u32>().map(Some),
    };
    let (Ok(minutes), Ok(no_show)) = (minutes, no_show) else {
        let consent = consent_url(&state, &tenant);
        return page(shell, None, vec![t.err_numbers.to_owned()], form, consent, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let reminders = ReminderSettings {
        minutes_before: minutes,
        whatsapp: SettingsForm::on(&form.remind_whatsapp),
        email: SettingsForm::on(&form.remind_email),
        guest_email: SettingsForm::on(&form.remind_guests),
    };
    let booking_rules = BookingRules { no_show_release_minutes: no_show, ..tenant.booking_rules.clone() };
    let locale = match super::super::error::choice(t, &form.locale, Locale::parse) {
        Ok(locale) => locale,
        Err(problem) => {
            let consent = consent_url(&state, &tenant);
            return page(shell, None, vec![problem], form, consent, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let changes = TenantChanges {
        name: Some(form.name.clone()),
        time_zone: Some(form.time_zone.clone()),
        locale,
        booking_rules: Some(booking_rules),
        reminders: Some(reminders),
        workspace_only: Some(SettingsForm::on(&form.workspace_only)),
        report_per_person: Some(SettingsForm::on(&form.report_per_person)),
        // An emptied field unties the organization; a field not posted leaves it as it was.
        entra_tenant_id: form.entra_tenant_id.clone().map(|raw| Some(raw).filter(|r| !r.trim().is_empty())),
        calendar_service: form.calendar_service.clone(),
    };
    match update_tenant(state.store(), &ctx, changes).await {
        Ok(_) => done("/admin/settings", "saved"),
        Err(err) => match problems(t, &err) {
            Some(problems) => {
                let consent = consent_url(&state, &tenant);
                page(shell, None, problems, form, consent, StatusCode::UNPROCESSABLE_ENTITY)
            }
            None => show_error(t, &err),
        },
    }
}
