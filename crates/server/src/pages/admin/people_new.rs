//! The form on `/admin/people` that adds one person (name, email, phone, language, role, WhatsApp
//! and when consent was recorded): its fields as typed, what it reads itself before the use case
//! (a date, a language, a role), and its problems by field, for each to show beside its field.

use super::people_fields;
use crate::i18n::Texts;
use crate::pages::error::message;
use sala_app::FieldError;
use sala_app::users::NewUser;
use sala_domain::{Role, TimeZoneName};
use serde::Deserialize;

/// The add form's fields as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewPersonForm {
    pub csrf: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    /// `es`, `en`, or empty: the organization's.
    pub locale: String,
    pub role: String,
    pub whatsapp: Option<String>,
    /// `YYYY-MM-DD`, from a date input.
    pub consent: String,
}

impl NewPersonForm {
    pub fn on(value: &Option<String>) -> bool {
        value.is_some()
    }

    /// The use case's input, or the problems of what the form itself reads (a date, a choice).
    pub fn input(&self, zone: &TimeZoneName) -> Result<NewUser, Vec<FieldError>> {
        let mut problems = Vec::new();
        let mut take = |field: &str, e: sala_domain::ValueError| {
            problems.push(FieldError { field: field.to_owned(), code: e.code, message: e.message });
        };
        let consent = people_fields::consent_at(&self.consent, zone).unwrap_or_else(|e| {
            take("whatsapp_consent_at", e);
            None
        });
        let locale = people_fields::language(&self.locale).unwrap_or_else(|e| {
            take("locale", e);
            None
        });
        let role = match self.role.trim() {
            "" => None,
            raw => Role::parse(raw).map(Some).unwrap_or_else(|e| {
                take("role", e);
                None
            }),
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(NewUser {
            email: self.email.clone(),
            name: self.name.clone(),
            role,
            phone: Some(self.phone.clone()).filter(|p| !p.trim().is_empty()),
            whatsapp_opt_in: Self::on(&self.whatsapp),
            whatsapp_consent_at: consent,
            locale,
            time_zone: None,
        })
    }
}

/// Problems by field, in the reader's words.
#[derive(Clone, Debug, Default)]
pub struct FieldProblems(Vec<(String, String)>);

/// The form's fields that show their own problem; others go in the list above the form.
const PLACED: &[&str] = &["name", "email", "phone", "locale", "role", "whatsapp_opt_in", "whatsapp_consent_at"];

impl FieldProblems {
    pub fn of(t: &Texts, fields: &[FieldError]) -> Self {
        Self(fields.iter().map(|f| (f.field.clone(), message(t, f))).collect())
    }

    /// The problem of `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    /// Every problem, for the summary above the form; a problem of no field of the form too.
    pub fn unplaced(&self) -> Vec<String> {
        self.0.iter().filter(|(f, _)| !PLACED.contains(&f.as_str())).map(|(_, m)| m.clone()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
