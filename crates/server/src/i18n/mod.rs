//! The words of the pages in Spanish and English (`es.rs`, `en.rs`). Two languages with simple
//! plurals need no message catalogue: a struct the compiler checks for completeness is enough; a
//! third language or outside translators would be the time for Fluent files.

mod en;
mod es;

use sala_domain::Locale;

/// Picks the visitor's language from `Accept-Language`: English only when preferred over Spanish.
pub fn from_accept_language(header: Option<&str>) -> Locale {
    let Some(header) = header else { return Locale::Es };
    let mut best: Option<(f32, Locale)> = None;
    for part in header.split(',') {
        let mut pieces = part.trim().split(';');
        let tag = pieces.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
        let locale = match tag.split('-').next() {
            Some("es") => Locale::Es,
            Some("en") => Locale::En,
            _ => continue,
        };
        if best.is_none_or(|(best_q, _)| q > best_q) {
            best = Some((q, locale));
        }
    }
    best.map_or(Locale::Es, |(_, l)| l)
}

/// The page texts for one language. A struct, not a lookup by key: the compiler refuses a
/// language that lacks a text, and a template that names one that does not exist.
pub struct Texts {
    pub lang: &'static str,
    pub tagline: &'static str,
    pub sign_in_google: &'static str,
    pub google_not_configured: &'static str,
    pub dev_title: &'static str,
    pub dev_intro: &'static str,
    pub sign_in_as: &'static str,
    pub admin: &'static str,
    pub sign_out: &'static str,
    pub rooms: &'static str,
    pub capacity: &'static str,
    pub location: &'static str,
    pub equipment: &'static str,
    pub virtual_room: &'static str,
    pub no_rooms: &'static str,
    pub hello: &'static str,
    pub back_home: &'static str,
    pub api_docs: &'static str,
    pub outbox_title: &'static str,
    pub outbox_intro: &'static str,
    pub outbox_empty: &'static str,
    pub outbox_view_html: &'static str,
    pub kiosk_free: &'static str,
    pub kiosk_busy_until: &'static str,
    pub kiosk_now: &'static str,
    pub kiosk_later: &'static str,
    pub kiosk_nothing_later: &'static str,
    pub kiosk_check_in: &'static str,
    pub kiosk_email: &'static str,
    pub kiosk_checked_in: &'static str,
    pub kiosk_organizer: &'static str,
    pub kiosk_done: &'static str,
    pub kiosk_already: &'static str,
    pub kiosk_not_invited: &'static str,
    pub kiosk_bad_email: &'static str,
    pub kiosk_no_meeting: &'static str,
    pub kiosk_slow_down: &'static str,
    pub kiosk_not_found_title: &'static str,
    pub kiosk_not_found: &'static str,
    pub other_language: &'static str,
    pub other_lang_code: &'static str,
    pub form_expired: &'static str,
    pub error_title: &'static str,
    pub try_again: &'static str,
    pub nav_home: &'static str,
    pub nav_new_booking: &'static str,
    pub nav_my_bookings: &'static str,
    pub nav_admin: &'static str,
    pub main_nav: &'static str,
    pub language: &'static str,
    pub skip_to_content: &'static str,
    pub upcoming: &'static str,
    pub no_upcoming: &'static str,
    pub today: &'static str,
    pub rooms_on: &'static str,
    pub previous_day: &'static str,
    pub next_day: &'static str,
    pub filters: &'static str,
    pub min_capacity: &'static str,
    pub any: &'static str,
    pub apply: &'static str,
    pub busy: &'static str,
    pub book_at: &'static str,
    pub now: &'static str,
    pub no_matching_rooms: &'static str,
    pub people: &'static str,
    pub timeline_hint: &'static str,
    pub new_booking: &'static str,
    pub edit_booking: &'static str,
    pub room: &'static str,
    pub date: &'static str,
    pub starts: &'static str,
    pub ends: &'static str,
    pub title_label: &'static str,
    pub description: &'static str,
    pub guests: &'static str,
    pub guests_hint: &'static str,
    pub google_meet: &'static str,
    pub repeat_weekly: &'static str,
    pub repeat_count: &'static str,
    pub repeat_until: &'static str,
    pub times_in: &'static str,
    pub book: &'static str,
    pub save_changes: &'static str,
    pub fix_errors: &'static str,
    pub conflict_title: &'static str,
    pub next_free_slots: &'static str,
    pub other_free_rooms: &'static str,
    pub no_suggestions: &'static str,
    pub use_slot: &'static str,
    pub use_room: &'static str,
    pub seats: &'static str,
    pub when: &'static str,
    pub organizer: &'static str,
    pub no_guests: &'static str,
    pub join_meet: &'static str,
    pub meet_pending: &'static str,
    pub status: &'static str,
    pub status_confirmed: &'static str,
    pub status_cancelled: &'static str,
    pub status_released: &'static str,
    pub reason: &'static str,
    pub edit: &'static str,
    pub cancel_booking: &'static str,
    pub cancel_question: &'static str,
    pub cancel_reason_hint: &'static str,
    pub confirm_cancel: &'static str,
    pub keep_it: &'static str,
    pub scope: &'static str,
    pub scope_this: &'static str,
    pub scope_following: &'static str,
    pub repeats: &'static str,
    pub messages_sent: &'static str,
    pub no_messages: &'static str,
    pub history: &'static str,
    pub created_notice: &'static str,
    pub updated_notice: &'static str,
    pub cancelled_notice: &'static str,
    pub checked_in: &'static str,
    pub external_guest: &'static str,
    pub not_found_title: &'static str,
    pub not_found: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden: &'static str,
    pub back: &'static str,
    pub err_required: &'static str,
    pub err_date: &'static str,
    pub err_time: &'static str,
    pub err_end_before_start: &'static str,
    pub err_in_the_past: &'static str,
    pub err_email: &'static str,
    pub err_duplicate_guest: &'static str,
    pub err_over_capacity: &'static str,
    pub err_room: &'static str,
    pub err_count: &'static str,
    pub err_rules: &'static str,
    pub err_changed: &'static str,
    pub upcoming_tab: &'static str,
    pub past_tab: &'static str,
    pub search: &'static str,
    pub nothing_found: &'static str,
    pub meet_needs_calendar: &'static str,
    pub by_integration: &'static str,
    pub act_created: &'static str,
    pub act_updated: &'static str,
    pub act_cancelled: &'static str,
    pub act_checked_in: &'static str,
    pub act_released: &'static str,
    pub act_denied: &'static str,
    pub slot_free: &'static str,
}

pub fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::Es => &es::ES,
        Locale::En => &en::EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_the_highest_weight() {
        assert_eq!(from_accept_language(None), Locale::Es);
        assert_eq!(from_accept_language(Some("en-GB,en;q=0.9")), Locale::En);
        assert_eq!(from_accept_language(Some("fr-FR, en;q=0.5, es;q=0.8")), Locale::Es);
        assert_eq!(from_accept_language(Some("de")), Locale::Es);
    }
}
