//! Page cursors, opaque to clients: URL-safe base64 of `<instant ms>:<uuid>`, the sort key of the
//! last entry of the previous page. One format for every paged list (bookings by start, the
//! newest-first lists by time); a cursor that was not ours is `invalid_cursor` (422). And page
//! sizes: a `limit` outside what the document says is refused (`out_of_range`, 422), never
//! quietly cut to fit.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sala_app::AppError;
use sala_app::paging::Before;
use sala_domain::ErrorCode;
use uuid::Uuid;

pub fn encode(at: i64, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{at}:{id}"))
}

pub fn decode(raw: &str) -> Result<(i64, Uuid), AppError> {
    let invalid = || AppError::invalid("cursor", ErrorCode::InvalidCursor, "use the next_cursor of the previous page");
    let text = URL_SAFE_NO_PAD.decode(raw).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(invalid)?;
    let (at, id) = text.split_once(':').ok_or_else(invalid)?;
    Ok((at.parse().map_err(|_| invalid())?, id.parse().map_err(|_| invalid())?))
}

/// The page size a list's `limit` asks for: `default` when absent, refused outside `1..=max`.
pub fn limit(raw: Option<u32>, default: u32, max: u32) -> Result<u32, AppError> {
    match raw {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(AppError::invalid("limit", ErrorCode::OutOfRange, format!("{n} is not between 1 and {max}"))),
    }
}

/// Where the page a newest-first list's `cursor` asks for starts.
pub fn before(raw: Option<&str>) -> Result<Option<Before>, AppError> {
    raw.map(|raw| decode(raw).map(|(at, id)| Before { at, id })).transpose()
}

/// The `next_cursor` of a newest-first page.
pub fn next(page_next: Option<Before>) -> Option<String> {
    page_next.map(|b| encode(b.at, b.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let id = Uuid::now_v7();
        assert_eq!(decode(&encode(1_768_471_200_000, id)).ok(), Some((1_768_471_200_000, id)));
        for bad in ["", "abc", "%%%", &URL_SAFE_NO_PAD.encode("12:nope"), &URL_SAFE_NO_PAD.encode("x:y")] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_limit_outside_its_range_is_refused_not_clamped() {
        assert_eq!(limit(None, 50, 200).ok(), Some(50));
        assert_eq!(limit(Some(1), 50, 200).ok(), Some(1));
        assert_eq!(limit(Some(200), 50, 200).ok(), Some(200));
        for bad in [0, 201, u32::MAX] {
            let refused = matches!(limit(Some(bad), 50, 200), Err(AppError::Invalid(errors))
                if errors.iter().any(|e| e.field == "limit" && e.code == ErrorCode::OutOfRange));
            assert!(refused, "{bad}");
        }
    }
}
