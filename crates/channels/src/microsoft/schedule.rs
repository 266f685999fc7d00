//! Free/busy by `getSchedule`: at most 20 schedules and under 62 days a call (Graph's documented
//! limits), so longer lists and windows are split. Busy, tentative and out-of-office items are
//! busy; a schedule Graph could not read (its `error`) is left out.

use super::{MicrosoftGraph, UTC_PREFER};
use crate::calendar::{BusyTimes, ProviderError};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// `getSchedule` looks up at most 20 schedules per call, over less than 62 days.
const SCHEDULES_PER_CALL: usize = 20;
const SCHEDULE_SPAN: SignedDuration = SignedDuration::from_hours(61 * 24);

impl MicrosoftGraph {
    /// `getSchedule`, 20 schedules and under 62 days a call, asked from the first calendar's
    /// mailbox (or the next one that exists).
    pub(super) async fn busy(
        &self,
        token: &str,
        calendars: &[String],
        from: Timestamp,
        to: Timestamp,
    ) -> Result<BusyTimes, ProviderError> {
        let mut busy = BusyTimes::new();
        let mut caller = None;
        for chunk in calendars.chunks(SCHEDULES_PER_CALL) {
            let mut start = from;
            while start < to {
                let end = start.saturating_add(SCHEDULE_SPAN).unwrap_or(to).min(to);
                for (id, intervals) in self.schedule(token, &mut caller, chunk, start, end).await? {
                    busy.entry(id).or_default().extend(intervals);
                }
                start = end;
            }
        }
        Ok(busy)
    }

    /// One `getSchedule` call (at most 20 schedules, less than 62 days). The action lives under
    /// a mailbox: it is asked from `caller` (one that answered before) or else from the first of
    /// the schedules' mailboxes that exists; when none does, none is busy. The mailbox that
    /// answered is kept in `caller`.
    async fn schedule(
        &self,
        token: &str,
        caller: &mut Option<String>,
        schedules: &[String],
        from: Timestamp,
        to: Timestamp,
    ) -> Result<BusyTimes, ProviderError> {
        let candidates: Vec<String> = caller.iter().chain(schedules).cloned().collect();
        for candidate in candidates {
            match self.schedule_from(token, &candidate, schedules, from, to).await {
                Err(ProviderError::NotFound) => continue,
                other => {
                    *caller = Some(candidate);
                    return other;
                }
            }
        }
        Ok(BusyTimes::new())
    }

    async fn schedule_from(
        &self,
        token: &str,
        first: &str,
        schedules: &[String],
        from: Timestamp,
        to: Timestamp,
    ) -> Result<BusyTimes, ProviderError> {
        let utc = |t: Timestamp| json!({"dateTime": t.strftime("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"});
        let body = json!({
            "schedules": schedules,
            "startTime": utc(from),
            "endTime": utc(to),
            "availabilityViewInterval": 15,
        });
        let url = self.mailbox_url(first, &["calendar", "getSchedule"])?;
        let request = self.graph.http.post(url).header("Prefer", UTC_PREFER).json(&body);
        Ok(parse_schedules(&self.call(request, token).await?.unwrap_or_default()))
    }
}

/// `{"value": [{"scheduleId", "scheduleItems": [{"status", "start", "end"}], "error"?}]}`: busy,
/// tentative and out-of-office items are busy; a schedule with an `error` is left out.
fn parse_schedules(body: &Value) -> BusyTimes {
    let mut busy = BusyTimes::new();
    for schedule in body["value"].as_array().into_iter().flatten() {
        let Some(id) = schedule["scheduleId"].as_str() else { continue };
        if !schedule["error"].is_null() {
            tracing::warn!(schedule = %id, error = %schedule["error"], "Graph could not read a schedule");
            continue;
        }
        let at = |time: &Value| {
            let civil: jiff::civil::DateTime = time["dateTime"].as_str()?.parse().ok()?;
            civil.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp())
        };
        let intervals = schedule["scheduleItems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|item| matches!(item["status"].as_str(), Some("busy" | "tentative" | "oof")))
            .filter_map(|item| Some((at(&item["start"])?, at(&item["end"])?)));
        busy.entry(id.to_lowercase()).or_default().extend(intervals);
    }
    busy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_with_errors_are_left_out_and_free_time_is_not_busy() {
        let busy = parse_schedules(&json!({"value": [
            {"scheduleId": "Room@Acme.test", "scheduleItems": [
                {"status": "busy", "start": {"dateTime": "2027-01-05T09:00:00.0000000", "timeZone": "UTC"},
                 "end": {"dateTime": "2027-01-05T10:00:00.0000000", "timeZone": "UTC"}},
                {"status": "free", "start": {"dateTime": "2027-01-05T11:00:00.0000000", "timeZone": "UTC"},
                 "end": {"dateTime": "2027-01-05T12:00:00.0000000", "timeZone": "UTC"}}
            ]},
            {"scheduleId": "ghost@acme.test", "error": {"message": "not found", "responseCode": "ErrorMailRecipientNotFound"}}
        ]}));
        assert_eq!(busy.len(), 1);
        assert_eq!(busy["room@acme.test"].len(), 1);
    }
}
