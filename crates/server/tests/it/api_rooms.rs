//! `/api/v1/rooms`: listing, admin changes, validation, isolation and audit.

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use reqwest::{Method, StatusCode};
use sala_store::AuditQuery;
use serde_json::json;

async fn admins_manage_rooms_and_every_change_is_audited(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let key = app.api_key(&tenant).await;
    let body = json!({"name": "Sala Atlántico", "capacity": 12, "location": "Planta 1",
        "equipment": ["Projector", "whiteboard"], "bookable_hours": {"days": ["mon","tue"], "opens": "08:00", "closes": "18:30"}});
    let (status, room) = json(app.api(Method::POST, "/api/v1/rooms", &key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    assert_eq!(room["equipment"], json!(["projector", "whiteboard"]));
    assert_eq!(room["bookable_hours"]["closes"], "18:30");
    assert_eq!(room["kind"], "physical");
    let id = room["id"].as_str().unwrap().to_owned();

    let (status, got) = json(app.api(Method::GET, &format!("/api/v1/rooms/{id}"), &key).send().await.unwrap()).await;
    assert_eq!((status, &got["name"]), (StatusCode::OK, &json!("Sala Atlántico")));

    let patch = json!({"capacity": 14, "location": null, "bookable_hours": null});
    let (status, changed) =
        json(app.api(Method::PATCH, &format!("/api/v1/rooms/{id}"), &key).json(&patch).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        (changed["capacity"].as_u64(), &changed["location"], &changed["bookable_hours"]),
        (Some(14), &json!(null), &json!(null))
    );

    let (status, gone) =
        json(app.api(Method::DELETE, &format!("/api/v1/rooms/{id}"), &key).send().await.unwrap()).await;
    assert_eq!((status, &gone["active"]), (StatusCode::OK, &json!(false)));
    let (_, listed) = json(app.api(Method::GET, "/api/v1/rooms", &key).send().await.unwrap()).await;
    assert_eq!(listed, json!([]), "deactivated rooms are not offered");
    let (_, all) = json(app.api(Method::GET, "/api/v1/rooms?include_inactive=true", &key).send().await.unwrap()).await;
    assert_eq!(all.as_array().unwrap().len(), 1);

    let room_id = id.parse().unwrap();
    let query = AuditQuery { subject_id: Some(room_id), limit: 10, ..AuditQuery::default() };
    let trail = app.store().list_audit(tenant.id, &query).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["room.deactivated", "room.updated", "room.created"]);
    assert!(matches!(trail[0].actor, sala_domain::Actor::ApiKey(_)));
    assert_eq!(trail[1].before.as_ref().unwrap()["capacity"], 12);
    assert_eq!(trail[1].after.as_ref().unwrap()["capacity"], 14);
    assert!(trail[0].request_id.is_some() && trail[0].ip.as_deref() == Some("127.0.0.1"));
}
both!(admins_manage_rooms_and_every_change_is_audited);

async fn members_read_but_cannot_manage(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let member = app.user(&tenant, "juan@acme.test", "Juan", "member").await;
    let session = app.session(&member).await;
    let csrf = "x".repeat(43);
    let cookie = format!("sala_session={session}; sala_csrf={csrf}");
    let list = app.request(Method::GET, "/api/v1/rooms").header("cookie", &cookie).send().await.unwrap();
    assert_eq!(list.status(), StatusCode::OK);
    let create = app
        .request(Method::POST, "/api/v1/rooms")
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "Mine", "capacity": 3}))
        .send()
        .await
        .unwrap();
    expect_problem(create, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(app.store().list_rooms(tenant.id, true).await.unwrap().is_empty());
}
both!(members_read_but_cannot_manage);

async fn another_tenants_rooms_look_missing(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let globex = app.tenant("Globex", "globex.test").await;
    let (acme_key, globex_key) = (app.api_key(&acme).await, app.api_key(&globex).await);
    let (_, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &acme_key)
            .json(&json!({"name": "Privada", "capacity": 4}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let path = format!("/api/v1/rooms/{}", room["id"].as_str().unwrap());
    let missing = format!("/api/v1/rooms/{}", sala_domain::RoomId::new());
    for p in [&path, &missing] {
        expect_problem(app.api(Method::GET, p, &globex_key).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found")
            .await;
        let patch = app.api(Method::PATCH, p, &globex_key).json(&json!({"name": "Mía"})).send().await.unwrap();
        expect_problem(patch, StatusCode::NOT_FOUND, "not_found").await;
        expect_problem(
            app.api(Method::DELETE, p, &globex_key).send().await.unwrap(),
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let (_, listed) = json(app.api(Method::GET, "/api/v1/rooms", &globex_key).send().await.unwrap()).await;
    assert_eq!(listed, json!([]));
    let untouched =
        app.store().get_room(acme.id, room["id"].as_str().unwrap().parse().unwrap()).await.unwrap().unwrap();
    assert_eq!((untouched.name.as_str(), untouched.active), ("Privada", true));
}
both!(another_tenants_rooms_look_missing);

async fn bad_input_gets_clear_errors(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let key = app.api_key(&tenant).await;
    let post = |body: String| {
        app.api(Method::POST, "/api/v1/rooms", &key).header("content-type", "application/json").body(body)
    };

    expect_problem(post("{not json".into()).send().await.unwrap(), StatusCode::BAD_REQUEST, "invalid_json").await;
    expect_problem(
        post(r#"{"name": "A", "capacity": "lots"}"#.into()).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    expect_problem(
        post(r#"{"name": "A", "capacity": 2, "colour": "red"}"#.into()).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    let huge = format!(r#"{{"name": "{}", "capacity": 2}}"#, "x".repeat(200_000));
    // The server answers before reading the whole body and drops the connection: don't reuse it.
    let too_large = post(huge).header("connection", "close").send().await.unwrap();
    expect_problem(too_large, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let plain = app.api(Method::POST, "/api/v1/rooms", &key).body(r#"{"name":"A","capacity":2}"#).send().await.unwrap();
    expect_problem(plain, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;

    // A kind outside the document's enum is a body that does not fit its schema.
    let hologram = json!({"name": "Holo", "capacity": 2, "kind": "hologram"});
    let body = expect_problem(
        app.api(Method::POST, "/api/v1/rooms", &key).json(&hologram).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("`physical` or `virtual`"), "{body}");
    let invalid = json!({"name": "  ", "capacity": 0, "equipment": ["<script>"],
        "google_calendar": "not-an-email", "bookable_hours": {"days": [], "opens": "10:00", "closes": "09:00"}});
    let body = expect_problem(
        app.api(Method::POST, "/api/v1/rooms", &key).json(&invalid).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let codes: Vec<(&str, &str)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            ("name", "required"),
            ("capacity", "invalid_capacity"),
            ("equipment", "invalid_equipment"),
            ("google_calendar", "invalid_email"),
            ("bookable_hours", "invalid_bookable_hours")
        ]
    );
    let bad_time =
        json!({"name": "A", "capacity": 2, "bookable_hours": {"days": ["mon"], "opens": "25:00", "closes": "26:00"}});
    expect_problem(
        app.api(Method::POST, "/api/v1/rooms", &key).json(&bad_time).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;

    for malformed in ["/api/v1/rooms/123", "/api/v1/rooms/not-a-uuid", "/api/v1/rooms/'%20OR%201=1"] {
        expect_problem(
            app.api(Method::GET, malformed, &key).send().await.unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_id",
        )
        .await;
    }
    assert!(app.store().list_rooms(tenant.id, true).await.unwrap().is_empty(), "nothing was written");
}
both!(bad_input_gets_clear_errors);

async fn room_names_are_unique_per_tenant_ignoring_case_and_accents(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let globex = app.tenant("Globex", "globex.test").await;
    let key = app.api_key(&acme).await;
    let create = |key: String, name: &'static str| {
        let req = app.api(Method::POST, "/api/v1/rooms", &key).json(&json!({"name": name, "capacity": 4}));
        async move { req.send().await.unwrap() }
    };
    assert_eq!(create(key.clone(), "Sala Atlántico").await.status(), StatusCode::CREATED);
    expect_problem(create(key.clone(), "sala  ATLANTICO").await, StatusCode::CONFLICT, "room_name_taken").await;
    let other = app.api_key(&globex).await;
    assert_eq!(create(other, "Sala Atlántico").await.status(), StatusCode::CREATED, "another tenant may use the name");

    // Renaming onto a taken name is refused too.
    let (_, second) = json(create(key.clone(), "Sala Pacífico").await).await;
    let rename = app
        .api(Method::PATCH, &format!("/api/v1/rooms/{}", second["id"].as_str().unwrap()), &key)
        .json(&json!({"name": "SALA ATLÁNTICO"}))
        .send()
        .await
        .unwrap();
    expect_problem(rename, StatusCode::CONFLICT, "room_name_taken").await;
}
both!(room_names_are_unique_per_tenant_ignoring_case_and_accents);

async fn sql_and_html_are_just_text(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let key = app.api_key(&tenant).await;
    let name = "<script>alert('x')</script>'; DROP TABLE rooms; --";
    let location = "Planta \"2\" & <b>más</b>";
    let (status, room) = json(
        app.api(Method::POST, "/api/v1/rooms", &key)
            .json(&json!({"name": name, "capacity": 3, "location": location}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    let (_, listed) = json(app.api(Method::GET, "/api/v1/rooms", &key).send().await.unwrap()).await;
    assert_eq!(listed[0]["name"], name);
    assert_eq!(listed[0]["location"], location);

    // The dashboard shows it escaped.
    let admin = app.user(&tenant, "ana@acme.test", "Ana <i>Admin</i>", "admin").await;
    let session = app.session(&admin).await;
    let page = app.request(Method::GET, "/").header("cookie", format!("sala_session={session}")).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script>alert"), "room name must be escaped");
    assert!(html.contains("&#60;script&#62;alert") || html.contains("&lt;script&gt;alert"), "{html}");
    assert!(!html.contains("<i>Admin</i>"));
}
both!(sql_and_html_are_just_text);
