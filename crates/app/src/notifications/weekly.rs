//! The `weekly_report` job: an admin who asked for it gets last week's summary of how the rooms
//! were used, in their language, once (the delivery log's key is the organization, the person
//! and the week, whatever job carries it). The person is rechecked when the job runs: one who
//! turned the summary off, lost the admin role or left gets nothing.

use super::compose::EmailBody;
use super::deliver::Tally;
use super::texts::{self, WeeklyWords};
use super::{Notifier, store_failure};
use crate::jobs::JobFailure;
use crate::reports::weekly::{RoomLine, WeeklySummary, weekly_summary};
use crate::{AppError, Context};
use askama::Template;
use sala_domain::jobs::WeeklyReportPayload;
use sala_domain::{Job, Locale};

#[derive(Template)]
#[template(path = "weekly_report.html")]
struct WeeklyHtml<'a> {
    lang: &'a str,
    subject: &'a str,
    heading: &'a str,
    organization: &'a str,
    range: &'a str,
    figures: &'a [(&'static str, String)],
    lists: &'a [(&'static str, Vec<(String, String)>)],
    link: &'a str,
    open_report: &'a str,
    footer: &'a str,
}

/// The summary's email in `locale`; `link` opens the full report of the week.
pub fn compose(locale: Locale, organization: &str, summary: &WeeklySummary, link: &str) -> EmailBody {
    let w: &WeeklyWords = texts::weekly_words(locale);
    let range = texts::week_range(locale, summary.from, summary.to);
    let subject = texts::weekly_subject(locale, organization, &range);
    let total = summary.total;
    let peak = summary.peak.map_or_else(
        || w.no_bookings.to_owned(),
        |p| {
            format!(
                "{} ({})",
                texts::weekday_hour(locale, p.weekday, p.hour),
                texts::percent(locale, p.figures.utilization)
            )
        },
    );
    let figures = [
        (
            w.utilization,
            format!(
                "{} ({})",
                texts::percent(locale, total.utilization),
                texts::booked_of_bookable(locale, total.booked_minutes, total.bookable_minutes)
            ),
        ),
        (w.compared, texts::change(locale, summary.change_points(), summary.previous.utilization)),
        (w.peak, peak),
        (w.cancellations, texts::cancelled_of(locale, summary.cancelled, summary.bookings, summary.cancellation_rate)),
    ];
    let room = |r: &RoomLine| {
        let figures = r.figures;
        (
            r.name.clone(),
            format!(
                "{} ({})",
                texts::percent(locale, figures.utilization),
                texts::booked_of_bookable(locale, figures.booked_minutes, figures.bookable_minutes)
            ),
        )
    };
    let lists: Vec<(&'static str, Vec<(String, String)>)> =
        [(w.busiest, &summary.busiest), (w.least_used, &summary.least_used)]
            .into_iter()
            .filter(|(_, rooms)| !rooms.is_empty())
            .map(|(title, rooms)| (title, rooms.iter().map(room).collect()))
            .collect();
    let html = WeeklyHtml {
        lang: w.lang,
        subject: &subject,
        heading: w.heading,
        organization,
        range: &range,
        figures: &figures,
        lists: &lists,
        link,
        open_report: w.open_report,
        footer: w.footer,
    }
    .render()
    .unwrap_or_else(|e| {
        // The template is compiled in; a render error would be a bug, so the text part still goes.
        tracing::error!(error = %e, "weekly summary template failed");
        String::new()
    });
    let mut text = format!("{}: {organization}\n{range}\n\n", w.heading);
    for (label, value) in &figures {
        text.push_str(&format!("{label}: {value}\n"));
    }
    for (title, rooms) in &lists {
        text.push_str(&format!("\n{title}:\n"));
        for (i, (name, line)) in rooms.iter().enumerate() {
            text.push_str(&format!("{}. {name}: {line}\n", i + 1));
        }
    }
    text.push_str(&format!("\n{}: {link}\n\n-- \n{}\n", w.open_report, w.footer));
    EmailBody { subject, text, html }
}

impl Notifier {
    /// The `weekly_report` job: the week's summary to the admin it names, once.
    pub(crate) async fn weekly_report(&self, job: &Job, payload: WeeklyReportPayload) -> Result<(), JobFailure> {
        let store = self.store.as_ref();
        let tenant = store
            .get_tenant(job.tenant_id)
            .await
            .map_err(store_failure)?
            .ok_or_else(|| JobFailure::final_("the organization no longer exists"))?;
        let user = store.get_user(job.tenant_id, payload.user_id).await.map_err(store_failure)?;
        let Some(admin) = user.filter(|u| u.active && u.is_admin() && u.weekly_report) else {
            tracing::info!(job = %job.id, user = %payload.user_id, "the person no longer wants the weekly summary");
            return Ok(());
        };
        let ctx = Context::new(crate::context::Principal::User(admin.clone()));
        let summary = match weekly_summary(store, &ctx, payload.week).await {
            Ok(summary) => summary,
            Err(AppError::Internal(e)) => return Err(store_failure(e)),
            Err(e) => return Err(JobFailure::final_(format!("the weekly summary could not be made: {e}"))),
        };
        let locale = admin.locale.unwrap_or(tenant.locale);
        let link = format!("{}/admin/reports?from={}&to={}", self.channels.base_url, summary.from, summary.to);
        let body = compose(locale, &tenant.name, &summary, &link);
        let scope = payload.delivery_scope(tenant.id);
        let message = self.email(job, &scope, (admin.email.as_str(), Some(admin.name.clone())), body, None);
        let mut tally = Tally::default();
        self.deliver(job, message, &mut tally).await;
        tracing::info!(job = %job.id, sent = tally.sent, already = tally.already, failed = tally.failed, "weekly summary job ran");
        tally.outcome()
    }
}
