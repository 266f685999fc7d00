//! Bringing many people in at once (a CSV file, the Workspace directory). Each row is checked like
//! a person added by hand and is then new, already here (changed or unchanged) or refused with
//! each field's problem; [`preview_import`] says which, [`import_people`] checks the rows again
//! (what was previewed may have changed meanwhile) and writes every valid row in one transaction,
//! one audit entry per person, or nothing at all.

use crate::context::snapshot;
use crate::users::{NewUser, build_user, consent_not_ahead};
use crate::validate::Validator;
use crate::{AppError, AppResult, Context, FieldError, Store};
use sala_domain::values::clean_name;
use sala_domain::{Email, ErrorCode, Locale, Millis, Phone, User, ValueError, now_millis};
use std::collections::HashSet;

/// At most this many people per import: a company's directory, not a data load.
pub const MAX_ROWS: usize = 2_000;

/// One person to bring in, as the edge read it. `None` (or an empty name) leaves a known person's
/// field as it is; a new person gets the defaults.
#[derive(Clone, Debug, Default)]
pub struct ImportRow {
    /// Where the row came from (a spreadsheet's row number, the header being 1), for the reader.
    pub line: u64,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub locale: Option<Locale>,
    pub whatsapp_opt_in: Option<bool>,
    pub whatsapp_consent_at: Option<Millis>,
    /// What the edge could not read already (a language or a date that is not one).
    pub problems: Vec<FieldError>,
}

/// What an import would do with one row.
#[derive(Clone, Debug)]
pub enum Outcome {
    New(User),
    /// Boxed: two people make this variant twice the others' size.
    Changed {
        before: Box<User>,
        after: Box<User>,
    },
    Unchanged(User),
    Refused(Vec<FieldError>),
}

/// A row and what becomes of it.
#[derive(Clone, Debug)]
pub struct Planned {
    pub row: ImportRow,
    pub outcome: Outcome,
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub refused: usize,
}

/// What importing `rows` would do, row by row; writes nothing.
pub async fn preview_import(store: &dyn Store, ctx: &Context, rows: Vec<ImportRow>) -> AppResult<Vec<Planned>> {
    ctx.require_admin()?;
    if rows.len() > MAX_ROWS {
        return Err(AppError::invalid("rows", ErrorCode::TooManyRows, "at most 2000 people per import"));
    }
    let mut seen = HashSet::new();
    let mut planned = Vec::with_capacity(rows.len());
    for row in rows {
        let outcome = plan_row(store, ctx, &row, &mut seen).await?;
        planned.push(Planned { row, outcome });
    }
    Ok(planned)
}

/// Writes every valid row of `rows` (checked again) in one transaction; refused rows are left out.
pub async fn import_people(store: &dyn Store, ctx: &Context, rows: Vec<ImportRow>) -> AppResult<Imported> {
    let planned = preview_import(store, ctx, rows).await?;
    let (mut new, mut changed, mut audit, mut done) = (Vec::new(), Vec::new(), Vec::new(), Imported::default());
    for plan in planned {
        match plan.outcome {
            Outcome::New(user) => {
                audit.push(ctx.audit("user.imported", "user", Some(user.id.0), None, snapshot(&user)));
                new.push(user);
                done.added += 1;
            }
            Outcome::Changed { before, after } => {
                audit.push(ctx.audit("user.imported", "user", Some(after.id.0), snapshot(&before), snapshot(&after)));
                changed.push(*after);
                done.updated += 1;
            }
            Outcome::Unchanged(_) => done.unchanged += 1,
            Outcome::Refused(_) => done.refused += 1,
        }
    }
    store.import_users(&new, &changed, &audit).await?;
    Ok(done)
}

async fn plan_row(store: &dyn Store, ctx: &Context, row: &ImportRow, seen: &mut HashSet<String>) -> AppResult<Outcome> {
    let email = match Email::parse(&row.email) {
        Ok(email) => email,
        Err(e) => return Ok(refused(row, Some(field("email", e)))),
    };
    if !seen.insert(email.as_str().to_lowercase()) {
        let twice = ValueError::new(ErrorCode::DuplicateEmail, "this address is on another row already");
        return Ok(refused(row, Some(field("email", twice))));
    }
    let outcome = match store.user_by_email(ctx.tenant_id(), &email).await? {
        Some(before) => changed(row, before),
        None => added(ctx, row),
    };
    Ok(outcome)
}

/// A person nobody has added yet, checked like one added by hand.
fn added(ctx: &Context, row: &ImportRow) -> Outcome {
    let input = NewUser {
        email: row.email.clone(),
        name: row.name.clone(),
        role: None,
        phone: row.phone.clone(),
        whatsapp_opt_in: row.whatsapp_opt_in.unwrap_or(false),
        whatsapp_consent_at: row.whatsapp_consent_at,
        locale: row.locale,
        time_zone: None,
    };
    match (build_user(ctx, input), row.problems.is_empty()) {
        (Ok(user), true) => Outcome::New(user),
        (Ok(_), false) => refused(row, None),
        (Err(AppError::Invalid(found)), _) => refused_with(row, found),
        (Err(other), _) => {
            refused(row, Some(FieldError { field: "email".into(), code: other.code(), message: other.to_string() }))
        }
    }
}

/// A known person with what the row says on top; the role, the sign-in and the Google account
/// stay as they are.
fn changed(row: &ImportRow, before: User) -> Outcome {
    let mut after = before.clone();
    let mut v = Validator::default();
    let now = now_millis();
    if !row.name.trim().is_empty() {
        after.name = v.check("name", clean_name("name", &row.name, 120)).unwrap_or_else(|| before.name.clone());
    }
    if let Some(phone) = row.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        after.phone = v.check("phone", Phone::parse(phone)).or_else(|| before.phone.clone());
    }
    if let Some(locale) = row.locale {
        after.locale = Some(locale);
    }
    v.check("whatsapp_consent_at", consent_not_ahead(row.whatsapp_consent_at, now));
    let whatsapp = row.whatsapp_opt_in.unwrap_or(before.whatsapp_opt_in);
    if whatsapp && after.phone.is_none() {
        v.check::<()>(
            "whatsapp_opt_in",
            Err(ValueError::new(ErrorCode::PhoneRequired, "WhatsApp needs a phone number")),
        );
    }
    let consent = row.whatsapp_consent_at.filter(|_| row.whatsapp_opt_in == Some(true));
    after.set_whatsapp(whatsapp, consent, now);
    if let Err(AppError::Invalid(found)) = v.finish() {
        return refused_with(row, found);
    }
    if !row.problems.is_empty() {
        return refused(row, None);
    }
    if after == before {
        return Outcome::Unchanged(before);
    }
    after.updated_at = now;
    Outcome::Changed { before: Box::new(before), after: Box::new(after) }
}

fn field(name: &str, e: ValueError) -> FieldError {
    FieldError { field: name.to_owned(), code: e.code, message: e.message }
}

/// The row's own problems, and `more`.
fn refused(row: &ImportRow, more: Option<FieldError>) -> Outcome {
    refused_with(row, more.into_iter().collect())
}

fn refused_with(row: &ImportRow, found: Vec<FieldError>) -> Outcome {
    let mut all = row.problems.clone();
    all.extend(found);
    Outcome::Refused(all)
}
