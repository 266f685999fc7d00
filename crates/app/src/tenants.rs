//! Creating tenants: an operator's task (CLI), never an API call.

use crate::context::snapshot;
use crate::secrets::SecretBox;
use crate::validate::Validator;
use crate::{AppError, AppResult, Context, Store};
use sala_domain::ErrorCode;
use sala_domain::tenant::{CalendarService, ServiceAccount, WhatsAppAccount};
use sala_domain::values::clean_name;
use sala_domain::{EmailDomain, Locale, Slug, Tenant, TenantId, TimeZoneName, ValueError, now_millis};

/// What an operator gives to create a tenant.
#[derive(Clone, Debug, Default)]
pub struct NewTenant {
    pub name: String,
    /// Derived from the name when absent.
    pub slug: Option<String>,
    pub domains: Vec<String>,
    /// Defaults to Europe/Madrid, the first market's zone.
    pub time_zone: Option<String>,
    /// Defaults to Spanish.
    pub locale: Option<Locale>,
}

pub async fn create_tenant(store: &dyn Store, input: NewTenant) -> AppResult<Tenant> {
    let mut v = Validator::default();
    let name = v.check("name", clean_name("name", &input.name, 120));
    let slug = v.check(
        "slug",
        match &input.slug {
            Some(slug) => Slug::parse(slug),
            None => Slug::from_name(&input.name),
        },
    );
    let domains: Vec<EmailDomain> =
        input.domains.iter().filter_map(|d| v.check("domains", EmailDomain::parse(d))).collect();
    if input.domains.is_empty() {
        v.check::<()>(
            "domains",
            Err(sala_domain::ValueError::new(ErrorCode::Required, "a tenant needs at least one email domain")),
        );
    }
    let time_zone = v.check("time_zone", TimeZoneName::parse(input.time_zone.as_deref().unwrap_or("Europe/Madrid")));
    let locale = Some(input.locale.unwrap_or(Locale::Es));
    v.finish()?;
    let (Some(name), Some(slug), Some(time_zone), Some(locale)) = (name, slug, time_zone, locale) else {
        return Err(AppError::invalid("tenant", ErrorCode::ValidationFailed, "invalid tenant"));
    };
    let now = now_millis();
    let tenant = Tenant {
        id: TenantId::new(),
        name,
        slug,
        email_domains: domains,
        time_zone,
        locale,
        booking_rules: Default::default(),
        reminders: Default::default(),
        whatsapp: None,
        google_service_account: None,
        workspace_only: false,
        report_per_person: true,
        entra_tenant_id: None,
        calendar_service: Default::default(),
        created_at: now,
        updated_at: now,
    };
    let ctx = Context::system(tenant.id);
    let audit = ctx.audit("tenant.created", "tenant", Some(tenant.id.0), None, snapshot(&tenant));
    store.insert_tenant(&tenant, &audit).await?;
    tracing::info!(tenant = %tenant.slug, "tenant created");
    Ok(tenant)
}

/// Finds a tenant by slug or id, as operators type it on the command line.
pub async fn find_tenant(store: &dyn Store, slug_or_id: &str) -> AppResult<Tenant> {
    let found = match slug_or_id.parse::<TenantId>() {
        Ok(id) => store.get_tenant(id).await?,
        Err(_) => store.tenant_by_slug(slug_or_id).await?,
    };
    found.ok_or(AppError::NotFound { what: "tenant" })
}

/// A change to the tenant's settings (admins). `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct TenantChanges {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub locale: Option<Locale>,
    pub booking_rules: Option<sala_domain::BookingRules>,
    pub reminders: Option<sala_domain::notify::ReminderSettings>,
    /// Only Google Workspace accounts of the organization's domains may sign in.
    pub workspace_only: Option<bool>,
    /// Reports may show per-person figures (the top organizers); off: only aggregates.
    pub report_per_person: Option<bool>,
    /// The organization's Microsoft Entra tenant id (a GUID); `Some(None)` unties it.
    pub entra_tenant_id: Option<Option<String>>,
    /// `google` or `microsoft` (which needs an Entra tenant id, set before or in the same change).
    pub calendar_service: Option<String>,
}

/// The Microsoft 365 part of a change: the Entra tenant id and the calendar service, which may
/// be Microsoft only for an organization tied to its Entra tenant.
fn microsoft_365(v: &mut Validator, after: &mut Tenant, changes: &TenantChanges) {
    if let Some(change) = &changes.entra_tenant_id {
        after.entra_tenant_id = match change {
            None => None,
            Some(raw) => {
                v.check("entra_tenant_id", sala_domain::tenant::entra_tenant_id(raw)).or(after.entra_tenant_id.clone())
            }
        };
    }
    if let Some(raw) = &changes.calendar_service {
        after.calendar_service =
            v.check("calendar_service", CalendarService::parse(raw)).unwrap_or(after.calendar_service);
    }
    if after.calendar_service == CalendarService::Microsoft && after.entra_tenant_id.is_none() {
        v.check::<()>(
            "calendar_service",
            Err(ValueError::new(
                ErrorCode::InvalidCalendarService,
                "Microsoft 365 as the calendar service needs the organization's Microsoft Entra tenant id: set entra_tenant_id first",
            )),
        );
    }
}

/// The caller's tenant.
pub async fn current_tenant(store: &dyn Store, ctx: &Context) -> AppResult<Tenant> {
    store.get_tenant(ctx.tenant_id()).await?.ok_or(AppError::NotFound { what: "tenant" })
}

pub async fn update_tenant(store: &dyn Store, ctx: &Context, changes: TenantChanges) -> AppResult<Tenant> {
    ctx.require_admin()?;
    let before = current_tenant(store, ctx).await?;
    let mut after = before.clone();
    let mut v = Validator::default();
    microsoft_365(&mut v, &mut after, &changes);
    if let Some(name) = &changes.name {
        after.name = v.check("name", clean_name("name", name, 120)).unwrap_or_default();
    }
    if let Some(zone) = &changes.time_zone {
        after.time_zone = v.check("time_zone", TimeZoneName::parse(zone)).unwrap_or(before.time_zone.clone());
    }
    if let Some(locale) = changes.locale {
        after.locale = locale;
    }
    if let Some(rules) = changes.booking_rules {
        after.booking_rules = v.check("booking_rules", rules.validate().map(|()| rules.clone())).unwrap_or_default();
    }
    if let Some(reminders) = changes.reminders {
        after.reminders = v.check("reminders", reminders.validate().map(|()| reminders.clone())).unwrap_or_default();
    }
    after.workspace_only = changes.workspace_only.unwrap_or(before.workspace_only);
    after.report_per_person = changes.report_per_person.unwrap_or(before.report_per_person);
    v.finish()?;
    if after == before {
        return Ok(before);
    }
    after.updated_at = now_millis();
    let audit = ctx.audit("tenant.updated", "tenant", Some(after.id.0), snapshot(&before), snapshot(&after));
    store.update_tenant(&after, &audit).await?;
    Ok(after)
}

/// A tenant's own WhatsApp Business number, as an admin enters it.
#[derive(Clone, Default)]
pub struct WhatsAppInput {
    pub phone_number_id: String,
    pub token: String,
}

/// What a sealed WhatsApp token belongs to: a copy moved to another tenant does not open.
pub fn whatsapp_token_owner(tenant: TenantId) -> String {
    format!("whatsapp_token:{tenant}")
}

/// Sets (or with `None` removes) the tenant's own WhatsApp number (admins). The token is sealed
/// before it is stored and never comes back out through the API; the audit log records only
/// that it changed.
pub async fn set_whatsapp(
    store: &dyn Store,
    ctx: &Context,
    secrets: &SecretBox,
    input: Option<WhatsAppInput>,
) -> AppResult<Tenant> {
    ctx.require_admin()?;
    let before = current_tenant(store, ctx).await?;
    let account = match input {
        Some(input) => {
            let mut v = Validator::default();
            let id = v.check("phone_number_id", phone_number_id(&input.phone_number_id));
            let token = v.check("token", access_token(&input.token));
            v.finish()?;
            let token_sealed = secrets.seal(&whatsapp_token_owner(before.id), token.unwrap_or_default());
            Some(WhatsAppAccount { phone_number_id: id.unwrap_or_default().to_owned(), token_sealed })
        }
        None => None,
    };
    let after = Tenant { whatsapp: account, updated_at: now_millis(), ..before.clone() };
    let number =
        |t: &Tenant| serde_json::json!({"whatsapp_phone_number_id": t.whatsapp.as_ref().map(|w| &w.phone_number_id)});
    let action = if after.whatsapp.is_some() { "tenant.whatsapp_set" } else { "tenant.whatsapp_removed" };
    let audit = ctx.audit(action, "tenant", Some(after.id.0), Some(number(&before)), Some(number(&after)));
    store.update_tenant(&after, &audit).await?;
    Ok(after)
}

/// Meta's phone number ids are numbers of up to 20 digits.
fn phone_number_id(raw: &str) -> Result<&str, ValueError> {
    let id = raw.trim();
    if (5..=20).contains(&id.len()) && id.chars().all(|c| c.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(ValueError::new(
            ErrorCode::InvalidPhoneNumberId,
            "the phone number id is the number's id in Meta's WhatsApp Manager: 5 to 20 digits",
        ))
    }
}

/// An access token is one header value: visible ASCII, no spaces.
fn access_token(raw: &str) -> Result<&str, ValueError> {
    let token = raw.trim();
    if (20..=2048).contains(&token.len()) && token.chars().all(|c| c.is_ascii_graphic()) {
        Ok(token)
    } else {
        Err(ValueError::new(
            ErrorCode::InvalidToken,
            "the access token is 20 to 2048 visible characters, without spaces",
        ))
    }
}

/// Sets (or with `None` removes) the tenant's Google service account from its JSON key file
/// (admins). With domain-wide delegation granted in the Workspace admin console, Sala writes
/// people's calendars as them without each one connecting. The key is sealed before it is
/// stored; only its address comes back out.
pub async fn set_google_service_account(
    store: &dyn Store,
    ctx: &Context,
    secrets: &SecretBox,
    key_file: Option<&str>,
) -> AppResult<Tenant> {
    ctx.require_admin()?;
    let before = current_tenant(store, ctx).await?;
    let account = match key_file {
        Some(json) => {
            let key = sala_channels::google::ServiceAccountKey::parse(json)
                .map_err(|message| AppError::invalid("key", ErrorCode::InvalidServiceAccount, message))?;
            let key_sealed = secrets.seal(&crate::calendar::service_account_owner(before.id), json);
            Some(ServiceAccount { client_email: key.client_email, key_sealed })
        }
        None => None,
    };
    let after = Tenant { google_service_account: account, updated_at: now_millis(), ..before.clone() };
    let email = |t: &Tenant| serde_json::json!({"google_service_account": t.google_service_account.as_ref().map(|a| &a.client_email)});
    let action = if after.google_service_account.is_some() {
        "tenant.google_service_account_set"
    } else {
        "tenant.google_service_account_removed"
    };
    let audit = ctx.audit(action, "tenant", Some(after.id.0), Some(email(&before)), Some(email(&after)));
    store.update_tenant(&after, &audit).await?;
    Ok(after)
}
