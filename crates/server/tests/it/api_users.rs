//! `/api/v1/users`: the invitee search, admin management, self-service and validation.

use crate::both;
use crate::helpers::{TestApp, expect_problem, json};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn search_ignores_accents_and_case_and_stays_in_the_tenant(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let globex = app.tenant("Globex", "globex.test").await;
    app.user(&acme, "maria@acme.test", "María López", "member").await;
    app.user(&acme, "ana.maria@acme.test", "Ana María Ruiz", "member").await;
    app.user(&acme, "juan@acme.test", "Juan Pérez", "member").await;
    app.user(&globex, "maria@globex.test", "María Globex", "member").await;
    let key = app.api_key(&acme).await;

    let names = |body: serde_json::Value| -> Vec<String> {
        body.as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap().to_owned()).collect()
    };
    let (status, found) = json(app.api(Method::GET, "/api/v1/users?q=maria", &key).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(found), ["María López", "Ana María Ruiz"], "name prefix first; never another tenant");
    let (_, found) = json(app.api(Method::GET, "/api/v1/users?q=P%C3%89REZ", &key).send().await.unwrap()).await;
    assert_eq!(names(found), ["Juan Pérez"]);
    let (_, found) = json(app.api(Method::GET, "/api/v1/users?q=%25", &key).send().await.unwrap()).await;
    assert_eq!(names(found), Vec::<String>::new(), "% is literal");
    let (_, found) = json(app.api(Method::GET, "/api/v1/users?q=&limit=2", &key).send().await.unwrap()).await;
    assert_eq!(found.as_array().unwrap().len(), 2);
    let long = "a".repeat(101);
    let response = app.api(Method::GET, &format!("/api/v1/users?q={long}"), &key).send().await.unwrap();
    expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let response = app.api(Method::GET, "/api/v1/users?limit=lots", &key).send().await.unwrap();
    expect_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
}
both!(search_ignores_accents_and_case_and_stays_in_the_tenant);

async fn people_are_validated(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let key = app.api_key(&tenant).await;
    let create = |body: serde_json::Value| app.api(Method::POST, "/api/v1/users", &key).json(&body).send();

    let (status, maria) = json(
        create(json!({"email": "Maria@ACME.test", "name": "María López", "phone": "+34 612 345 602", "whatsapp_opt_in": true}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{maria}");
    assert_eq!(
        (&maria["email"], &maria["phone"], &maria["role"]),
        (&json!("Maria@acme.test"), &json!("+34612345602"), &json!("member"))
    );

    let body = expect_problem(
        create(json!({"email": "maria", "name": "", "phone": "612", "time_zone": "Mars/Base"})).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let codes: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["invalid_email", "required", "invalid_phone", "invalid_time_zone"]);
    // A role or language outside the document's enums is a body that does not fit its schema.
    for (field, value) in [("role", "owner"), ("locale", "fr")] {
        let mut body = json!({"email": "x@acme.test", "name": "X"});
        body[field] = json!(value);
        let problem =
            expect_problem(create(body).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
        assert!(problem["detail"].as_str().unwrap().contains(field), "{problem}");
    }

    let opt_in_without_phone =
        create(json!({"email": "x@acme.test", "name": "X", "whatsapp_opt_in": true})).await.unwrap();
    let body = expect_problem(opt_in_without_phone, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "phone_required");

    let duplicate = create(json!({"email": "maria@acme.test", "name": "Otra María"})).await.unwrap();
    expect_problem(duplicate, StatusCode::CONFLICT, "user_email_taken").await;
    let header_injection = create(json!({"email": "a@acme.test\r\nBcc: all@acme.test", "name": "Eve"})).await.unwrap();
    expect_problem(header_injection, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}
both!(people_are_validated);

async fn members_change_themselves_only(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let juan = app.user(&tenant, "juan@acme.test", "Juan", "member").await;
    let maria = app.user(&tenant, "maria@acme.test", "María", "member").await;
    let session = app.session(&juan).await;
    let csrf = "t".repeat(43);
    let patch = |id: String, body: serde_json::Value| {
        app.request(Method::PATCH, &format!("/api/v1/users/{id}"))
            .header("cookie", format!("sala_session={session}; sala_csrf={csrf}"))
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
    };
    let (status, me) = json(
        patch(juan.id.to_string(), json!({"phone": "+34 600 111 222", "whatsapp_opt_in": true, "locale": "en"}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(
        (&me["phone"], &me["whatsapp_opt_in"], &me["locale"]),
        (&json!("+34600111222"), &json!(true), &json!("en"))
    );
    let consent = me["whatsapp_consent_at"].as_str().expect("opting in records when").to_owned();
    let (_, me) = json(patch(juan.id.to_string(), json!({"name": "Juan P."})).await.unwrap()).await;
    assert_eq!(me["whatsapp_consent_at"], json!(consent), "staying opted in keeps the first record");
    let (_, me) = json(patch(juan.id.to_string(), json!({"phone": null})).await.unwrap()).await;
    assert_eq!((&me["phone"], &me["whatsapp_opt_in"]), (&json!(null), &json!(false)), "no phone, no WhatsApp");
    assert_eq!(me["whatsapp_consent_at"], json!(null), "opting out forgets the consent");

    expect_problem(
        patch(juan.id.to_string(), json!({"role": "admin"})).await.unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        patch(maria.id.to_string(), json!({"name": "Hacked"})).await.unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let unchanged = app.store().get_user(tenant.id, maria.id).await.unwrap().unwrap();
    assert_eq!(unchanged.name, "María");
}
both!(members_change_themselves_only);

async fn another_tenants_people_look_missing(app: TestApp) {
    let acme = app.tenant("Acme", "acme.test").await;
    let globex = app.tenant("Globex", "globex.test").await;
    let maria = app.user(&acme, "maria@acme.test", "María", "member").await;
    let key = app.api_key(&globex).await;
    let path = format!("/api/v1/users/{}", maria.id);
    expect_problem(app.api(Method::GET, &path, &key).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found").await;
    let patch = app.api(Method::PATCH, &path, &key).json(&json!({"name": "Hacked"})).send().await.unwrap();
    expect_problem(patch, StatusCode::NOT_FOUND, "not_found").await;
    expect_problem(
        app.api(Method::GET, "/api/v1/users/nope", &key).send().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_id",
    )
    .await;
}
both!(another_tenants_people_look_missing);
