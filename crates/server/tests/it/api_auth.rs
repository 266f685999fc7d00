//! Who may call the API: API keys, sessions with CSRF, and the shape of every refusal.

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use reqwest::{Method, StatusCode};
use sala_app::Context;

async fn missing_or_bad_credentials_are_401(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let response = app.request(Method::GET, "/api/v1/rooms").send().await.unwrap();
    assert_eq!(response.headers().get("www-authenticate").unwrap(), "Bearer realm=\"sala\"");
    expect_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    for bad in ["sala_not-a-real-key", "nope", "", "sala_' OR 1=1 --"] {
        let response = app.api(Method::GET, "/api/v1/rooms", bad).send().await.unwrap();
        expect_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
    let basic = app.request(Method::GET, "/api/v1/rooms").header("authorization", "Basic YTpi").send().await.unwrap();
    expect_problem(basic, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    // A key works until it is revoked, then it is refused at once.
    let key = app.api_key(&tenant).await;
    let response = app.api(Method::GET, "/api/v1/rooms", &key).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let ctx = Context::system(tenant.id);
    let listed = sala_app::api_keys::list_api_keys(app.store(), &ctx).await.unwrap();
    assert!(listed[0].last_used_at.is_some(), "use is recorded");
    sala_app::api_keys::revoke_api_key(app.store(), &ctx, listed[0].id).await.unwrap();
    let response = app.api(Method::GET, "/api/v1/rooms", &key).send().await.unwrap();
    expect_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}
both!(missing_or_bad_credentials_are_401);

async fn api_keys_are_stored_only_as_hashes(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let key = app.api_key(&tenant).await;
    assert!(key.starts_with("sala_") && key.len() > 40);
    let hash = sala_app::tokens::hash_token(&key);
    let found = app.store().api_key_by_hash(&hash).await.unwrap().unwrap();
    assert!(key.starts_with(&found.prefix) && found.prefix.len() < 15, "only a short prefix is kept");
    assert!(app.store().api_key_by_hash(&key).await.unwrap().is_none(), "the key itself is not a lookup key");
}
both!(api_keys_are_stored_only_as_hashes);

async fn sessions_need_the_csrf_token_to_change_things(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let admin = app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let session = app.session(&admin).await;
    let body = serde_json::json!({"name": "Sala Norte", "capacity": 4});

    let read = app
        .request(Method::GET, "/api/v1/rooms")
        .header("cookie", format!("sala_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);

    let no_token = app
        .request(Method::POST, "/api/v1/rooms")
        .header("cookie", format!("sala_session={session}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_problem(no_token, StatusCode::FORBIDDEN, "csrf_failed").await;

    let csrf = "c".repeat(43);
    let wrong_origin = app
        .request(Method::POST, "/api/v1/rooms")
        .header("cookie", format!("sala_session={session}; sala_csrf={csrf}"))
        .header("x-csrf-token", &csrf)
        .header("origin", "https://evil.test")
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_problem(wrong_origin, StatusCode::FORBIDDEN, "csrf_failed").await;

    let ok = app
        .request(Method::POST, "/api/v1/rooms")
        .header("cookie", format!("sala_session={session}; sala_csrf={csrf}"))
        .header("x-csrf-token", &csrf)
        .header("origin", &app.url)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::CREATED);

    let expired =
        app.request(Method::GET, "/api/v1/rooms").header("cookie", "sala_session=forged").send().await.unwrap();
    expect_problem(expired, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}
both!(sessions_need_the_csrf_token_to_change_things);

#[tokio::test]
async fn unknown_endpoints_and_methods_answer_problems() {
    let app = TestApp::sqlite().await;
    let tenant = app.tenant("Acme", "acme.test").await;
    let key = app.api_key(&tenant).await;
    let response = app.api(Method::GET, "/api/v1/nothing-here", &key).send().await.unwrap();
    expect_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app.request(Method::GET, "/no/such/page").send().await.unwrap();
    expect_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn health_readiness_request_ids_and_headers() {
    let app = TestApp::sqlite().await;
    let health = app.request(Method::GET, "/healthz").send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert!(health.headers().get("x-request-id").is_some_and(|v| v.len() >= 32));
    assert_eq!(health.headers().get("x-content-type-options").unwrap(), "nosniff");
    let (status, body) = json(app.request(Method::GET, "/readyz").send().await.unwrap()).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ready")));
    // A request id sent by a proxy is kept, so logs line up across hops.
    let traced = app.request(Method::GET, "/healthz").header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(traced.headers().get("x-request-id").unwrap(), "abc-123");
    assert!(health.headers().get("strict-transport-security").is_none(), "no HSTS over plain http");
}

#[tokio::test]
async fn over_https_browsers_are_told_to_keep_to_it() {
    let app =
        TestApp::start(sala_store::testing::fresh_sqlite().await, |s| s.base_url = "https://sala.example".into()).await;
    for path in ["/healthz", "/", "/api/v1/openapi.json"] {
        // Behind its TLS proxy: straight to the listening address.
        let response = app.http.get(format!("http://{}{path}", app.settings.listen)).send().await.unwrap();
        assert_eq!(response.headers().get("strict-transport-security").unwrap(), "max-age=31536000", "{path}");
    }
    // Its cookies are `__Host-` cookies: Secure, whole-site, no Domain.
    let page = app.http.get(format!("http://{}/", app.settings.listen)).send().await.unwrap();
    let cookies: Vec<&str> = page.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(!cookies.is_empty(), "the landing page sets its CSRF cookie");
    for cookie in cookies {
        assert!(cookie.starts_with("__Host-") && cookie.contains("; Secure") && cookie.contains("Path=/"), "{cookie}");
        assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    }
}

#[tokio::test]
async fn openapi_document_and_docs_are_served() {
    let app = TestApp::sqlite().await;
    let (status, doc) = json(app.request(Method::GET, "/api/v1/openapi.json").send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    for path in ["/rooms", "/rooms/{id}", "/users", "/users/{id}"] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    assert!(doc["paths"]["/rooms"]["post"]["responses"]["422"].is_object());
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    let docs = app.request(Method::GET, "/api/docs/").send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger"));
}

async fn api_key_scopes_limit_what_a_key_may_do(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let ctx = Context::system(tenant.id);
    let key = |scopes: &'static str| {
        let store = app.store();
        let ctx = ctx.clone();
        async move { sala_app::api_keys::create_api_key(store, &ctx, "scoped", Some(scopes)).await.unwrap().secret }
    };
    let reader = key("read").await;
    let hooks_only = key("webhooks").await;
    let hooks = key("read,webhooks").await;
    let writer = key("read,write").await;

    let (status, _) = json(app.api(Method::GET, "/api/v1/rooms", &reader).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let room = serde_json::json!({"name": "Sala Norte", "capacity": 4});
    let refused = app.api(Method::POST, "/api/v1/rooms", &reader).json(&room).send().await.unwrap();
    let problem = expect_problem(refused, StatusCode::FORBIDDEN, "insufficient_scope").await;
    assert!(problem["detail"].as_str().unwrap().contains("write"));
    expect_problem(
        app.api(Method::GET, "/api/v1/webhooks", &reader).send().await.unwrap(),
        StatusCode::FORBIDDEN,
        "insufficient_scope",
    )
    .await;
    expect_problem(
        app.api(Method::GET, "/api/v1/webhooks", &writer).send().await.unwrap(),
        StatusCode::FORBIDDEN,
        "insufficient_scope",
    )
    .await;
    let (status, _) = json(app.api(Method::GET, "/api/v1/webhooks", &hooks).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    // Endpoints receive booking data and replays send past events: managing them reads bookings.
    let refused = expect_problem(
        app.api(Method::GET, "/api/v1/webhooks", &hooks_only).send().await.unwrap(),
        StatusCode::FORBIDDEN,
        "insufficient_scope",
    )
    .await;
    assert!(refused["detail"].as_str().unwrap().contains("read"), "{refused}");
    expect_problem(
        app.api(Method::POST, "/api/v1/rooms", &hooks).json(&room).send().await.unwrap(),
        StatusCode::FORBIDDEN,
        "insufficient_scope",
    )
    .await;
    let (status, _) = json(app.api(Method::POST, "/api/v1/rooms", &writer).json(&room).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);

    // Unknown or empty scopes are refused when the key is made.
    for bad in ["admin", "", "read,,delete"] {
        let Err(err) = sala_app::api_keys::create_api_key(app.store(), &ctx, "bad", Some(bad)).await else {
            panic!("'{bad}' was accepted as scopes");
        };
        assert_eq!(err.code().as_str(), "validation_failed", "{bad}: {err:?}");
        let sala_app::AppError::Invalid(fields) = &err else { panic!("{bad}: {err:?}") };
        assert!(fields.iter().any(|f| f.code == sala_domain::ErrorCode::InvalidScope), "{bad}: {err:?}");
    }
}
both!(api_key_scopes_limit_what_a_key_may_do);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_api_key_is_rate_limited_with_retry_after() {
    let app = TestApp::start(sala_store::testing::fresh_sqlite().await, |s| s.api_requests_per_minute = 3).await;
    let tenant = app.tenant("Acme", "acme.test").await;
    let (busy, other) = (app.api_key(&tenant).await, app.api_key(&tenant).await);
    for _ in 0..3 {
        assert_eq!(app.api(Method::GET, "/api/v1/rooms", &busy).send().await.unwrap().status(), StatusCode::OK);
    }
    let limited = app.api(Method::GET, "/api/v1/rooms", &busy).send().await.unwrap();
    let wait: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    let problem = expect_problem(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert!(problem["detail"].as_str().unwrap().contains("3 requests a minute"), "{problem}");
    assert_eq!(app.api(Method::GET, "/api/v1/rooms", &other).send().await.unwrap().status(), StatusCode::OK, "per key");
}

/// A signed-in person's changes are limited as a key's requests are: through the API with their
/// session, and through the pages' forms; reading is not, and another person is not held back.
#[tokio::test]
async fn each_signed_in_person_is_limited_in_changes_a_minute() {
    let app = TestApp::start(sala_store::testing::fresh_sqlite().await, |s| s.person_writes_per_minute = 3).await;
    let tenant = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&tenant, "ana@acme.test", "Ana", "member").await;
    let luis = app.user(&tenant, "luis@acme.test", "Luis", "member").await;
    let csrf = "t".repeat(43);
    // Disconnecting a calendar that is not connected: a change all the same, as far as limits go.
    let change = |session: String| {
        app.request(Method::DELETE, "/api/v1/me/google")
            .header("cookie", format!("sala_session={session}; sala_csrf={csrf}"))
            .header("x-csrf-token", csrf.clone())
            .send()
    };
    let form = |session: String| {
        app.request(Method::POST, "/account/calendar/disconnect")
            .header("cookie", format!("sala_session={session}; sala_csrf={csrf}"))
            .form(&[("csrf", csrf.as_str())])
            .send()
    };
    let session = app.session(&ana).await;
    for _ in 0..2 {
        assert_ne!(change(session.clone()).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    }
    let third = form(session.clone()).await.unwrap().status();
    assert_ne!(third, StatusCode::TOO_MANY_REQUESTS, "the third change, by a form, still passes");
    let page = form(session.clone()).await.unwrap();
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers().contains_key("retry-after"));
    assert!(page.text().await.unwrap().contains("Espera un minuto"), "a readable page in her language");
    expect_problem(change(session.clone()).await.unwrap(), StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let read = app.request(Method::GET, "/api/v1/rooms").header("cookie", format!("sala_session={session}")).send();
    assert_eq!(read.await.unwrap().status(), StatusCode::OK, "reading is not limited");
    let other = change(app.session(&luis).await).await.unwrap().status();
    assert_ne!(other, StatusCode::TOO_MANY_REQUESTS, "per person");
}
