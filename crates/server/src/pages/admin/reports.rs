//! `/admin/reports`: how the rooms are used, for admins: a GET form (a range preset or two dates,
//! a room, a location) over the organization's time zone, and the figures of
//! [`sala_app::reports`] as server-drawn SVG charts, each beside a table with the same numbers:
//! utilization by room, by day and by weekday x hour, by location, and cancellations by reason
//! and by notice. The CSV links go to the API's exports, which take the admin's session.

mod svg;

use super::Tab;
use crate::i18n::Texts;
use crate::pages::shell::{AdminPage, Nav, Shell};
use crate::pages::{render, show_error};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::civil::Date;
use jiff::{Span, ToSpan};
use sala_app::AppError;
use sala_app::reports::{LocationRow, MAX_DAYS, UtilizationQuery, cancellations_report, utilization_report};
use sala_domain::reports::cancellations::{Notice, NoticeRow, ReasonRow};
use sala_domain::reports::{DayRow, Figures, HourRow, RoomRow};
use sala_domain::{ErrorCode, Locale, Room, RoomId};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/reports", get(page))
}

/// The form's fields as typed (all optional; a bare `/admin/reports` is the last 30 days).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportsQuery {
    preset: String,
    from: String,
    to: String,
    room_id: String,
    location: String,
}

/// The range presets, by the code the form sends.
const PRESETS: [&str; 7] =
    ["last_7_days", "last_30_days", "this_month", "last_month", "last_90_days", "this_year", "last_12_months"];

/// The dates `preset` covers, counted back from `today` (included).
fn preset_range(preset: &str, today: Date) -> Option<(Date, Date)> {
    let back = |days: i64| today.checked_sub(days.days()).ok();
    let first_of_month = today.first_of_month();
    match preset {
        "last_7_days" => Some((back(6)?, today)),
        "last_30_days" => Some((back(29)?, today)),
        "last_90_days" => Some((back(89)?, today)),
        "this_month" => Some((first_of_month, today)),
        "last_month" => {
            let end = first_of_month.yesterday().ok()?;
            Some((end.first_of_month(), end))
        }
        "this_year" => Some((today.first_of_year(), today)),
        "last_12_months" => Some((today.checked_sub(Span::new().years(1)).ok()?.tomorrow().ok()?, today)),
        _ => None,
    }
}

fn preset_label(t: &Texts, preset: &str) -> &'static str {
    match preset {
        "last_7_days" => t.reports_last_7_days,
        "last_30_days" => t.reports_last_30_days,
        "this_month" => t.reports_this_month,
        "last_month" => t.reports_last_month,
        "last_90_days" => t.reports_last_90_days,
        "this_year" => t.reports_this_year,
        _ => t.reports_last_12_months,
    }
}

/// What the form shows: the fields as they were sent (or the preset's dates), and the choices.
pub struct FormView {
    pub preset: String,
    pub from: String,
    pub to: String,
    pub room_id: String,
    pub location: String,
    pub presets: Vec<(&'static str, &'static str)>,
    /// The rooms (id, name), in service or not: a report may cover a room taken out since.
    pub rooms: Vec<(String, String)>,
    pub locations: Vec<String>,
}

/// A row of figures, worded for the reader.
pub struct FigureRow {
    pub label: String,
    pub booked: String,
    pub bookable: String,
    pub percent: String,
}

/// A count by something (a reason, a notice), worded.
pub struct CountRow {
    pub label: String,
    pub count: String,
}

/// A link to one of the CSV exports.
pub struct CsvLink {
    pub label: &'static str,
    pub href: String,
}

pub struct ReportView {
    pub from: String,
    pub to: String,
    pub zone: String,
    pub total: FigureRow,
    pub by_room: Vec<FigureRow>,
    pub room_chart: svg::HBars,
    pub by_day: Vec<FigureRow>,
    pub day_chart: svg::Columns,
    /// The weekday x hour cells that can be booked: label "lunes 09:00".
    pub by_hour: Vec<FigureRow>,
    pub heatmap: svg::Heatmap,
    pub by_location: Vec<FigureRow>,
    pub bookings: String,
    pub cancelled: String,
    pub cancellation_rate: String,
    pub average_lead: String,
    pub average_duration: String,
    pub by_reason: Vec<CountRow>,
    pub reason_chart: svg::HBars,
    pub by_notice: Vec<CountRow>,
    pub notice_chart: svg::HBars,
    pub csv: Vec<CsvLink>,
}

#[derive(Template)]
#[template(path = "admin/reports.html")]
pub struct ReportsPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub tab: Tab,
    pub notice: Option<&'static str>,
    pub problems: Vec<String>,
    pub form: FormView,
    pub report: Option<ReportView>,
    /// The bar chart's fixed geometry, for the template.
    pub bar_x: u32,
    pub label_x: u32,
    pub bar_height: u32,
    pub width: u32,
}

/// Why the page shows no report: the words, and the status it answers with.
struct Refusal {
    status: StatusCode,
    message: String,
}

impl Refusal {
    fn invalid(message: impl Into<String>) -> Self {
        Self { status: StatusCode::UNPROCESSABLE_ENTITY, message: message.into() }
    }
}

/// What to report on, read from the form.
struct Asked {
    from: Date,
    to: Date,
    room_id: Option<RoomId>,
    /// The chosen location (when no single room is chosen).
    location: Option<String>,
}

async fn page(State(state): State<AppState>, AdminPage(shell): AdminPage, Query(q): Query<ReportsQuery>) -> Response {
    let t = shell.t;
    let ctx = shell.ctx();
    let rooms = match sala_app::rooms::list_rooms(state.store(), &ctx, true).await {
        Ok(rooms) => rooms,
        Err(err) => return show_error(t, &err),
    };
    let zone = shell.tenant.time_zone.clone();
    let today = sala_domain::dates::zoned(sala_domain::now_millis(), &zone)
        .map_or_else(|| jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date(), |z| z.date());
    let mut form = form_view(t, &q, &rooms);
    let asked = read_form(t, &q, today, &rooms, &mut form);
    let (report, status, problems) = match asked {
        Err(refusal) => (None, refusal.status, vec![refusal.message]),
        Ok(asked) => match report(&state, &shell, &asked, &rooms, &zone).await {
            Ok(view) => (Some(view), StatusCode::OK, Vec::new()),
            Err(ReportFailure::Refused(refusal)) => (None, refusal.status, vec![refusal.message]),
            Err(ReportFailure::Failed(err)) => return show_error(t, &err),
        },
    };
    let page = ReportsPage {
        t,
        shell,
        tab: Tab::Reports,
        notice: None,
        problems,
        form,
        report,
        bar_x: svg::BAR_X,
        label_x: svg::LABEL_X,
        bar_height: svg::BAR_HEIGHT_ATTR,
        width: svg::WIDTH,
    };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}

fn form_view(t: &Texts, q: &ReportsQuery, rooms: &[Room]) -> FormView {
    let mut locations: Vec<String> =
        rooms.iter().filter_map(|r| r.location.clone()).filter(|l| !l.is_empty()).collect();
    locations.sort();
    locations.dedup();
    FormView {
        preset: q.preset.trim().to_owned(),
        from: q.from.trim().to_owned(),
        to: q.to.trim().to_owned(),
        room_id: q.room_id.trim().to_owned(),
        location: q.location.trim().to_owned(),
        presets: PRESETS.iter().map(|p| (*p, preset_label(t, p))).collect(),
        rooms: rooms.iter().map(|r| (r.id.to_string(), r.name.clone())).collect(),
        locations,
    }
}

/// The dates, room and location the form asks for; the preset's dates are written into the form.
fn read_form(t: &Texts, q: &ReportsQuery, today: Date, rooms: &[Room], form: &mut FormView) -> Result<Asked, Refusal> {
    let (from, to) = if form.preset.is_empty() && form.from.is_empty() && form.to.is_empty() {
        form.preset = "last_30_days".to_owned();
        preset_range("last_30_days", today).ok_or_else(|| Refusal::invalid(t.refusal(ErrorCode::InvalidRange)))?
    } else if form.preset.is_empty() {
        let date =
            |raw: &str| raw.parse::<Date>().map_err(|_| Refusal::invalid(t.reports_bad_date.replace("{date}", raw)));
        (date(&form.from)?, date(&form.to)?)
    } else {
        preset_range(&form.preset, today).ok_or_else(|| Refusal::invalid(t.reports_bad_preset))?
    };
    form.from = from.to_string();
    form.to = to.to_string();
    if from > to {
        return Err(Refusal::invalid(t.reports_reversed));
    }
    if from.until(to).map(|span| span.get_days()).unwrap_or(i32::MAX) >= MAX_DAYS {
        return Err(Refusal::invalid(t.reports_too_long));
    }
    let room_id = match q.room_id.trim() {
        "" => None,
        raw => Some(
            raw.parse::<RoomId>()
                .map_err(|_| Refusal { status: StatusCode::NOT_FOUND, message: t.reports_unknown_room.to_owned() })?,
        ),
    };
    let location = match (room_id, form.location.as_str()) {
        (None, location) if !location.is_empty() => {
            if !rooms.iter().any(|r| r.location.as_deref() == Some(location)) {
                return Err(Refusal { status: StatusCode::NOT_FOUND, message: t.reports_unknown_location.to_owned() });
            }
            Some(location.to_owned())
        }
        _ => None,
    };
    Ok(Asked { from, to, room_id, location })
}

enum ReportFailure {
    Refused(Refusal),
    Failed(AppError),
}

impl ReportFailure {
    fn of(t: &Texts, err: AppError) -> Self {
        match err {
            AppError::NotFound { what: "room" } => {
                Self::Refused(Refusal { status: StatusCode::NOT_FOUND, message: t.reports_unknown_room.to_owned() })
            }
            AppError::BadInput { code, .. } => Self::Refused(Refusal::invalid(t.refusal(code))),
            AppError::Invalid(fields) => {
                Self::Refused(Refusal::invalid(fields.iter().map(|f| t.refusal(f.code)).collect::<Vec<_>>().join(" ")))
            }
            other => Self::Failed(other),
        }
    }
}

/// The figures asked for: of one room, of the rooms of one location, or of every room.
async fn report(
    state: &AppState,
    shell: &Shell,
    asked: &Asked,
    rooms: &[Room],
    zone: &sala_domain::TimeZoneName,
) -> Result<ReportView, ReportFailure> {
    let (t, ctx, store) = (shell.t, shell.ctx(), state.store());
    let query = || UtilizationQuery {
        from: asked.from,
        to: asked.to,
        room_id: asked.room_id,
        location: asked.location.clone(),
    };
    let report = utilization_report(store, &ctx, query()).await.map_err(|e| ReportFailure::of(t, e))?;
    let cancellations = cancellations_report(store, &ctx, query()).await.map_err(|e| ReportFailure::of(t, e))?;
    let (figures, by_location) = (report.figures, report.by_location);
    let locale = shell.locale;
    let csv_query = |group_by: &str| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("from", &asked.from.to_string()).append_pair("to", &asked.to.to_string());
        if let Some(room) = asked.room_id {
            query.append_pair("room_id", &room.to_string());
        }
        if let Some(location) = &asked.location {
            query.append_pair("location", location);
        }
        query.append_pair("group_by", group_by).append_pair("format", "csv");
        format!("/api/v1/reports/utilization?{}", query.finish())
    };
    let csv = vec![
        CsvLink { label: t.reports_csv_room, href: csv_query("room") },
        CsvLink { label: t.reports_csv_location, href: csv_query("location") },
        CsvLink { label: t.reports_csv_day, href: csv_query("day") },
        CsvLink { label: t.reports_csv_hour, href: csv_query("weekday_hour") },
    ];
    Ok(ReportView {
        from: asked.from.to_string(),
        to: asked.to.to_string(),
        zone: zone.as_str().to_owned(),
        total: figure_row(locale, t.reports_total.to_owned(), &figures.total),
        by_room: Vec::new(),
        room_chart: svg::hbars(Vec::new()),
        by_day: Vec::new(),
        day_chart: svg::columns(Vec::new(), |s| percent(locale, s)),
        by_hour: Vec::new(),
        heatmap: svg::heatmap(Vec::new(), [""; 7]),
        by_location: location_rows(t, locale, &by_location),
        bookings: integer(locale, i64::try_from(cancellations.bookings).unwrap_or(i64::MAX)),
        cancelled: integer(locale, i64::try_from(cancellations.cancelled).unwrap_or(i64::MAX)),
        cancellation_rate: percent(locale, cancellations.cancellation_rate),
        average_lead: integer(locale, cancellations.average_lead_minutes),
        average_duration: integer(locale, cancellations.average_duration_minutes),
        by_reason: Vec::new(),
        reason_chart: svg::hbars(Vec::new()),
        by_notice: Vec::new(),
        notice_chart: svg::hbars(Vec::new()),
        csv,
    }
    .with_rooms(t, locale, &figures.by_room, rooms)
    .with_days(t, locale, &figures.by_day)
    .with_hours(t, locale, &figures.by_weekday_hour)
    .with_cancellations(t, locale, &cancellations.by_reason, &cancellations.by_notice))
}

impl ReportView {
    /// Utilization by room, highest first (then by name).
    fn with_rooms(mut self, t: &Texts, locale: Locale, rows: &[RoomRow], rooms: &[Room]) -> Self {
        let name = |id: RoomId| rooms.iter().find(|r| r.id == id).map_or_else(|| id.to_string(), |r| r.name.clone());
        let mut named: Vec<(String, Figures)> = rows.iter().map(|r| (name(r.room_id), r.figures)).collect();
        named.sort_by(|a, b| b.1.utilization.total_cmp(&a.1.utilization).then_with(|| a.0.cmp(&b.0)));
        self.room_chart = svg::hbars(
            named
                .iter()
                .map(|(name, f)| svg::BarInput {
                    label: name.clone(),
                    share: f.utilization,
                    value: percent(locale, f.utilization),
                    title: figures_title(t, locale, name, f),
                })
                .collect(),
        );
        self.by_room = named.into_iter().map(|(name, f)| figure_row(locale, name, &f)).collect();
        self
    }

    fn with_days(mut self, t: &Texts, locale: Locale, rows: &[DayRow]) -> Self {
        self.day_chart = svg::columns(
            rows.iter()
                .map(|r| svg::ColumnInput {
                    label: short_date(r.date),
                    share: r.figures.utilization,
                    title: figures_title(t, locale, &r.date.to_string(), &r.figures),
                })
                .collect(),
            |share| percent(locale, share),
        );
        self.by_day = rows.iter().map(|r| figure_row(locale, r.date.to_string(), &r.figures)).collect();
        self
    }

    fn with_hours(mut self, t: &Texts, locale: Locale, rows: &[HourRow]) -> Self {
        let days = weekday_names(locale);
        let label = |r: &HourRow| format!("{} {:02}:00", days[usize::from(r.weekday.min(6))], r.hour);
        self.heatmap = svg::heatmap(
            rows.iter()
                .map(|r| svg::CellInput {
                    weekday: r.weekday,
                    hour: r.hour,
                    bookable_minutes: r.figures.bookable_minutes,
                    share: r.figures.utilization,
                    title: if r.figures.bookable_minutes > 0 {
                        figures_title(t, locale, &label(r), &r.figures)
                    } else {
                        format!("{}: {}", label(r), t.reports_closed)
                    },
                })
                .collect(),
            days,
        );
        self.by_hour = rows
            .iter()
            .filter(|r| r.figures.bookable_minutes > 0)
            .map(|r| figure_row(locale, label(r), &r.figures))
            .collect();
        self
    }

    fn with_cancellations(mut self, t: &Texts, locale: Locale, reasons: &[ReasonRow], notices: &[NoticeRow]) -> Self {
        let reason =
            |r: &ReasonRow| if r.reason.is_empty() { t.reports_no_reason.to_owned() } else { r.reason.clone() };
        let most = reasons.iter().map(|r| r.count).max().unwrap_or(0);
        self.reason_chart = svg::hbars(reasons.iter().map(|r| count_bar(locale, reason(r), r.count, most)).collect());
        self.by_reason =
            reasons.iter().map(|r| CountRow { label: reason(r), count: integer(locale, count(r.count)) }).collect();
        let most = notices.iter().map(|n| n.count).max().unwrap_or(0);
        self.notice_chart = svg::hbars(
            notices.iter().map(|n| count_bar(locale, notice_label(t, n.notice).to_owned(), n.count, most)).collect(),
        );
        self.by_notice = notices
            .iter()
            .map(|n| CountRow { label: notice_label(t, n.notice).to_owned(), count: integer(locale, count(n.count)) })
            .collect();
        self
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn count_bar(locale: Locale, label: String, n: u64, most: u64) -> svg::BarInput {
    let share = if most == 0 { 0.0 } else { n as f64 / most as f64 };
    let value = integer(locale, count(n));
    svg::BarInput { title: format!("{label}: {value}"), label, share, value }
}

fn notice_label(t: &Texts, notice: Notice) -> &'static str {
    match notice {
        Notice::AfterStart => t.reports_notice_after_start,
        Notice::UnderAnHour => t.reports_notice_under_an_hour,
        Notice::UnderADay => t.reports_notice_under_a_day,
        Notice::UnderAWeek => t.reports_notice_under_a_week,
        Notice::AWeekOrMore => t.reports_notice_a_week_or_more,
    }
}

fn weekday_names(locale: Locale) -> [&'static str; 7] {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map(|code| crate::i18n::words::weekday_name(locale, code))
}

/// `03-14` for the chart's axis (the table has the whole date).
fn short_date(date: Date) -> String {
    format!("{:02}-{:02}", date.month(), date.day())
}

fn location_rows(t: &Texts, locale: Locale, rows: &[LocationRow]) -> Vec<FigureRow> {
    rows.iter()
        .map(|r| {
            let label = if r.location.is_empty() { t.reports_no_location.to_owned() } else { r.location.clone() };
            figure_row(locale, label, &r.figures)
        })
        .collect()
}

fn figure_row(locale: Locale, label: String, f: &Figures) -> FigureRow {
    FigureRow {
        label,
        booked: integer(locale, f.booked_minutes),
        bookable: integer(locale, f.bookable_minutes),
        percent: percent(locale, f.utilization),
    }
}

/// "Sala Norte: 12,5 % (90 / 720 min)".
fn figures_title(t: &Texts, locale: Locale, what: &str, f: &Figures) -> String {
    t.reports_figures_title
        .replace("{what}", what)
        .replace("{percent}", &percent(locale, f.utilization))
        .replace("{booked}", &integer(locale, f.booked_minutes))
        .replace("{bookable}", &integer(locale, f.bookable_minutes))
}

/// A share (0-1) as a percentage with one decimal, as the locale writes it: "12,5 %", "12.5%".
pub(crate) fn percent(locale: Locale, share: f64) -> String {
    let tenths = (share * 1000.0).round() as i64;
    let (whole, tenth) = (tenths / 10, (tenths % 10).abs());
    match locale {
        Locale::Es => format!("{},{tenth} %", integer(locale, whole)),
        Locale::En => format!("{}.{tenth}%", integer(locale, whole)),
    }
}

/// A whole number with the locale's thousands separator: "16.560" (Spanish groups from five
/// digits on: "1440"), "16,560".
pub(crate) fn integer(locale: Locale, n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let (separator, from) = match locale {
        Locale::Es => ('.', 5),
        Locale::En => (',', 4),
    };
    let mut out = String::new();
    if digits.len() >= from {
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(separator);
            }
            out.push(c);
        }
    } else {
        out = digits;
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn numbers_read_as_each_language_writes_them() {
        assert_eq!(percent(Locale::Es, 0.125), "12,5 %");
        assert_eq!(percent(Locale::En, 0.125), "12.5%");
        assert_eq!(percent(Locale::Es, 0.0625), "6,3 %");
        assert_eq!(percent(Locale::Es, 1.0), "100,0 %");
        assert_eq!(percent(Locale::En, 0.0), "0.0%");
        assert_eq!(integer(Locale::Es, 1440), "1440");
        assert_eq!(integer(Locale::Es, 16560), "16.560");
        assert_eq!(integer(Locale::En, 1440), "1,440");
        assert_eq!(integer(Locale::En, 1_234_567), "1,234,567");
        assert_eq!(integer(Locale::En, 999), "999");
        assert_eq!(integer(Locale::Es, -16560), "-16.560");
    }

    #[test]
    fn presets_count_back_from_today() {
        let today = date(2027, 3, 14);
        assert_eq!(preset_range("last_7_days", today), Some((date(2027, 3, 8), today)));
        assert_eq!(preset_range("last_30_days", today), Some((date(2027, 2, 13), today)));
        assert_eq!(preset_range("last_90_days", today), Some((date(2026, 12, 15), today)));
        assert_eq!(preset_range("this_month", today), Some((date(2027, 3, 1), today)));
        assert_eq!(preset_range("last_month", today), Some((date(2027, 2, 1), date(2027, 2, 28))));
        assert_eq!(preset_range("last_month", date(2027, 1, 5)), Some((date(2026, 12, 1), date(2026, 12, 31))));
        assert_eq!(preset_range("this_year", today), Some((date(2027, 1, 1), today)));
        assert_eq!(preset_range("last_12_months", today), Some((date(2026, 3, 15), today)));
        assert_eq!(preset_range("yesterday", today), None);
        for preset in PRESETS {
            assert!(preset_range(preset, today).is_some(), "{preset}");
        }
    }
}
