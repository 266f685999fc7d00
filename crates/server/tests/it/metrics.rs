//! `/metrics`: off unless its token is set, behind that bearer token, and an exposition a
//! Prometheus scraper can read whose figures follow what happened (requests, jobs, deliveries,
//! disabled webhook endpoints), labelled with route templates and never ids.

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use reqwest::{Method, StatusCode};
use sala_domain::jobs::{Channel, Delivery, DeliveryStatus};
use sala_domain::now_millis;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

const TOKEN: &str = "scrape-me-0123456789";
const HOUR: i64 = 3_600_000;

/// One sample line of the exposition.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Reads an OpenMetrics text exposition as a scraper does, strictly: every line is a `# HELP`,
/// `# TYPE` or `# UNIT` of a family, or a sample of a family typed before it, and the last line
/// is `# EOF`. Panics on anything else.
fn parse(body: &str) -> Vec<Sample> {
    let mut lines: Vec<&str> = body.split('\n').collect();
    assert_eq!(lines.pop(), Some(""), "the exposition ends with a newline");
    assert_eq!(lines.pop(), Some("# EOF"), "the exposition ends with # EOF");
    let mut types: HashMap<String, String> = HashMap::new();
    let mut samples = Vec::new();
    for line in lines {
        if let Some(meta) = line.strip_prefix("# ") {
            let mut parts = meta.splitn(3, ' ');
            let (keyword, family, rest) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap_or(""));
            assert!(valid_name(family), "bad family name in {line:?}");
            match keyword {
                "TYPE" => {
                    assert!(["gauge", "counter", "histogram", "info", "unknown"].contains(&rest), "{line:?}");
                    assert!(types.insert(family.to_owned(), rest.to_owned()).is_none(), "typed twice: {line:?}");
                }
                "HELP" | "UNIT" => assert!(!rest.is_empty(), "{line:?}"),
                _ => panic!("unknown comment line {line:?}"),
            }
            continue;
        }
        let sample = parse_sample(line);
        let family = ["_bucket", "_count", "_sum", "_total", "_created", ""]
            .iter()
            .find_map(|suffix| sample.name.strip_suffix(suffix).filter(|f| types.contains_key(*f)))
            .unwrap_or_else(|| panic!("a sample of no typed family: {line:?}"));
        if types[family] == "histogram" {
            assert_ne!(sample.name, family, "a histogram has only _bucket, _count and _sum samples");
        }
        samples.push(sample);
    }
    samples
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn parse_sample(line: &str) -> Sample {
    let name_end = line.find(['{', ' ']).unwrap_or_else(|| panic!("no value in {line:?}"));
    let name = &line[..name_end];
    assert!(valid_name(name), "bad metric name in {line:?}");
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(inner) = rest.strip_prefix('{') {
        rest = inner;
        loop {
            let eq = rest.find("=\"").unwrap_or_else(|| panic!("bad label in {line:?}"));
            let key = &rest[..eq];
            assert!(valid_name(key), "bad label name in {line:?}");
            let mut value = String::new();
            let mut chars = rest[eq + 2..].char_indices();
            let end = loop {
                match chars.next().unwrap_or_else(|| panic!("unterminated label value in {line:?}")) {
                    (i, '"') => break i,
                    (_, '\\') => match chars.next().map(|(_, c)| c) {
                        Some('n') => value.push('\n'),
                        Some(c @ ('\\' | '"')) => value.push(c),
                        other => panic!("bad escape {other:?} in {line:?}"),
                    },
                    (_, c) => value.push(c),
                }
            };
            assert!(labels.insert(key.to_owned(), value).is_none(), "label twice in {line:?}");
            rest = &rest[eq + 2 + end + 1..];
            if let Some(next) = rest.strip_prefix(',') {
                rest = next;
            } else {
                rest = rest.strip_prefix('}').unwrap_or_else(|| panic!("bad label list in {line:?}"));
                break;
            }
        }
    }
    let value = rest.strip_prefix(' ').unwrap_or_else(|| panic!("no space before the value in {line:?}"));
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().unwrap_or_else(|_| panic!("bad value in {line:?}")),
    };
    Sample { name: name.to_owned(), labels, value }
}

/// The value of the one sample with this name and these labels (among others); 0 when absent.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let found: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.name == name && labels.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v)))
        .collect();
    assert!(found.len() <= 1, "several samples match {name} {labels:?}: {found:?}");
    found.first().map_or(0.0, |s| s.value)
}

/// A server over a fresh database of the same backend, with the metrics token set.
async fn with_token(app: TestApp) -> TestApp {
    let kind = app.db.backend();
    drop(app);
    let db = match kind {
        "postgres" => sala_store::testing::fresh_postgres().await.expect("PostgreSQL was there a moment ago"),
        _ => sala_store::testing::fresh_sqlite().await,
    };
    TestApp::start(db, |s| {
        s.metrics_token = Some(sala_server::config::Secret::new(TOKEN));
        s.webhooks_allow_private = true;
    })
    .await
}

async fn scrape(app: &TestApp) -> Vec<Sample> {
    let response = app.request(Method::GET, "/metrics").bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8",
        "the type Prometheus asks for"
    );
    parse(&response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_off_without_a_token() {
    let app = TestApp::sqlite().await;
    let response = app.request(Method::GET, "/metrics").bearer_auth("anything").send().await.unwrap();
    expect_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    // An empty variable is no token: `Bearer ` must not open it.
    let empty = TestApp::start(sala_store::testing::fresh_sqlite().await, |s| {
        s.metrics_token = Some(sala_server::config::Secret::new(" "));
    })
    .await;
    for presented in ["", " "] {
        let response = empty.request(Method::GET, "/metrics").bearer_auth(presented).send().await.unwrap();
        expect_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}

async fn metrics_need_the_token(app: TestApp) {
    let app = with_token(app).await;
    let missing = app.request(Method::GET, "/metrics").send().await.unwrap();
    assert_eq!(missing.headers()["www-authenticate"], "Bearer realm=\"sala\"");
    expect_problem(missing, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    for wrong in ["scrape-me-0123456788", "scrape-me", "", "scrape-me-0123456789x"] {
        let response = app.request(Method::GET, "/metrics").bearer_auth(wrong).send().await.unwrap();
        expect_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
    let basic = app.request(Method::GET, "/metrics").basic_auth(TOKEN, Some("")).send().await.unwrap();
    expect_problem(basic, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let samples = scrape(&app).await;
    assert_eq!(value(&samples, "sala_database_up", &[]), 1.0);
    assert_eq!(value(&samples, "sala_webhook_endpoints_disabled", &[]), 0.0);
    // Not an API operation: the public OpenAPI document does not list it.
    let (_, doc) = json(app.request(Method::GET, "/api/v1/openapi.json").send().await.unwrap()).await;
    assert!(!doc["paths"].to_string().contains("metrics"), "/metrics is an ops endpoint");
}
both!(metrics_need_the_token);

async fn metrics_follow_requests_jobs_deliveries_and_webhooks(app: TestApp) {
    let app = with_token(app).await;
    let tenant = app.tenant("Acme", "acme.test").await;
    app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let key = app.api_key(&tenant).await;
    let (status, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": "Sala Norte", "capacity": 6}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let room_id = room["id"].as_str().unwrap().to_owned();
    let route = [("method", "GET"), ("route", "/api/v1/rooms/{id}"), ("status", "200")];
    let count = "sala_http_request_duration_seconds_count";
    let before = scrape(&app).await;

    // Requests: counted under the route template, by status.
    for _ in 0..3 {
        let response = app.api(Method::GET, &format!("/api/v1/rooms/{room_id}"), &key).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let missing = uuid::Uuid::now_v7();
    let response = app.api(Method::GET, &format!("/api/v1/rooms/{missing}"), &key).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let stray = app.request(Method::GET, &format!("/no/such/{missing}")).send().await.unwrap();
    assert_eq!(stray.status(), StatusCode::NOT_FOUND);
    let stray_api = app.api(Method::GET, &format!("/api/v1/no-such/{missing}"), &key).send().await.unwrap();
    assert_eq!(stray_api.status(), StatusCode::NOT_FOUND);

    // Jobs: a booking writes its notification jobs, due now (no runner runs them here).
    let iso = |ms: i64| jiff::Timestamp::from_millisecond(ms / 60_000 * 60_000).unwrap().to_string();
    let start = now_millis() + 30 * HOUR;
    let body = json!({"room_id": room_id, "title": "Plan", "start": iso(start), "end": iso(start + HOUR),
                      "organizer": "ana@acme.test"});
    let (status, booking) =
        json(app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    let booking_id = sala_domain::BookingId(booking["id"].as_str().unwrap().parse().unwrap());
    let jobs = app.store().jobs_for_booking(tenant.id, booking_id).await.unwrap();
    let due_kind = jobs.iter().find(|j| j.run_at <= now_millis()).expect("a job due now").kind.as_str();

    // Deliveries: one sent now, one failed two hours ago (outside the hour).
    let delivery = |status, at: i64, id| Delivery {
        id,
        tenant_id: tenant.id,
        job_id: jobs[0].id,
        booking_id: Some(booking_id),
        channel: Channel::Email,
        recipient: "ana@acme.test".into(),
        idempotency_key: format!("metrics-test-{at}"),
        status,
        detail: None,
        created_at: at,
    };
    app.store().record_delivery(&delivery(DeliveryStatus::Sent, now_millis(), uuid::Uuid::now_v7())).await.unwrap();
    let old = now_millis() - 2 * HOUR;
    let old_id = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, (old / 1000) as u64, 0));
    app.store().record_delivery(&delivery(DeliveryStatus::Failed, old, old_id)).await.unwrap();

    // Webhooks: an endpoint an admin turned off.
    let (status, endpoint) = json(
        app.api(Method::POST, "/api/v1/webhooks", &key)
            .json(&json!({"url": "http://127.0.0.1:9/hook", "events": ["booking.created"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{endpoint}");
    let hook = endpoint["id"].as_str().unwrap();
    let patch = app.api(Method::PATCH, &format!("/api/v1/webhooks/{hook}"), &key).json(&json!({"enabled": false}));
    assert_eq!(patch.send().await.unwrap().status(), StatusCode::OK);

    let after = scrape(&app).await;
    assert_eq!(value(&after, count, &route) - value(&before, count, &route), 3.0, "three answers counted");
    let not_found = [("method", "GET"), ("route", "/api/v1/rooms/{id}"), ("status", "404")];
    assert_eq!(value(&after, count, &not_found) - value(&before, count, &not_found), 1.0);
    let unmatched = [("method", "GET"), ("route", "unmatched"), ("status", "404")];
    assert!(value(&after, count, &unmatched) >= 1.0, "a stray path is counted as unmatched");
    let inf = [route[0], route[1], route[2], ("le", "+Inf")];
    assert_eq!(value(&after, "sala_http_request_duration_seconds_bucket", &inf), value(&after, count, &route));
    assert!(value(&after, "sala_http_request_duration_seconds_sum", &route) > 0.0);
    for sample in &after {
        for label in sample.labels.values() {
            assert!(
                !label.contains(&room_id) && !label.contains(&missing.to_string()) && !label.contains(hook),
                "an id in a label: {sample:?}"
            );
        }
    }
    assert!(value(&after, "sala_jobs_due", &[("kind", due_kind)]) >= 1.0, "{due_kind} jobs wait");
    assert!(value(&after, "sala_jobs_oldest_due_age_seconds", &[("kind", due_kind)]) >= 0.0);
    assert_eq!(value(&after, "sala_jobs_dead", &[("kind", due_kind)]), 0.0);
    let sent = [("channel", "email"), ("status", "sent")];
    let failed = [("channel", "email"), ("status", "failed")];
    assert_eq!(value(&after, "sala_deliveries_last_hour", &sent), 1.0);
    assert_eq!(value(&after, "sala_deliveries_last_hour", &failed), 0.0, "two hours ago is outside the hour");
    assert_eq!(value(&after, "sala_webhook_endpoints_disabled", &[]), 1.0);
    let max: f64 = after.iter().filter(|s| s.name == "sala_db_connections_max").map(|s| s.value).sum();
    assert!(max >= 2.0, "the pools' sizes are shown");
    assert!(after.iter().any(|s| s.name == "sala_db_connections" && s.labels["state"] == "in_use"));
}
both!(metrics_follow_requests_jobs_deliveries_and_webhooks);

#[test]
fn the_parser_refuses_what_a_scraper_would() {
    for bad in [
        "sala_x 1\n# EOF\n",
        "# TYPE sala_x gauge\nsala_x{a=\"1\" 1\n# EOF\n",
        "# TYPE sala_x gauge\nsala_x 1\n",
        "# TYPE sala_x gauge\nsala_x{a=\"\\q\"} 1\n# EOF\n",
        "# TYPE sala_x gauge\nsala_x one\n# EOF\n",
    ] {
        assert!(std::panic::catch_unwind(|| parse(bad)).is_err(), "accepted {bad:?}");
    }
    let ok = parse("# TYPE sala_x gauge\n# HELP sala_x X.\nsala_x{a=\"q\\\"\",b=\"2\"} 1.5\n# EOF\n");
    assert_eq!(ok[0].labels["a"], "q\"");
    assert_eq!(ok[0].value, 1.5);
}
