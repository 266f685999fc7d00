//! Calendar feeds: made, listed and revoked through the API with who may do what and clear
//! refusals of bad input; served at their secret URL as `text/calendar` (series as a rule with
//! overrides and exceptions, cancelled bookings gone, nothing of another organization, other
//! people's meetings as nameless busy blocks in a person's room feed) with an ETag answered 304;
//! and a booking's own `.ics` download. (The e2e suite parses the same feeds with ical.js.)

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use reqwest::{Method, RequestBuilder, StatusCode};
use sala_domain::{User, now_millis};
use serde_json::{Value, json};

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;

fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms / HOUR * HOUR).unwrap().to_string()
}

/// An API request as a signed-in person (session cookie, CSRF header on changes).
async fn as_person(app: &TestApp, user: &User, method: Method, path: &str) -> RequestBuilder {
    let csrf = "t".repeat(43);
    app.request(method, path)
        .header("cookie", format!("sala_session={}; sala_csrf={csrf}", app.session(user).await))
        .header("x-csrf-token", csrf)
}

/// Makes a feed; its URL's path (`/feeds/<token>.ics`).
async fn made(response: reqwest::Response) -> (String, String) {
    let (status, body) = json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let url = body["url"].as_str().unwrap();
    assert!(url.ends_with(".ics"), "{url}");
    (body["id"].as_str().unwrap().to_owned(), url[url.find("/feeds/").unwrap()..].to_owned())
}

/// Fetches a feed: status and body, with unfolded lines.
async fn fetch(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.request(Method::GET, path).send().await.unwrap();
    (response.status(), response.text().await.unwrap().replace("\r\n ", ""))
}

/// Asserts a 422 whose field error has this code; returns the field.
async fn refused(response: reqwest::Response, code: &str) -> String {
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], code, "{problem}");
    problem["errors"][0]["field"].as_str().unwrap().to_owned()
}

async fn book(app: &TestApp, key: &str, body: Value) -> Value {
    let (status, created) =
        json(app.api(Method::POST, "/api/v1/bookings", key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

async fn room(app: &TestApp, key: &str, name: &str) -> String {
    let response = app.api(Method::POST, "/api/v1/rooms", key).json(&json!({"name": name, "capacity": 6}));
    let (status, room) = json(response.send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    room["id"].as_str().unwrap().to_owned()
}

async fn feeds_are_made_listed_and_revoked_by_who_may(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let globex = app.tenant("Globex", "globex.test").await;
    let ana = app.user(&acme, "ana@acme.test", "Ana", "admin").await;
    let maria = app.user(&acme, "maria@acme.test", "María", "member").await;
    let juan = app.user(&acme, "juan@acme.test", "Juan", "member").await;
    let key = app.api_key(&acme).await;
    let their_key = app.api_key(&globex).await;
    let sala = room(&app, &key, "Sala Norte").await;
    let theirs = room(&app, &their_key, "Globex Room").await;
    let post = |body: Value| app.api(Method::POST, "/api/v1/feeds", &key).json(&body).send();

    // Bad input: each refused with its own code, nothing made.
    assert_eq!(refused(post(json!({"scope": "me"})).await.unwrap(), "feed_needs_person").await, "scope");
    assert_eq!(refused(post(json!({"scope": "everyone"})).await.unwrap(), "invalid_feed_scope").await, "scope");
    assert_eq!(refused(post(json!({"scope": "room"})).await.unwrap(), "required").await, "room_id");
    let foreign = post(json!({"scope": "room", "room_id": theirs})).await.unwrap();
    assert_eq!(refused(foreign, "unknown_room").await, "room_id");
    let needless = post(json!({"scope": "organization", "room_id": sala})).await.unwrap();
    assert_eq!(refused(needless, "validation_failed").await, "room_id");
    expect_problem(
        post(json!({"scope": "room", "room_id": "not-a-uuid"})).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    expect_problem(post(json!({"scope": 7})).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;

    // A member makes `me` and `room` feeds, not an organization's; a key and an admin may.
    let as_maria = |method: Method, path: &'static str| as_person(&app, &maria, method, path);
    expect_problem(
        as_maria(Method::POST, "/api/v1/feeds").await.json(&json!({"scope": "organization"})).send().await.unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let (mine, mine_path) =
        made(as_maria(Method::POST, "/api/v1/feeds").await.json(&json!({"scope": "me"})).send().await.unwrap()).await;
    let (_, room_path) = made(
        as_maria(Method::POST, "/api/v1/feeds")
            .await
            .json(&json!({"scope": "room", "room_id": sala}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (org, org_path) = made(post(json!({"scope": "organization"})).await.unwrap()).await;
    made(
        as_person(&app, &ana, Method::POST, "/api/v1/feeds")
            .await
            .json(&json!({"scope": "organization"}))
            .send()
            .await
            .unwrap(),
    )
    .await;

    // Each lists their own, never with a URL or token.
    let (status, listed) = json(as_maria(Method::GET, "/api/v1/feeds").await.send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let scopes: Vec<&str> = listed.as_array().unwrap().iter().map(|f| f["scope"].as_str().unwrap()).collect();
    assert_eq!(scopes, ["me", "room"], "{listed}");
    assert_eq!(listed[1]["room_id"], json!(sala));
    assert!(!listed.to_string().contains("/feeds/"), "no URL: {listed}");
    let (_, by_key) = json(app.api(Method::GET, "/api/v1/feeds", &key).send().await.unwrap()).await;
    assert_eq!(by_key.as_array().unwrap().len(), 1, "{by_key}");
    assert_eq!(by_key[0]["id"], json!(org));
    let (_, by_them) = json(app.api(Method::GET, "/api/v1/feeds", &their_key).send().await.unwrap()).await;
    assert_eq!(by_them, json!([]), "another organization sees none");

    // Every feed answers while it lives.
    for path in [&mine_path, &room_path, &org_path] {
        assert_eq!(fetch(&app, path).await.0, StatusCode::OK, "{path}");
    }

    // Revoked: by someone else of the tenant it is not found; by its maker gone, and its URL 404.
    let delete_mine = format!("/api/v1/feeds/{mine}");
    let juan_deletes = as_person(&app, &juan, Method::DELETE, &delete_mine).await.send().await.unwrap();
    expect_problem(juan_deletes, StatusCode::NOT_FOUND, "not_found").await;
    let theirs_deletes = app.api(Method::DELETE, &delete_mine, &their_key).send().await.unwrap();
    expect_problem(theirs_deletes, StatusCode::NOT_FOUND, "not_found").await;
    let response = as_person(&app, &maria, Method::DELETE, &delete_mine).await.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(fetch(&app, &mine_path).await.0, StatusCode::NOT_FOUND, "revoked");
    let again = as_person(&app, &maria, Method::DELETE, &delete_mine).await.send().await.unwrap();
    expect_problem(again, StatusCode::NOT_FOUND, "not_found").await;
    // An admin cuts off anyone's feed (a leaked URL).
    let key_feed = format!("/api/v1/feeds/{org}");
    let response = as_person(&app, &ana, Method::DELETE, &key_feed).await.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(fetch(&app, &org_path).await.0, StatusCode::NOT_FOUND);

    // Unknown and malformed tokens: a plain 404, like a revoked one.
    for path in ["/feeds/nothing.ics", "/feeds/", "/feeds/abc", &room_path.replace(".ics", "")] {
        assert_eq!(fetch(&app, path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    let response = app.api(Method::DELETE, "/api/v1/feeds/not-a-uuid", &key).send().await.unwrap();
    assert!(response.status().is_client_error());

    // A deactivated person's feeds stop answering.
    let response = app.api(Method::PATCH, &format!("/api/v1/users/{}", maria.id), &key).json(&json!({"active": false}));
    assert_eq!(response.send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(fetch(&app, &room_path).await.0, StatusCode::NOT_FOUND, "maker deactivated");

    // Audited: made and deleted, never with a token.
    let (_, audit) = json(app.api(Method::GET, "/api/v1/audit?limit=100", &key).send().await.unwrap()).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("feed."))
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "feed.created").count(), 4, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "feed.deleted").count(), 2, "{actions:?}");
}
both!(feeds_are_made_listed_and_revoked_by_who_may);

async fn a_feed_holds_what_its_maker_may_see(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let globex = app.tenant("Globex", "globex.test").await;
    app.user(&acme, "ana@acme.test", "Ana", "admin").await;
    let maria = app.user(&acme, "maria@acme.test", "María", "member").await;
    app.user(&acme, "juan@acme.test", "Juan", "member").await;
    app.user(&globex, "gina@globex.test", "Gina", "member").await;
    let key = app.api_key(&acme).await;
    let their_key = app.api_key(&globex).await;
    let sala = room(&app, &key, "Sala Norte").await;
    let theirs = room(&app, &their_key, "Globex Room").await;

    // A weekly series of four that María is invited to: the second moved an hour later, the
    // third cancelled. Juan's own meeting in the room, a cancelled one, and Globex's.
    let start = (now_millis() / DAY + 2) * DAY + 9 * HOUR;
    let series = book(
        &app,
        &key,
        json!({"room_id": sala, "title": "Weekly sync", "start": iso(start), "end": iso(start + HOUR),
               "organizer": "ana@acme.test", "attendees": [{"email": "maria@acme.test"}],
               "recurrence": {"frequency": "weekly", "count": 4}}),
    )
    .await;
    let occurrences = series["occurrences"].as_array().unwrap();
    assert_eq!(occurrences.len(), 4, "{series}");
    let second = occurrences[1]["id"].as_str().unwrap();
    let moved = app
        .api(Method::PATCH, &format!("/api/v1/bookings/{second}"), &key)
        .json(&json!({"start": iso(start + 7 * DAY + HOUR), "end": iso(start + 7 * DAY + 2 * HOUR)}));
    assert_eq!(moved.send().await.unwrap().status(), StatusCode::OK);
    let third = occurrences[2]["id"].as_str().unwrap();
    let cancelled = app.api(Method::DELETE, &format!("/api/v1/bookings/{third}"), &key).send().await.unwrap();
    assert_eq!(cancelled.status(), StatusCode::OK);
    let private = json!({"room_id": sala, "title": "Juan private review", "start": iso(start + 3 * HOUR),
                         "end": iso(start + 4 * HOUR), "organizer": "juan@acme.test"});
    book(&app, &key, private).await;
    let gone = book(
        &app,
        &key,
        json!({"room_id": sala, "title": "Called off", "start": iso(start + 5 * HOUR), "end": iso(start + 6 * HOUR),
               "organizer": "juan@acme.test"}),
    )
    .await;
    let gone_id = gone["id"].as_str().unwrap();
    assert_eq!(
        app.api(Method::DELETE, &format!("/api/v1/bookings/{gone_id}"), &key).send().await.unwrap().status(),
        StatusCode::OK
    );
    book(
        &app,
        &their_key,
        json!({"room_id": theirs, "title": "Globex secret", "start": iso(start), "end": iso(start + HOUR),
               "organizer": "gina@globex.test"}),
    )
    .await;

    let as_maria = || as_person(&app, &maria, Method::POST, "/api/v1/feeds");
    let (_, mine) = made(as_maria().await.json(&json!({"scope": "me"})).send().await.unwrap()).await;
    let room_feed = json!({"scope": "room", "room_id": sala});
    let (_, rooms) = made(as_maria().await.json(&room_feed).send().await.unwrap()).await;
    let (_, org) = made(
        app.api(Method::POST, "/api/v1/feeds", &key).json(&json!({"scope": "organization"})).send().await.unwrap(),
    )
    .await;

    // The person's own meetings: the series as one rule with its override and exception.
    let response = app.request(Method::GET, &mine).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/calendar; charset=utf-8");
    assert!(response.headers()["cache-control"].to_str().unwrap().contains("private"));
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let body = response.text().await.unwrap().replace("\r\n ", "");
    let series_id = series["series_id"].as_str().unwrap();
    let uid = format!("UID:{series_id}@127.0.0.1");
    assert_eq!(body.matches(&uid).count(), 2, "the series and its moved occurrence: {body}");
    assert!(body.contains("METHOD:PUBLISH") && body.contains("BEGIN:VTIMEZONE"), "{body}");
    assert!(body.contains("X-WR-CALNAME:Sala · María"), "{body}");
    assert!(body.contains("RRULE:FREQ=WEEKLY;INTERVAL=1;COUNT=4"), "{body}");
    assert_eq!(body.matches("RECURRENCE-ID;TZID=").count(), 1, "{body}");
    assert_eq!(body.matches("EXDATE;TZID=").count(), 1, "the cancelled third: {body}");
    assert!(!body.contains("Juan private") && !body.contains("Called off") && !body.contains("Globex"), "{body}");
    assert!(body.contains("ATTENDEE;CN=María") || body.contains("mailto:maria@acme.test"), "{body}");

    // Unchanged: 304 for the same tag, with the tag; a change gives a new one.
    let response = app.request(Method::GET, &mine).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);
    assert!(response.text().await.unwrap().is_empty());
    let other_tag = app.request(Method::GET, &mine).header("if-none-match", "\"other\"").send().await.unwrap();
    assert_eq!(other_tag.status(), StatusCode::OK);
    let fourth = occurrences[3]["id"].as_str().unwrap();
    let retitled =
        app.api(Method::PATCH, &format!("/api/v1/bookings/{fourth}"), &key).json(&json!({"title": "Last sync"}));
    assert_eq!(retitled.send().await.unwrap().status(), StatusCode::OK);
    let response = app.request(Method::GET, &mine).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "changed");
    assert_ne!(response.headers()["etag"].to_str().unwrap(), etag);
    let body = response.text().await.unwrap().replace("\r\n ", "");
    assert_eq!(body.matches("RECURRENCE-ID;TZID=").count(), 2, "the retitled one is an override too: {body}");
    assert!(body.contains("SUMMARY:Last sync"));

    // The room, as María may see it: Juan's meeting is a busy block with no title or people.
    let (status, body) = fetch(&app, &rooms).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("SUMMARY:Weekly sync"), "{body}");
    assert!(!body.contains("Juan private") && !body.contains("juan@acme.test"), "{body}");
    assert_eq!(body.matches("BEGIN:VEVENT").count(), 4, "series, two overrides, Juan's block: {body}");
    assert!(!body.contains("Called off") && !body.contains("Globex"), "{body}");

    // The organization's (an API key's): every meeting of Acme, none of Globex, none cancelled.
    let (_, body) = fetch(&app, &org).await;
    assert!(body.contains("SUMMARY:Juan private review") && body.contains("SUMMARY:Weekly sync"), "{body}");
    assert!(!body.contains("Called off") && !body.contains("Globex"), "{body}");

    // A booking's own download: the whole series for an occurrence; only for who may see it.
    let session = app.session(&maria).await;
    let download = app
        .request(Method::GET, &format!("/bookings/{fourth}/calendar.ics"))
        .header("cookie", format!("sala_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()["content-type"], "text/calendar; charset=utf-8");
    assert!(download.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let body = download.text().await.unwrap().replace("\r\n ", "");
    assert!(body.contains("METHOD:PUBLISH") && body.contains(&uid) && body.contains("RRULE:"), "{body}");
    let (_, juans) = json(app.api(Method::GET, "/api/v1/bookings?limit=50", &key).send().await.unwrap()).await;
    let juans = juans["items"].as_array().unwrap().iter().find(|b| b["title"] == "Juan private review").unwrap();
    let refused = app
        .request(Method::GET, &format!("/bookings/{}/calendar.ics", juans["id"].as_str().unwrap()))
        .header("cookie", format!("sala_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND, "not hers to see");
}
both!(a_feed_holds_what_its_maker_may_see);

/// The pages: a person makes a feed of their meetings on the account page and sees its URL once
/// (with how to subscribe), then revokes it; an admin makes a room's feed on the room's page; a
/// form without the CSRF token changes nothing.
async fn the_pages_offer_feeds(app: TestApp) {
    use crate::web_app::{CSRF, browser};
    let acme = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&acme, "ana@acme.test", "Ana", "admin").await;
    let maria = app.user(&acme, "maria@acme.test", "María", "member").await;
    let key = app.api_key(&acme).await;
    let sala = room(&app, &key, "Sala Norte").await;
    let me = browser(&app, &maria).await;

    let (status, page) = me.get("/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Suscribirse a mis reuniones") && page.contains("No tienes direcciones"), "{page}");
    assert!(page.contains("<title>Mi cuenta · Sala</title>"), "the section once, in the page, not in its title");
    assert_eq!(page.matches(r#"id="feeds-title""#).count(), 1);
    assert!(!page.contains("name=\"scope\" value=\"organization\""), "members make no organization feed");
    let forged = me.post("/account/feeds", &[("csrf", &"x".repeat(43)), ("scope", "me")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let made = me.post("/account/feeds", &[("csrf", CSRF), ("scope", "me")]).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let once = made
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sala_once="));
    let once = once.unwrap().split(';').next().unwrap().to_owned();
    let shown = app
        .request(Method::GET, "/account")
        .header("cookie", format!("{}; {once}", me.cookie))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = shown.find("id=\"new-feed-url\">").unwrap() + "id=\"new-feed-url\">".len();
    let url = &shown[start..start + shown[start..].find('<').unwrap()];
    assert!(url.starts_with(&app.url) && url.ends_with(".ics"), "{url}");
    assert!(shown.contains("Google Calendar") && shown.contains("Outlook"), "how to subscribe");
    let path = &url[app.url.len()..];
    assert_eq!(fetch(&app, path).await.0, StatusCode::OK);
    let (_, again) = me.get("/account").await;
    assert!(!again.contains(url), "shown once");
    assert!(again.contains("Mis reuniones"), "listed: {again}");
    let (_, listed) = json(as_person(&app, &maria, Method::GET, "/api/v1/feeds").await.send().await.unwrap()).await;
    let id = listed[0]["id"].as_str().unwrap();
    let revoked = me.post(&format!("/account/feeds/{id}/delete"), &[("csrf", CSRF)]).await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(fetch(&app, path).await.0, StatusCode::NOT_FOUND);

    // An admin: the room's page makes the room's feed, listed on their account page.
    let admin = browser(&app, &ana).await;
    let made = admin.post(&format!("/admin/rooms/{sala}/feed"), &[("csrf", CSRF)]).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let (_, account) = admin.get("/account").await;
    assert!(
        account.contains("Sala: Sala Norte") && account.contains("name=\"scope\" value=\"organization\""),
        "{account}"
    );
    let not_admin = me.post(&format!("/admin/rooms/{sala}/feed"), &[("csrf", CSRF)]).await;
    assert_eq!(not_admin.status(), StatusCode::FORBIDDEN);
}
both!(the_pages_offer_feeds);
