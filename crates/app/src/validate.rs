//! Collects every invalid field of a request, so a person fixes them all in one go. The edges
//! (API bodies, forms) use it too, for what they parse before a use case sees it.

use crate::{AppError, FieldError};
use sala_domain::ValueError;

#[derive(Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    /// Keeps the value, or records why `field` is invalid.
    pub fn check<T>(&mut self, field: &str, result: Result<T, ValueError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.errors.push(FieldError { field: field.to_owned(), code: e.code, message: e.message });
                None
            }
        }
    }

    /// Like `check`, for an optional input: `None` stays `None`, an empty string means "clear it".
    pub fn check_opt<T>(
        &mut self,
        field: &str,
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> Option<Option<T>> {
        match raw.map(str::trim) {
            None | Some("") => Some(None),
            Some(text) => self.check(field, parse(text)).map(Some),
        }
    }

    /// `Ok(())` when nothing was recorded.
    pub fn finish(self) -> Result<(), AppError> {
        if self.errors.is_empty() { Ok(()) } else { Err(AppError::Invalid(self.errors)) }
    }
}

/// Trims optional free text; empty becomes `None`.
pub(crate) fn optional_text(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, ValueError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => sala_domain::values::clean_name(field, text, max).map(Some),
    }
}
