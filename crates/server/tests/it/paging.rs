//! Cursor pagination of the newest-first lists (audit log, jobs, a webhook endpoint's delivery
//! log): following `next_cursor` with a small `limit` gives exactly the one-page answer, in the
//! same order, with nothing twice; a cursor that is not ours is `invalid_cursor`.

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use crate::webhooks::{Receiver, local_receivers};
use reqwest::{Method, StatusCode};
use sala_domain::now_millis;
use serde_json::{Value, json};

/// Every item of `path`, following `next_cursor` pages of `limit`; also how many pages it took.
async fn walk(app: &TestApp, key: &str, path: &str, limit: u32) -> (Vec<Value>, usize) {
    let (mut items, mut pages, mut cursor) = (Vec::new(), 0, None::<String>);
    loop {
        let mut query = vec![("limit", limit.to_string())];
        query.extend(cursor.clone().map(|c| ("cursor", c)));
        let (status, page) = json(app.api(Method::GET, path, key).query(&query).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let got = page["items"].as_array().unwrap().clone();
        assert!(got.len() <= limit as usize);
        items.extend(got);
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return (items, pages),
        }
        assert!(pages < 100, "the pages never end");
    }
}

async fn ids(app: &TestApp, key: &str, path: &str) -> Vec<Value> {
    let (status, all) = json(app.api(Method::GET, path, key).query(&[("limit", "200")]).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(all.get("next_cursor").is_none(), "one page holds them all");
    all["items"].as_array().unwrap().iter().map(|i| i["id"].clone()).collect()
}

async fn newest_first_lists_page_by_cursor(app: TestApp) {
    let app = local_receivers(app).await;
    let tenant = app.tenant("Acme", "acme.test").await;
    app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let key = app.api_key(&tenant).await;
    let (receiver, url) = Receiver::start().await;
    let (_, hook) = json(
        app.api(Method::POST, "/api/v1/webhooks", &key)
            .json(&json!({"url": url, "events": ["booking.created"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key).json(&json!({"name": "Sur", "capacity": 4})).send().await.unwrap(),
    )
    .await;
    for hour in 1..=5 {
        let start = (now_millis() / 3_600_000 + 24 + hour) * 3_600_000;
        let iso = |ms: i64| jiff::Timestamp::from_millisecond(ms).unwrap().to_string();
        let body = json!({"room_id": room["id"], "title": format!("Reunión {hour}"), "start": iso(start),
                          "end": iso(start + 1_800_000), "organizer": "ana@acme.test"});
        let (status, _) = json(app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    app.run_jobs_at(&app.runner(), now_millis()).await;
    assert_eq!(receiver.got().len(), 5);

    let deliveries = format!("/api/v1/webhooks/{}/deliveries", hook["id"].as_str().unwrap());
    for (path, limit) in [("/api/v1/audit", 3), ("/api/v1/jobs", 4), (deliveries.as_str(), 2)] {
        let (walked, pages) = walk(&app, &key, path, limit).await;
        let walked_ids: Vec<Value> = walked.iter().map(|i| i["id"].clone()).collect();
        let all = if path.ends_with("/deliveries") {
            // Deliveries carry the job's id; compare whole entries.
            let (_, one) = json(app.api(Method::GET, path, &key).send().await.unwrap()).await;
            assert_eq!(one["items"].as_array().unwrap(), &walked, "{path}");
            walked_ids.clone()
        } else {
            ids(&app, &key, path).await
        };
        assert_eq!(walked_ids, all, "{path}: the same entries, in the same order");
        assert!(pages > 1, "{path}: {} entries in pages of {limit} took {pages} page(s)", walked.len());
    }

    for bad in ["nonsense", "MTIzOmFiYw"] {
        let problem = expect_problem(
            app.api(Method::GET, "/api/v1/audit", &key).query(&[("cursor", bad)]).send().await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["code"], "invalid_cursor");
    }
}
both!(newest_first_lists_page_by_cursor);
