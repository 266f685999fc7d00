//! Reading a mailbox's calendar in pages: `calendarView/delta` (Sala's change feed) and
//! `calendarView` (a window's events). Pages are followed only back into `graph_base`; a
//! throttled page is asked again in place ([`super::http::Graph::page`]). Delta answers carry no
//! extended properties, so each changed event is read again with `$expand`.

use super::http::Failure;
use super::{MicrosoftGraph, UTC_PREFER, read_event, wire};
use crate::calendar::{Changes, Event, ProviderError};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use std::collections::HashMap;

/// Events per page of a delta read (`Prefer: odata.maxpagesize`).
const DELTA_PAGE_SIZE: usize = 100;
/// Events read back (for their extended properties) at once after a delta read.
const HYDRATE_CONCURRENCY: usize = 4;
/// A bound on one paged read: a calendar with more is read wrong.
const MAX_PAGES: usize = 400;

impl MicrosoftGraph {
    /// `calendarView/delta`: without a cursor, the window from `since` to `since + delta_window`;
    /// with one, the stored `@odata.deltaLink` (only if it points into `graph_base`). The last
    /// page's `@odata.deltaLink` is the next cursor. Removed events come as cancelled; changed
    /// ones are read again for Sala's extended properties.
    pub(super) async fn delta(
        &self,
        token: &str,
        calendar: &str,
        cursor: Option<&str>,
        since: Timestamp,
    ) -> Result<Changes, ProviderError> {
        let first = match cursor {
            Some(link) if self.inside_graph(link) => link.to_owned(),
            Some(_) => return Err(ProviderError::Final("a change cursor outside graph_base was refused".into())),
            None => {
                let window = SignedDuration::try_from(self.config.delta_window)
                    .map_err(|e| ProviderError::Final(e.to_string()))?;
                let end = since.saturating_add(window).map_err(|e| ProviderError::Final(e.to_string()))?;
                let mut url = self.mailbox_url(calendar, &["calendarView", "delta"])?;
                url.query_pairs_mut()
                    .append_pair("startDateTime", &since.to_string())
                    .append_pair("endDateTime", &end.to_string());
                url.to_string()
            }
        };
        let page_size = format!("odata.maxpagesize={DELTA_PAGE_SIZE}");
        let (items, delta) = match self.paged(token, first, &[&page_size, UTC_PREFER]).await {
            Err(failure) if failure.cursor_expired() => return Err(ProviderError::CursorExpired),
            other => other.map_err(Failure::classify)?,
        };
        let cursor = delta.ok_or_else(|| ProviderError::Retryable {
            reason: "calendarView/delta ended without @odata.deltaLink".into(),
            retry_after: None,
        })?;
        // The last word on an event wins (a delta may list one twice).
        let mut order = Vec::new();
        let mut last: HashMap<String, Event> = HashMap::new();
        for event in items.iter().filter_map(wire::parse_event) {
            if !last.contains_key(&event.id) {
                order.push(event.id.clone());
            }
            last.insert(event.id.clone(), event);
        }
        let changed: Vec<String> =
            order.iter().filter(|id| last.get(*id).is_some_and(|e| !e.cancelled)).cloned().collect();
        for event in self.hydrate(token, calendar, changed).await? {
            last.insert(event.id.clone(), event);
        }
        let events = order.iter().filter_map(|id| last.remove(id)).collect();
        Ok(Changes { events, cursor })
    }

    /// `calendarView` of the window (series as occurrences) by start, paged, with Sala's
    /// properties; cancelled events left out.
    pub(super) async fn view(
        &self,
        token: &str,
        calendar: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Event>, ProviderError> {
        let mut url = self.mailbox_url(calendar, &["calendarView"])?;
        url.query_pairs_mut()
            .append_pair("startDateTime", &from.to_string())
            .append_pair("endDateTime", &to.to_string())
            .append_pair("$orderby", "start/dateTime")
            .append_pair("$top", "100")
            .append_pair("$expand", &wire::expand_properties());
        let (items, _) = self.paged(token, url.to_string(), &[UTC_PREFER]).await.map_err(Failure::classify)?;
        Ok(items.iter().filter_map(wire::parse_event).filter(|e| !e.cancelled).collect())
    }

    /// A paged `calendarView` or `calendarView/delta` read from `first` to its last page; the
    /// items and the `@odata.deltaLink` when there is one.
    async fn paged(
        &self,
        token: &str,
        first: String,
        prefer: &[&str],
    ) -> Result<(Vec<Value>, Option<String>), Failure> {
        let mut items = Vec::new();
        let mut url = first;
        for _ in 0..MAX_PAGES {
            let page = self.graph.page(&url, token, prefer).await?;
            items.extend(page["value"].as_array().cloned().unwrap_or_default());
            if let Some(delta) = page["@odata.deltaLink"].as_str() {
                return Ok((items, Some(delta.to_owned())));
            }
            match page["@odata.nextLink"].as_str() {
                // Only ever follow links back to Graph.
                Some(next) if self.inside_graph(next) => url = next.to_owned(),
                Some(_) => return Err(refused("Graph gave a next page outside graph_base")),
                None => return Ok((items, None)),
            }
        }
        Err(refused(&format!("more than {MAX_PAGES} pages")))
    }

    /// Whether `link` is under `graph_base` (a stored cursor must never send the token elsewhere).
    fn inside_graph(&self, link: &str) -> bool {
        link.strip_prefix(&self.graph.base).is_some_and(|rest| rest.starts_with('/'))
    }

    /// Reads each changed event again with `$expand` (delta answers carry no extended
    /// properties), a few at once; one deleted meanwhile comes back cancelled.
    async fn hydrate(&self, token: &str, calendar: &str, ids: Vec<String>) -> Result<Vec<Event>, ProviderError> {
        let mut running = tokio::task::JoinSet::new();
        let mut read = Vec::with_capacity(ids.len());
        for (index, id) in ids.into_iter().enumerate() {
            if running.len() >= HYDRATE_CONCURRENCY
                && let Some(done) = running.join_next().await
            {
                read.push(joined(done)?);
            }
            let (graph, url, token) =
                (self.graph.clone(), self.mailbox_url(calendar, &["events", &id])?, token.to_owned());
            running.spawn(async move {
                match read_event(&graph, url, token).await {
                    Err(ProviderError::NotFound) => Ok((index, Event { id, cancelled: true, ..Event::default() })),
                    other => other.map(|event| (index, event)),
                }
            });
        }
        while let Some(done) = running.join_next().await {
            read.push(joined(done)?);
        }
        read.sort_by_key(|(index, _)| *index);
        Ok(read.into_iter().map(|(_, event)| event).collect())
    }
}

fn refused(reason: &str) -> Failure {
    Failure { status: 400, code: "SalaRefused".into(), message: reason.into(), retry_after: None }
}

fn joined(
    done: Result<Result<(usize, Event), ProviderError>, tokio::task::JoinError>,
) -> Result<(usize, Event), ProviderError> {
    done.map_err(|e| ProviderError::Retryable { reason: format!("a read was lost: {e}"), retry_after: None })?
}
