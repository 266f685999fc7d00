//! Webhooks end to end: endpoints over the API, booking changes over the API, the job runner as
//! `sala serve` builds it, and a receiver on 127.0.0.1 that verifies Standard Webhooks
//! signatures with its own HMAC code (as any receiver's library would).

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use sala_domain::now_millis;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const HOUR: i64 = 3_600_000;

/// What the receiver got: headers of interest and the raw body.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) id: String,
    timestamp: String,
    signature: String,
    pub(crate) body: Vec<u8>,
}

#[derive(Clone, Default)]
pub(crate) struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    /// Statuses to answer, in order; 200 once they run out; 0 hangs for 3 s (longer than the
    /// server's 1 s timeout) before answering 200.
    answers: Arc<Mutex<Vec<u16>>>,
}

impl Receiver {
    pub(crate) async fn start() -> (Self, String) {
        let receiver = Self::default();
        let app = axum::Router::new().route("/hooks", axum::routing::post(receive)).with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    pub(crate) fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    fn answer(&self, statuses: &[u16]) {
        self.answers.lock().unwrap().extend_from_slice(statuses);
    }
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: axum::body::Bytes) -> impl IntoResponse {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    r.got.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: body.to_vec(),
    });
    let status = {
        let mut answers = r.answers.lock().unwrap();
        if answers.is_empty() { 200 } else { answers.remove(0) }
    };
    if status == 0 {
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        return (AxumStatus::OK, "too late");
    }
    (AxumStatus::from_u16(status).unwrap(), "ok")
}

/// Standard Webhooks verification as a receiver does it: the secret's bytes after `whsec_`,
/// HMAC-SHA256 over `id.timestamp.body`, any of the space-separated `v1,` signatures, and a
/// timestamp within five minutes.
pub(crate) fn verify(secret: &str, got: &Received, body: &[u8]) -> bool {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", got.id, got.timestamp).as_bytes());
    mac.update(body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let fresh = got.timestamp.parse::<i64>().is_ok_and(|t| (t - now_millis() / 1000).abs() < 300);
    fresh && got.signature.split(' ').any(|s| s == expected)
}

struct World {
    key: String,
    /// A key with the `read` scope only.
    reader: String,
    room: String,
}

async fn world(app: &TestApp) -> World {
    let tenant = app.tenant("Acme", "acme.test").await;
    app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let key = app.api_key(&tenant).await;
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Sala Norte", "capacity": 6}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let ctx = sala_app::Context::system(tenant.id);
    let reader = sala_app::api_keys::create_api_key(app.store(), &ctx, "reader", Some("read")).await.unwrap().secret;
    World { key, reader, room: room["id"].as_str().unwrap().to_owned() }
}

async fn book(app: &TestApp, w: &World, start: i64) -> Value {
    let iso = |ms: i64| jiff::Timestamp::from_millisecond(ms / 60_000 * 60_000).unwrap().to_string();
    let body = json!({"room_id": w.room, "title": "Demo con Globex", "start": iso(start), "end": iso(start + HOUR),
                      "organizer": "ana@acme.test", "external_ref": "crm-opp-42", "metadata": {"crm": "opp-42"}});
    let (status, booking) =
        json(app.api(Method::POST, "/api/v1/bookings", &w.key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    booking
}

/// A server that lets webhooks reach this machine (as `SALA_WEBHOOKS_ALLOW_PRIVATE=1` does).
pub(crate) async fn local_receivers(app: TestApp) -> TestApp {
    let kind = app.db.backend();
    drop(app);
    let db = match kind {
        "postgres" => sala_store::testing::fresh_postgres().await.expect("PostgreSQL was there a moment ago"),
        _ => sala_store::testing::fresh_sqlite().await,
    };
    TestApp::start(db, |s| {
        s.webhooks_allow_private = true;
        s.webhooks_timeout_seconds = 1;
    })
    .await
}

async fn signed_events_reach_the_receiver_once(app: TestApp) {
    let app = local_receivers(app).await;
    let w = world(&app).await;
    let (receiver, url) = Receiver::start().await;
    let (status, endpoint) = json(
        app.api(Method::POST, "/api/v1/webhooks", &w.key)
            .json(&json!({"url": url, "events": ["booking.created", "booking.cancelled"], "description": "CRM"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{endpoint}");
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let id = endpoint["id"].as_str().unwrap().to_owned();
    let (_, listed) = json(app.api(Method::GET, "/api/v1/webhooks", &w.key).send().await.unwrap()).await;
    assert!(listed[0].get("secret").is_none(), "the secret is shown once");

    let runner = app.runner();
    let booking = book(&app, &w, now_millis() + 30 * HOUR).await;
    app.run_jobs_at(&runner, now_millis()).await;
    let got = receiver.got();
    assert_eq!(got.len(), 1);
    assert!(verify(&secret, &got[0], &got[0].body), "{got:?}");
    let event: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(event["type"], "booking.created");
    assert_eq!(event["data"]["booking"]["id"], booking["id"]);
    assert_eq!(event["data"]["booking"]["external_ref"], "crm-opp-42");
    assert_eq!(event["data"]["booking"]["metadata"]["crm"], "opp-42");
    assert_eq!(event["data"]["booking"]["room_name"], "Sala Norte", "the booking as the API returns it");

    // A tampered body or an old timestamp does not verify.
    let mut tampered = got[0].body.clone();
    tampered[10] ^= 1;
    assert!(!verify(&secret, &got[0], &tampered));
    let old = Received { timestamp: (now_millis() / 1000 - 3600).to_string(), ..got[0].clone() };
    assert!(!verify(&secret, &old, &old.body));

    // An update is not subscribed; the cancellation is, and a 500 then a 503 are retried: it
    // arrives once accepted, with the same webhook-id each time.
    let booking_id = booking["id"].as_str().unwrap();
    app.api(Method::PATCH, &format!("/api/v1/bookings/{booking_id}"), &w.key)
        .json(&json!({"title": "Demo (2)"}))
        .send()
        .await
        .unwrap();
    receiver.answer(&[500, 503]);
    app.api(Method::DELETE, &format!("/api/v1/bookings/{booking_id}"), &w.key)
        .json(&json!({"reason": "El cliente no puede"}))
        .send()
        .await
        .unwrap();
    app.run_jobs_at(&runner, now_millis()).await;
    app.run_jobs_at(&runner, now_millis() + 60_000).await;
    app.run_jobs_at(&runner, now_millis() + 3_600_000).await;
    let got = receiver.got();
    assert_eq!(got.len(), 4, "created, then the cancellation three times");
    let cancellations: Vec<&Received> = got[1..].iter().collect();
    assert!(cancellations.iter().all(|r| r.id == cancellations[0].id), "one event id for every try");
    assert_ne!(cancellations[0].id, got[0].id);
    let last: Value = serde_json::from_slice(&got[3].body).unwrap();
    assert_eq!(last["type"], "booking.cancelled");
    assert_eq!(last["data"]["booking"]["cancel_reason"], "El cliente no puede");
    assert!(verify(&secret, &got[3], &got[3].body));

    // The endpoint's log: each attempt with its status.
    let (_, log) =
        json(app.api(Method::GET, &format!("/api/v1/webhooks/{id}/deliveries"), &w.key).send().await.unwrap()).await;
    let log = log["items"].clone();
    let statuses: Vec<&str> = log.as_array().unwrap().iter().map(|d| d["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["sent", "failed", "failed", "sent"]);
    assert!(log[1]["detail"].as_str().unwrap().starts_with("503 in "), "{log}");
    // A `read` key sees the booking's delivery log without the receiver's address and answers,
    // and webhook jobs' errors without them; a key with the webhooks scope sees everything.
    let channels = |log: &Value| -> Vec<String> {
        log.as_array().unwrap().iter().map(|d| d["channel"].as_str().unwrap().to_owned()).collect()
    };
    let deliveries = format!("/api/v1/bookings/{booking_id}/deliveries");
    let (_, full) = json(app.api(Method::GET, &deliveries, &w.key).send().await.unwrap()).await;
    assert!(channels(&full).contains(&"webhook".to_owned()), "{full}");
    let (status, read) = json(app.api(Method::GET, &deliveries, &w.reader).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert!(!channels(&read).contains(&"webhook".to_owned()), "{read}");
    assert!(!read.to_string().contains(&url), "{read}");
    let failed_webhooks = |jobs: &Value| -> Vec<String> {
        let items = jobs["items"].as_array().unwrap().iter();
        items.filter(|j| j["kind"] == "webhook").filter_map(|j| j["last_error"].as_str().map(str::to_owned)).collect()
    };
    let (_, jobs) = json(app.api(Method::GET, "/api/v1/jobs", &w.key).send().await.unwrap()).await;
    assert!(failed_webhooks(&jobs).iter().any(|e| e.contains("503")), "{jobs}");
    let (_, jobs) = json(app.api(Method::GET, "/api/v1/jobs", &w.reader).send().await.unwrap()).await;
    let hidden = failed_webhooks(&jobs);
    assert!(!hidden.is_empty() && hidden.iter().all(|e| e == sala_app::jobs::admin::WEBHOOK_ERROR_HIDDEN), "{jobs}");
    app.run_jobs_at(&runner, now_millis() + 100 * HOUR).await;
    assert_eq!(receiver.got().len(), 4, "nothing twice");
}
both!(signed_events_reach_the_receiver_once);

async fn gone_disables_the_endpoint(app: TestApp) {
    let app = local_receivers(app).await;
    let w = world(&app).await;
    let (receiver, url) = Receiver::start().await;
    let (_, endpoint) = json(
        app.api(Method::POST, "/api/v1/webhooks", &w.key)
            .json(&json!({"url": url, "events": ["booking.created"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = endpoint["id"].as_str().unwrap();
    receiver.answer(&[410]);
    let runner = app.runner();
    book(&app, &w, now_millis() + 30 * HOUR).await;
    app.run_jobs_at(&runner, now_millis()).await;
    let (_, shown) = json(app.api(Method::GET, &format!("/api/v1/webhooks/{id}"), &w.key).send().await.unwrap()).await;
    assert_eq!(shown["enabled"], false);
    assert!(shown["disabled_reason"].as_str().unwrap().contains("410"));
    book(&app, &w, now_millis() + 40 * HOUR).await;
    app.run_jobs_at(&runner, now_millis() + HOUR).await;
    assert_eq!(receiver.got().len(), 1, "a disabled endpoint hears nothing");
    let (_, status) = json(app.api(Method::GET, "/api/v1/notifications/status", &w.key).send().await.unwrap()).await;
    let warnings = status["warnings"].to_string();
    assert!(warnings.contains("is disabled") && warnings.contains("410"), "the admin is told: {warnings}");
    let (status, shown) = json(
        app.api(Method::PATCH, &format!("/api/v1/webhooks/{id}"), &w.key)
            .json(&json!({"enabled": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(shown["disabled_reason"].is_null());

    // The receiver is fixed: the admin replays the event it refused, with its own webhook-id.
    let (_, log) =
        json(app.api(Method::GET, &format!("/api/v1/webhooks/{id}/deliveries"), &w.key).send().await.unwrap()).await;
    let log = log["items"].clone();
    let job_id = log[0]["job_id"].as_str().unwrap().to_owned();
    let replay = |job: String| {
        app.api(Method::POST, &format!("/api/v1/webhooks/{id}/replay"), &w.key).json(&json!({"job_id": job})).send()
    };
    assert_eq!(replay(job_id).await.unwrap().status(), StatusCode::ACCEPTED);
    app.run_jobs_at(&runner, now_millis() + 2 * HOUR).await;
    let got = receiver.got();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].id, got[0].id, "a replay repeats the event");
    expect_problem(replay(sala_domain::JobId::new().to_string()).await.unwrap(), StatusCode::NOT_FOUND, "not_found")
        .await;
}
both!(gone_disables_the_endpoint);

async fn endpoints_refuse_bad_input_and_private_addresses(app: TestApp) {
    let w = world(&app).await;
    for (body, field, code) in [
        (json!({"url": "http://crm.example.com/hooks", "events": ["booking.created"]}), "url", "invalid_webhook_url"),
        (json!({"url": "https://127.0.0.1/hooks", "events": ["booking.created"]}), "url", "invalid_webhook_url"),
        (json!({"url": "https://169.254.169.254/latest", "events": ["booking.created"]}), "url", "invalid_webhook_url"),
        (json!({"url": "https://10.1.2.3/hooks", "events": ["booking.created"]}), "url", "invalid_webhook_url"),
        (json!({"url": "https://crm.example.com/hooks", "events": []}), "events", "no_events"),
        (json!({"url": "https://crm.example.com/hooks", "events": ["booking.exploded"]}), "events", "unknown_event"),
        (
            json!({"url": "https://crm.example.com/hooks", "events": ["booking.created"], "secret": "whsec_c2hvcnQ="}),
            "secret",
            "invalid_secret",
        ),
    ] {
        let problem = expect_problem(
            app.api(Method::POST, "/api/v1/webhooks", &w.key).json(&body).send().await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(
            (problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()),
            (Some(field), Some(code)),
            "{body}"
        );
    }
    // A caller may bring their own secret.
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let (status, endpoint) = json(
        app.api(Method::POST, "/api/v1/webhooks", &w.key)
            .json(&json!({"url": "https://crm.example.com/hooks", "events": ["booking.created"], "secret": secret}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{endpoint}");
    assert_eq!(endpoint["secret"], secret, "the caller's own secret is kept");
    // Another tenant's endpoint looks missing.
    let other = app.tenant("Globex", "globex.test").await;
    let other_key = app.api_key(&other).await;
    let id = endpoint["id"].as_str().unwrap();
    expect_problem(
        app.api(Method::GET, &format!("/api/v1/webhooks/{id}"), &other_key).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let (status, _) =
        json(app.api(Method::DELETE, &format!("/api/v1/webhooks/{id}"), &w.key).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}
both!(endpoints_refuse_bad_input_and_private_addresses);

async fn a_rotated_secret_signs_beside_the_old_one_during_the_grace(app: TestApp) {
    let app = local_receivers(app).await;
    let w = world(&app).await;
    let (receiver, url) = Receiver::start().await;
    let (_, endpoint) = json(
        app.api(Method::POST, "/api/v1/webhooks", &w.key)
            .json(&json!({"url": url, "events": ["booking.created"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (id, old) = (endpoint["id"].as_str().unwrap().to_owned(), endpoint["secret"].as_str().unwrap().to_owned());
    let rotate =
        |body: Value| app.api(Method::POST, &format!("/api/v1/webhooks/{id}/rotate-secret"), &w.key).json(&body).send();
    let problem = expect_problem(
        rotate(json!({"grace_hours": 500})).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "invalid_grace");

    let (status, rotated) = json(rotate(json!({})).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated["previous_secret_until"].is_string());

    // The hanging receiver times out (1 s here), and the retry lands: signed by both secrets.
    receiver.answer(&[0]);
    let runner = app.runner();
    book(&app, &w, now_millis() + 30 * HOUR).await;
    app.run_jobs_at(&runner, now_millis()).await;
    let (_, log) =
        json(app.api(Method::GET, &format!("/api/v1/webhooks/{id}/deliveries"), &w.key).send().await.unwrap()).await;
    let log = log["items"].clone();
    assert!(log[0]["detail"].as_str().unwrap().contains("timed out"), "{log}");
    app.run_jobs_at(&runner, now_millis() + 60_000).await;
    let got = receiver.got();
    assert_eq!(got.len(), 2);
    assert!(verify(&old, &got[1], &got[1].body) && verify(&new, &got[1], &got[1].body), "{:?}", got[1].signature);

    // With no grace, only the newest secret signs.
    let (_, again) = json(rotate(json!({"grace_hours": 0})).await.unwrap()).await;
    let newest = again["secret"].as_str().unwrap().to_owned();
    book(&app, &w, now_millis() + 40 * HOUR).await;
    app.run_jobs_at(&runner, now_millis()).await;
    let got = receiver.got();
    assert_eq!(got.len(), 3);
    assert!(verify(&newest, &got[2], &got[2].body));
    assert!(!verify(&new, &got[2], &got[2].body), "the previous secret no longer signs");
}
both!(a_rotated_secret_signs_beside_the_old_one_during_the_grace);

/// A receiver that holds every request without answering (until the server gives up): how many
/// calls it took, and how many of those have ended (the caller hung up).
/// A receiver that holds every call 30 s: counts the calls made (`[0]`) and ended (`[1]`).
pub(crate) async fn hanging_receiver() -> (Arc<[std::sync::atomic::AtomicUsize; 2]>, String) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    struct Held(Arc<[AtomicUsize; 2]>);
    impl Drop for Held {
        fn drop(&mut self) {
            self.0[1].fetch_add(1, Ordering::SeqCst);
        }
    }
    let counts = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    let counter = Arc::clone(&counts);
    let app = axum::Router::new().route(
        "/hang",
        axum::routing::post(move || {
            let counter = Arc::clone(&counter);
            async move {
                counter[0].fetch_add(1, Ordering::SeqCst);
                let _held = Held(counter);
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                "never in time"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hang", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (counts, url)
}

/// An organization's receivers are called at once: with nine that hang (made first, so a loop
/// would call them first, each until the server's 1 s timeout), the tenth gets the event before
/// any of those calls has ended; and an organization has at most ten endpoints.
async fn hanging_receivers_delay_no_other_receiver(app: TestApp) {
    use std::sync::atomic::Ordering;
    let app = local_receivers(app).await;
    let w = world(&app).await;
    let (hung, hang_url) = hanging_receiver().await;
    let (receiver, good_url) = Receiver::start().await;
    let add = |url: String| {
        app.api(Method::POST, "/api/v1/webhooks", &w.key)
            .json(&json!({"url": url, "events": ["booking.created"]}))
            .send()
    };
    for i in 0..9 {
        assert_eq!(add(format!("{hang_url}?n={i}")).await.unwrap().status(), StatusCode::CREATED);
    }
    assert_eq!(add(good_url.clone()).await.unwrap().status(), StatusCode::CREATED);
    let refused = expect_problem(
        add(format!("{good_url}?eleventh")).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(refused["errors"][0]["code"], "too_many_webhooks", "{refused}");

    book(&app, &w, now_millis() + 30 * HOUR).await;
    let runner = app.runner();
    let running = tokio::spawn(async move { runner.run_due(now_millis()).await });
    let mut ended_when_delivered = None;
    for _ in 0..500 {
        if !receiver.got().is_empty() {
            ended_when_delivered = Some(hung[1].load(Ordering::SeqCst));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(ended_when_delivered, Some(0), "delivered before any hanging call ended");
    running.await.unwrap().unwrap();
    assert_eq!(hung[0].load(Ordering::SeqCst), 9, "each hanging receiver was called");
}
both!(hanging_receivers_delay_no_other_receiver);
