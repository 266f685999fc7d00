//! [`ErrorCode`]: every code Sala answers a refusal with, in one enum. The API puts it in a
//! problem's `code` (and each field error's), the pages word each one in the reader's language
//! (an exhaustive match, so a new code without words does not compile), and the README's error
//! table lists them all (a test keeps the table and the enum equal).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! error_codes {
    ($($variant:ident = $text:literal,)*) => {
        /// A stable, machine-readable reason: clients branch on it, never on the text.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            /// Every code, in alphabetical order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as clients read it: `booking_conflict`, ...
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $text,)*
                }
            }
        }
    };
}

error_codes! {
    AccountDeactivated = "account_deactivated",
    AlreadyAdopted = "already_adopted",
    AlreadyDelivered = "already_delivered",
    ApiKeyCollision = "api_key_collision",
    BookingCancelled = "booking_cancelled",
    BookingConflict = "booking_conflict",
    BookingEnded = "booking_ended",
    BookingNotConfirmed = "booking_not_confirmed",
    BookingReleased = "booking_released",
    ByNeedsMonthly = "by_needs_monthly",
    CalendarInvalid = "calendar_invalid",
    CalendarNotGranted = "calendar_not_granted",
    CalendarUnreadable = "calendar_unreadable",
    CheckInNotOpen = "check_in_not_open",
    CheckedIn = "checked_in",
    CsrfFailed = "csrf_failed",
    DatabaseUnavailable = "database_unavailable",
    DirectoryNotGranted = "directory_not_granted",
    DuplicateAttendee = "duplicate_attendee",
    DuplicateEmail = "duplicate_email",
    DuplicateReminder = "duplicate_reminder",
    EmailMissing = "email_missing",
    EmailNotVerified = "email_not_verified",
    EmptyImport = "empty_import",
    EndBeforeStart = "end_before_start",
    ExportTooLarge = "export_too_large",
    FeedNeedsPerson = "feed_needs_person",
    Forbidden = "forbidden",
    GoogleAccountMismatch = "google_account_mismatch",
    GoogleAccountTaken = "google_account_taken",
    GoogleUnavailable = "google_unavailable",
    GuestQuotaOrganization = "guest_quota_organization",
    GuestQuotaPerson = "guest_quota_person",
    IdempotencyKeyInUse = "idempotency_key_in_use",
    IdempotencyKeyReused = "idempotency_key_reused",
    InTheFuture = "in_the_future",
    InThePast = "in_the_past",
    InsufficientScope = "insufficient_scope",
    InternalError = "internal_error",
    InvalidBody = "invalid_body",
    InvalidBookableHours = "invalid_bookable_hours",
    InvalidCalendarService = "invalid_calendar_service",
    InvalidCapacity = "invalid_capacity",
    InvalidCharacters = "invalid_characters",
    InvalidCount = "invalid_count",
    InvalidCsv = "invalid_csv",
    InvalidCursor = "invalid_cursor",
    InvalidDate = "invalid_date",
    InvalidDatetime = "invalid_datetime",
    InvalidDomain = "invalid_domain",
    InvalidEmail = "invalid_email",
    InvalidEncoding = "invalid_encoding",
    InvalidEntraTenant = "invalid_entra_tenant",
    InvalidEquipment = "invalid_equipment",
    InvalidFeedScope = "invalid_feed_scope",
    InvalidFormat = "invalid_format",
    InvalidGrace = "invalid_grace",
    InvalidId = "invalid_id",
    InvalidIdempotencyKey = "invalid_idempotency_key",
    InvalidIfMatch = "invalid_if_match",
    InvalidInterval = "invalid_interval",
    InvalidJson = "invalid_json",
    InvalidLocale = "invalid_locale",
    InvalidMaxMeetings = "invalid_max_meetings",
    InvalidMetadata = "invalid_metadata",
    InvalidPhone = "invalid_phone",
    InvalidPhoneNumberId = "invalid_phone_number_id",
    InvalidQuery = "invalid_query",
    InvalidRange = "invalid_range",
    InvalidReminder = "invalid_reminder",
    InvalidRole = "invalid_role",
    InvalidRoomKind = "invalid_room_kind",
    InvalidRules = "invalid_rules",
    InvalidScope = "invalid_scope",
    InvalidSecret = "invalid_secret",
    InvalidServiceAccount = "invalid_service_account",
    InvalidSlug = "invalid_slug",
    InvalidStatus = "invalid_status",
    InvalidTimeZone = "invalid_time_zone",
    InvalidToken = "invalid_token",
    InvalidVideoLink = "invalid_video_link",
    InvalidWebhookUrl = "invalid_webhook_url",
    InvalidYesNo = "invalid_yes_no",
    LastAdmin = "last_admin",
    LinkExpired = "link_expired",
    MetadataTooLarge = "metadata_too_large",
    MicrosoftAccountMismatch = "microsoft_account_mismatch",
    MicrosoftAccountTaken = "microsoft_account_taken",
    MissingColumn = "missing_column",
    NoEvents = "no_events",
    NoMeetingNow = "no_meeting_now",
    NoRefreshToken = "no_refresh_token",
    NotFound = "not_found",
    NotInvited = "not_invited",
    NotLastWeekday = "not_last_weekday",
    NotReady = "not_ready",
    OrganizerInactive = "organizer_inactive",
    OrganizerRequired = "organizer_required",
    OtherGoogleAccount = "other_google_account",
    OutOfRange = "out_of_range",
    OutsideBookableHours = "outside_bookable_hours",
    OverCapacity = "over_capacity",
    PayloadTooLarge = "payload_too_large",
    PerPersonReportsOff = "per_person_reports_off",
    PhoneRequired = "phone_required",
    RateLimited = "rate_limited",
    ReadOnly = "read_only",
    RecurrenceNeedsEnd = "recurrence_needs_end",
    Required = "required",
    RoomInactive = "room_inactive",
    RoomKindFixed = "room_kind_fixed",
    RoomNameTaken = "room_name_taken",
    RoomWithoutCalendar = "room_without_calendar",
    ServiceAccountMissing = "service_account_missing",
    SignInExpired = "sign_in_expired",
    StorageFull = "storage_full",
    TenantDomainTaken = "tenant_domain_taken",
    TenantEntraTaken = "tenant_entra_taken",
    TenantSlugTaken = "tenant_slug_taken",
    TooFarAhead = "too_far_ahead",
    TooLittleNotice = "too_little_notice",
    TooLong = "too_long",
    TooManyActiveBookings = "too_many_active_bookings",
    TooManyAttendees = "too_many_attendees",
    TooManyEquipmentTags = "too_many_equipment_tags",
    TooManyFeeds = "too_many_feeds",
    TooManyOccurrences = "too_many_occurrences",
    TooManyReminders = "too_many_reminders",
    TooManyRows = "too_many_rows",
    TooManyWebhooks = "too_many_webhooks",
    TooShort = "too_short",
    Unauthenticated = "unauthenticated",
    UnknownDomain = "unknown_domain",
    UnknownEntraTenant = "unknown_entra_tenant",
    UnknownEvent = "unknown_event",
    UnknownOrganizer = "unknown_organizer",
    UnknownRoom = "unknown_room",
    UnlistedDomain = "unlisted_domain",
    UnsupportedMediaType = "unsupported_media_type",
    UntilBeforeStart = "until_before_start",
    UserEmailTaken = "user_email_taken",
    ValidationFailed = "validation_failed",
    VersionMismatch = "version_mismatch",
    WeekdaysInterval = "weekdays_interval",
    WeekdaysStartsOnWeekend = "weekdays_starts_on_weekend",
    WindowTooLong = "window_too_long",
    WorkspaceAccountRequired = "workspace_account_required",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown error code `{text}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_and_sorted_once() {
        let texts: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert!(texts.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates");
        assert!(texts.iter().all(|t| t.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    }
}
