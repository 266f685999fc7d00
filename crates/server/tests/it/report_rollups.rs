//! The report rollups stay in step with the bookings: after every kind of change (a booking
//! made, moved to another day and room, cancelled, released, checked in to, its people changed; a
//! room's bookable hours and seats; the organization's zone) each grouping of `GET
//! /api/v1/reports/utilization`, the cancellations, ghost meetings, right-sizing, top organizers
//! and external-guest share equal the reference computations over every booking
//! (`sala_domain::reports`), and so do concurrent refreshes racing a write.

use crate::both;
use crate::helpers::{TestApp, json};
use reqwest::{Method, StatusCode};
use sala_domain::attendance::{CheckIn, CheckInSource};
use sala_domain::reports::cancellations::{BookingFacts, cancellations};
use sala_domain::reports::ghosts::{GhostFacts, ghosts};
use sala_domain::reports::people::{PeopleFacts, external_guests, top_organizers};
use sala_domain::reports::sizing::{SizingFacts, SizingRoom, sizing};
use sala_domain::reports::{DateRange, ReportBooking, ReportRoom, Utilization, utilization};
use sala_domain::{Actor, BookingStatus, Tenant};
use sala_store::{BookingQuery, BookingWrite};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

const HOUR: i64 = 3_600_000;

struct World<'a> {
    app: &'a TestApp,
    key: String,
    tenant: Tenant,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
}

impl World<'_> {
    async fn tenant(&self) -> Tenant {
        self.app.store().get_tenant(self.tenant.id).await.unwrap().unwrap()
    }

    /// Every booking of the tenant.
    async fn bookings(&self) -> Vec<sala_domain::Booking> {
        let mut query = BookingQuery { limit: 500, ..Default::default() };
        let mut bookings = Vec::new();
        loop {
            let page = self.app.store().list_bookings(self.tenant.id, &query).await.unwrap();
            bookings.extend(page.iter().cloned());
            match page.last() {
                Some(last) if page.len() == 500 => query.after = Some((last.time.start, last.id)),
                _ => return bookings,
            }
        }
    }

    /// The reference figures over every booking of the tenant.
    async fn reference(&self) -> Utilization {
        let bookings: Vec<ReportBooking> = self.bookings().await.iter().map(ReportBooking::from).collect();
        let rooms: Vec<ReportRoom> =
            self.app.store().list_rooms(self.tenant.id, true).await.unwrap().iter().map(ReportRoom::from).collect();
        let range = DateRange::new(self.from, self.to).unwrap();
        utilization(&self.tenant().await.time_zone, range, &rooms, &bookings).unwrap()
    }

    /// The reference cancellations over the bookings starting in the range.
    async fn reference_cancellations(&self) -> Value {
        let zone = self.tenant().await.time_zone;
        let start = sala_domain::dates::day_start(self.from, &zone).unwrap();
        let end = sala_domain::dates::day_start(self.to.tomorrow().unwrap(), &zone).unwrap();
        let facts: Vec<BookingFacts> = self
            .bookings()
            .await
            .iter()
            .filter(|b| b.time.start >= start && b.time.start < end)
            .map(BookingFacts::from)
            .collect();
        serde_json::to_value(cancellations(&facts)).unwrap()
    }

    /// The bookings starting in the range, and the window's instants.
    async fn starting(&self) -> (Vec<sala_domain::Booking>, (i64, i64)) {
        let zone = self.tenant().await.time_zone;
        let start = sala_domain::dates::day_start(self.from, &zone).unwrap();
        let end = sala_domain::dates::day_start(self.to.tomorrow().unwrap(), &zone).unwrap();
        let mut bookings = self.bookings().await;
        bookings.retain(|b| b.time.start >= start && b.time.start < end);
        (bookings, (start, end))
    }

    /// Ghosts, sizing, organizers and external guests from the API equal the reference.
    async fn usage_agrees(&self, step: &str) {
        let (starting, (start, end)) = self.starting().await;
        let store = self.app.store();
        let attended: HashSet<_> =
            store.checked_in_bookings(self.tenant.id, start, end).await.unwrap().into_iter().collect();
        let rooms = store.list_rooms(self.tenant.id, true).await.unwrap();
        let ids: Vec<_> = rooms.iter().map(|r| r.id).collect();
        let facts: Vec<GhostFacts> =
            starting.iter().map(|b| GhostFacts::of(&ReportBooking::from(b), attended.contains(&b.id))).collect();
        let expected = ghosts(&ids, &facts, sala_domain::now_millis());
        let body = self.get("ghosts", "").await;
        assert_eq!(body["total"]["ghosts"], json!(expected.total.ghosts), "{step}: ghosts");
        assert_eq!(body["total"]["rooms_with_check_in"], json!(expected.rooms_with_check_in), "{step}");
        for (row, want) in body["by_room"].as_array().unwrap().iter().zip(&expected.by_room) {
            let got = (&row["check_in_used"], &row["bookings"], &row["ghosts"], &row["ghost_minutes"]);
            let f = &want.figures;
            let want = (&json!(want.check_in_used), &json!(f.bookings), &json!(f.ghosts), &json!(f.ghost_minutes));
            assert_eq!(got, want, "{step}: ghosts of a room");
        }
        assert!(expected.total.bookings > 0, "{step}: the ghost check is not vacuous");
        let sizing_rooms: Vec<SizingRoom> = rooms.iter().map(SizingRoom::from).collect();
        let sized = sizing(&sizing_rooms, &starting.iter().map(SizingFacts::from).collect::<Vec<_>>());
        assert_eq!(self.get("sizing", "").await, serde_json::to_value(&sized).unwrap(), "{step}: sizing");
        let people: Vec<PeopleFacts> = starting.iter().map(PeopleFacts::from).collect();
        assert_eq!(self.get("external-guests", "").await, serde_json::to_value(external_guests(&people)).unwrap());
        let top: Vec<(String, u64, i64)> =
            top_organizers(&people, 10).iter().map(|r| (r.organizer_id.to_string(), r.meetings, r.minutes)).collect();
        let got: Vec<(String, u64, i64)> = self.get("organizers", "&limit=10").await["organizers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["organizer_id"].as_str().unwrap().to_owned(),
                    r["meetings"].as_u64().unwrap(),
                    r["minutes"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, top, "{step}: organizers");
    }

    async fn get(&self, report: &str, more: &str) -> Value {
        let path = format!("/api/v1/reports/{report}?from={}&to={}{more}", self.from, self.to);
        let (status, body) = json(self.app.api(Method::GET, &path, &self.key).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    async fn rows(&self, group_by: &str) -> Vec<Value> {
        let path = format!("/api/v1/reports/utilization?from={}&to={}&group_by={group_by}", self.from, self.to);
        let (status, body) = json(self.app.api(Method::GET, &path, &self.key).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body.as_array().unwrap().clone()
    }

    /// Every grouping the API answers equals the reference; `step` names the change for failures.
    async fn agrees(&self, step: &str) {
        let expected = self.reference().await;
        let minutes =
            |row: &Value| (row["booked_minutes"].as_i64().unwrap(), row["bookable_minutes"].as_i64().unwrap());
        let by_room: HashMap<String, (i64, i64)> =
            self.rows("room").await.iter().map(|r| (r["room_id"].as_str().unwrap().to_owned(), minutes(r))).collect();
        for row in &expected.by_room {
            let figures = (row.figures.booked_minutes, row.figures.bookable_minutes);
            assert_eq!(by_room.get(&row.room_id.to_string()), Some(&figures), "{step}: room {}", row.room_id);
        }
        let by_day: Vec<(String, (i64, i64))> =
            self.rows("day").await.iter().map(|r| (r["date"].as_str().unwrap().to_owned(), minutes(r))).collect();
        let want: Vec<(String, (i64, i64))> = expected
            .by_day
            .iter()
            .map(|r| (r.date.to_string(), (r.figures.booked_minutes, r.figures.bookable_minutes)))
            .collect();
        assert_eq!(by_day, want, "{step}: by day");
        let hours: Vec<(i64, i64)> = self.rows("weekday_hour").await.iter().map(minutes).collect();
        let want: Vec<(i64, i64)> =
            expected.by_weekday_hour.iter().map(|r| (r.figures.booked_minutes, r.figures.bookable_minutes)).collect();
        assert_eq!(hours, want, "{step}: by weekday and hour");
        // Each room on each day adds up to the room's figures.
        let mut summed: HashMap<String, (i64, i64)> = HashMap::new();
        for row in self.rows("room_day").await {
            let sum = summed.entry(row["room_id"].as_str().unwrap().to_owned()).or_default();
            sum.0 += row["booked_minutes"].as_i64().unwrap();
            sum.1 += row["bookable_minutes"].as_i64().unwrap();
        }
        for row in &expected.by_room {
            let figures = (row.figures.booked_minutes, row.figures.bookable_minutes);
            assert_eq!(summed.get(&row.room_id.to_string()).copied().unwrap_or_default(), figures, "{step}: room_day");
        }
        assert!(expected.total.booked_minutes > 0, "{step}: the check is not vacuous");
        let path = format!("/api/v1/reports/cancellations?from={}&to={}", self.from, self.to);
        let (status, body) = json(self.app.api(Method::GET, &path, &self.key).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body, self.reference_cancellations().await, "{step}: cancellations");
        self.usage_agrees(step).await;
    }
}

/// `date` at `hour`:00 in Madrid, as Unix ms.
fn madrid(date: jiff::civil::Date, hour: i8) -> i64 {
    date.at(hour, 0, 0, 0)
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Madrid").unwrap())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).unwrap().to_string()
}

async fn rollups_follow_every_change(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let key = app.api_key(&tenant).await;
    let room = async |body: Value| {
        let (status, room) = json(app.api(Method::POST, "/api/v1/rooms", &key).json(&body).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{room}");
        room["id"].as_str().unwrap().to_owned()
    };
    let open = room(json!({"name": "Abierta", "capacity": 4})).await;
    let hours = json!({"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "09:00", "closes": "18:00"});
    let office = room(json!({"name": "Oficina", "capacity": 8, "bookable_hours": hours})).await;
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Madrid").unwrap()).date();
    let first = today.checked_add(jiff::Span::new().days(7)).unwrap();
    let world = World {
        app: &app,
        key: key.clone(),
        tenant: tenant.clone(),
        from: today.checked_sub(jiff::Span::new().days(21)).unwrap(),
        to: first.checked_add(jiff::Span::new().days(21)).unwrap(),
    };
    let maria = app.user(&tenant, "maria@acme.test", "María", "member").await;

    // Two weeks of history: meetings of two to five people, some with a client, half checked in.
    let mut past = Vec::new();
    for day in 1..15 {
        let date = today.checked_sub(jiff::Span::new().days(day)).unwrap();
        for (n, room) in [&open, &office].into_iter().enumerate() {
            let start = madrid(date, 9 + 2 * n as i8);
            let mut attendees =
                vec![sala_domain::Attendee { email: maria.email.clone(), name: None, user_id: Some(maria.id) }];
            for guest in 0..(day % 4) {
                let email = sala_domain::Email::parse(&format!("cliente{guest}@globex.test")).unwrap();
                attendees.push(sala_domain::Attendee { email, name: None, user_id: None });
            }
            let organizer = if day % 3 == 0 { &maria } else { &ana };
            past.push(sala_domain::Booking {
                tenant_id: tenant.id,
                room_id: room.parse().unwrap(),
                organizer_id: organizer.id,
                attendees,
                created_at: start - 3 * 24 * HOUR,
                updated_at: start - 3 * 24 * HOUR,
                ..sala_domain::booking::sample::booking(sala_domain::TimeRange { start, end: start + HOUR })
            });
        }
    }
    app.store().insert_bookings(BookingWrite::new(tenant.id, &past, &[], &[])).await.unwrap();
    let check_in = async |booking: &sala_domain::Booking| {
        let entry = sala_app::Context::system(tenant.id).audit("booking.checked_in", "booking", None, None, None);
        let check_in = CheckIn {
            tenant_id: tenant.id,
            booking_id: booking.id,
            email: maria.email.clone(),
            at: booking.time.start + 60_000,
            by: Actor::System,
            source: CheckInSource::Api,
        };
        assert!(app.store().record_check_in(&check_in, &[], &entry).await.unwrap());
    };
    for booking in past.iter().step_by(2).skip(1) {
        check_in(booking).await;
    }

    let book = async |room: &str, start: i64, end: i64| {
        let body = json!({"room_id": room, "title": "Reunión", "start": rfc3339(start), "end": rfc3339(end),
            "organizer": "ana@acme.test"});
        let (status, booking) =
            json(app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{booking}");
        booking["id"].as_str().unwrap().to_owned()
    };
    let mut ids = Vec::new();
    for day in 0..14 {
        let date = first.checked_add(jiff::Span::new().days(day)).unwrap();
        // The open room: a morning meeting and, every third day, one across midnight.
        ids.push(book(&open, madrid(date, 10), madrid(date, 10) + HOUR + HOUR / 2).await);
        if day % 3 == 0 {
            ids.push(book(&open, madrid(date, 22), madrid(date, 22) + 4 * HOUR).await);
        }
        // The office on weekdays: 09:00-12:00.
        if date.weekday().to_monday_zero_offset() < 5 {
            ids.push(book(&office, madrid(date, 9), madrid(date, 12)).await);
        }
    }
    world.agrees("made").await;

    // Moved to another day and room.
    // An edit as a client makes it: the booking's version, then the change.
    let edit = async |id: &str, body: Value| {
        let path = format!("/api/v1/bookings/{id}");
        let (_, before) = json(app.api(Method::GET, &path, &key).send().await.unwrap()).await;
        let response = app
            .api(Method::PATCH, &path, &key)
            .header("If-Match", format!("\"{}\"", before["version"]))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
    };
    let mut later = first.checked_add(jiff::Span::new().days(16)).unwrap();
    while later.weekday().to_monday_zero_offset() >= 4 {
        later = later.tomorrow().unwrap();
    }
    let body = json!({"room_id": office, "start": rfc3339(madrid(later, 14)), "end": rfc3339(madrid(later, 16))});
    edit(&ids[0], body).await;
    world.agrees("moved").await;

    // Cancelled.
    let response = app
        .api(Method::DELETE, &format!("/api/v1/bookings/{}", ids[1]), &key)
        .json(&json!({"reason": "ya no"}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    world.agrees("cancelled").await;

    // Released 20 minutes in, as the no-show check writes it.
    let booking_id: sala_domain::BookingId = ids[2].parse().unwrap();
    let booking = app.store().get_booking(tenant.id, booking_id).await.unwrap().unwrap();
    let released = sala_domain::Booking {
        status: BookingStatus::Released,
        updated_at: booking.time.start + 20 * 60_000,
        version: booking.version + 1,
        ..booking
    };
    let bookings = [released];
    app.store().update_bookings(BookingWrite::new(tenant.id, &bookings, &[], &[])).await.unwrap();
    world.agrees("released").await;

    // Someone checks in to a past meeting nobody had checked in to.
    check_in(&past[0]).await;
    world.agrees("checked in").await;

    // A meeting's people change: a client joins.
    edit(&ids[3], json!({"attendees": [{"email": "maria@acme.test"}, {"email": "cliente@globex.test"}]})).await;
    world.agrees("people changed").await;

    // The open room loses seats: its meetings are now too big for it.
    let seats = json!({"capacity": 2});
    let response = app.api(Method::PATCH, &format!("/api/v1/rooms/{open}"), &key).json(&seats).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
    world.agrees("seats changed").await;

    // The office's hours change: its history is recomputed.
    let hours = json!({"bookable_hours": {"days": ["mon", "tue", "wed", "thu"], "opens": "10:00", "closes": "17:00"}});
    let response = app.api(Method::PATCH, &format!("/api/v1/rooms/{office}"), &key).json(&hours).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
    world.agrees("hours changed").await;

    // The organization moves to another zone: every room is recomputed.
    let response = app
        .api(Method::PATCH, "/api/v1/settings", &key)
        .json(&json!({"time_zone": "America/Mexico_City"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
    world.agrees("zone changed").await;

    // Refreshes racing each other and a write: the figures still agree once they settle.
    let date = first.checked_add(jiff::Span::new().days(18)).unwrap();
    ids.push(book(&open, madrid(date, 8), madrid(date, 9)).await);
    let zone = world.tenant().await.time_zone;
    let refresh = || sala_app::reports::rollups::refresh(app.store(), tenant.id, &zone);
    let (a, b, _) = tokio::join!(refresh(), refresh(), book(&open, madrid(date, 11), madrid(date, 12)));
    let taken = a.unwrap().marks + b.unwrap().marks;
    assert!(taken <= 3, "each mark is taken in once: {taken}");
    world.agrees("raced").await;
    // Nothing is left behind.
    assert!(app.store().report_marks(tenant.id, 10).await.unwrap().is_empty());
}

both!(rollups_follow_every_change);
