//! `/admin/settings/connections`: the organization's own WhatsApp number and its Google service
//! account set from the admin pages. The same use case as the API: the token and the key sealed,
//! never shown, never in the audit log; bad input said beside its field in the reader's language,
//! never a 500; members refused; a form without this browser's token changes nothing.

use crate::both;
use crate::helpers::{TestApp, json};
use crate::web_app::{Browser, CSRF, browser};
use reqwest::{Method, StatusCode};

const PAGE: &str = "/admin/settings/connections";
const OWN_ID: &str = "209876543210987";
const OWN_TOKEN: &str = "EAAG-acme-own-token-0123456789";
const SERVICE_ACCOUNT: &str = "sala-calendar@acme-project.iam.gserviceaccount.com";
const SERVICE_KEY: &str = include_str!("fixtures/fake_google_key.pem");
const BOUNDARY: &str = "sala-test-boundary-Q2x9LmVf0aZk";

/// A key file as Google Cloud gives it, for `email`.
fn key_file(email: &str) -> String {
    serde_json::json!({"type": "service_account", "project_id": "acme-project", "private_key_id": "k1",
        "private_key": SERVICE_KEY, "client_email": email, "token_uri": "https://oauth2.googleapis.com/token"})
    .to_string()
}

/// The service account form as a browser sends it: `multipart/form-data` with the token, the
/// pasted text and the chosen file (empty when none was chosen).
async fn upload(who: &Browser<'_>, app: &TestApp, csrf: &str, pasted: &str, file: &[u8]) -> (StatusCode, String) {
    let mut body = Vec::new();
    for (name, value) in [("csrf", csrf), ("key", pasted)] {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    body.extend(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"key_file\"; filename=\"key.json\"\r\n\
             Content-Type: application/json\r\n\r\n"
        )
        .bytes(),
    );
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").bytes());
    let response = app
        .request(Method::POST, "/admin/settings/google-service-account")
        .header("cookie", &who.cookie)
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    (status, location.unwrap_or(text))
}

async fn members_are_refused_and_forms_need_the_token(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let juan = app.user(&tenant, "juan@acme.test", "Juan", "member").await;
    let admin = browser(&app, &ana).await;
    let member = browser(&app, &juan).await;

    let (status, html) = member.get(PAGE).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("No tienes permiso"), "{html}");
    let set = [("csrf", CSRF), ("phone_number_id", OWN_ID), ("token", OWN_TOKEN)];
    assert_eq!(member.post("/admin/settings/whatsapp", &set).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(member.post("/admin/settings/whatsapp/remove", &[("csrf", CSRF)]).await.status(), StatusCode::FORBIDDEN);
    let key = key_file(SERVICE_ACCOUNT);
    assert_eq!(upload(&member, &app, CSRF, &key, b"").await.0, StatusCode::FORBIDDEN);
    let remove = member.post("/admin/settings/google-service-account/remove", &[("csrf", CSRF)]).await;
    assert_eq!(remove.status(), StatusCode::FORBIDDEN);

    // An admin's form from elsewhere (not this browser's token) changes nothing.
    let forged = [("csrf", "nope"), ("phone_number_id", OWN_ID), ("token", OWN_TOKEN)];
    let refused = admin.post("/admin/settings/whatsapp", &forged).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.unwrap().contains("El formulario caducó"));
    assert_eq!(upload(&admin, &app, "nope", &key, b"").await.0, StatusCode::FORBIDDEN);
    let tenant = app.store().get_tenant(tenant.id).await.unwrap().unwrap();
    assert!(tenant.whatsapp.is_none() && tenant.google_service_account.is_none());
}
both!(members_are_refused_and_forms_need_the_token);

async fn an_admin_sets_and_removes_the_organizations_whatsapp_number(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let key = app.api_key(&tenant).await;
    let admin = browser(&app, &ana).await;

    // Reached from the settings; no number anywhere yet, and it says so.
    let (_, settings) = admin.get("/admin/settings").await;
    assert!(settings.contains(&format!("href=\"{PAGE}\"")), "{settings}");
    let (status, html) = admin.get(PAGE).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Ni la instalación ni la organización tienen número"), "{html}");
    assert!(!html.contains("/admin/settings/whatsapp/remove"), "nothing to go back from");

    // Bad input: each said beside its field, the id typed kept (escaped), the token never sent back.
    let bad = [("csrf", CSRF), ("phone_number_id", "12<b>5"), ("token", "short")];
    let response = admin.post("/admin/settings/whatsapp", &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("id=\"phone_number_id-error\">El identificador del número de WhatsApp no es válido."),
        "{html}"
    );
    assert!(html.contains("id=\"whatsapp_token-error\">El token de acceso no es válido."), "{html}");
    assert!(html.contains("aria-invalid=\"true\""), "{html}");
    assert!(html.contains("value=\"12&#60;b&#62;5\""), "kept and escaped: {html}");
    let spaced = [("csrf", CSRF), ("phone_number_id", OWN_ID), ("token", "EAAG with spaces inside the token")];
    let response = admin.post("/admin/settings/whatsapp", &spaced).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("whatsapp_token-error") && !html.contains("phone_number_id-error"), "{html}");
    assert!(!html.contains("EAAG with spaces"), "the token is not echoed: {html}");
    // An empty form too, and a form missing its fields altogether.
    let response = admin.post("/admin/settings/whatsapp", &[("csrf", CSRF)]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.store().get_tenant(tenant.id).await.unwrap().unwrap().whatsapp.is_none());

    // Set: back to the page, which shows the id and never the token; sealed in the store.
    let good = [("csrf", CSRF), ("phone_number_id", &format!(" {OWN_ID} ")), ("token", OWN_TOKEN)];
    let response = admin.post("/admin/settings/whatsapp", &good).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], format!("{PAGE}?done=whatsapp_set"));
    let (_, html) = admin.get(&format!("{PAGE}?done=whatsapp_set")).await;
    assert!(
        html.contains("Guardado.")
            && html.contains(&format!("su propio número, con el identificador <code>{OWN_ID}</code>"))
    );
    assert!(!html.contains(OWN_TOKEN), "{html}");
    let stored = app.store().get_tenant(tenant.id).await.unwrap().unwrap().whatsapp.unwrap();
    assert_eq!(stored.phone_number_id, OWN_ID);
    assert!(stored.token_sealed.starts_with("v1.") && !stored.token_sealed.contains(OWN_TOKEN));
    // The API reads what the page wrote.
    let (_, read) = json(app.api(Method::GET, "/api/v1/settings", &key).send().await.unwrap()).await;
    assert_eq!(read["whatsapp"]["phone_number_id"], OWN_ID);

    // Back to the installation's number.
    let response = admin.post("/admin/settings/whatsapp/remove", &[("csrf", CSRF)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], format!("{PAGE}?done=whatsapp_removed"));
    let (_, html) = admin.get(&format!("{PAGE}?done=whatsapp_removed")).await;
    assert!(html.contains("Quitado.") && !html.contains(OWN_ID), "{html}");
    assert!(app.store().get_tenant(tenant.id).await.unwrap().unwrap().whatsapp.is_none());

    // Audited as the API's change is, by Ana, without the token.
    let (_, audit) = json(app.api(Method::GET, "/api/v1/audit", &key).send().await.unwrap()).await;
    let audit = audit["items"].to_string();
    assert!(audit.contains("tenant.whatsapp_set") && audit.contains("tenant.whatsapp_removed"), "{audit}");
    assert!(audit.contains(&ana.id.to_string()) && !audit.contains(OWN_TOKEN), "{audit}");

    // In English, the same refusal in English.
    let switched = admin.post("/language", &[("csrf", CSRF), ("lang", "en"), ("back", "/")]).await;
    assert_eq!(switched.status(), StatusCode::SEE_OTHER);
    let response =
        admin.post("/admin/settings/whatsapp", &[("csrf", CSRF), ("phone_number_id", "x"), ("token", OWN_TOKEN)]).await;
    let html = response.text().await.unwrap();
    assert!(html.contains("The WhatsApp phone number id is not valid."), "{html}");
    assert!(html.contains("Phone number ID") && html.contains("Access token"), "{html}");
}
both!(an_admin_sets_and_removes_the_organizations_whatsapp_number);

async fn an_admin_uploads_and_removes_the_google_service_account(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let key = app.api_key(&tenant).await;
    let admin = browser(&app, &ana).await;
    let (_, html) = admin.get(PAGE).await;
    assert!(html.contains("Sin cuenta de servicio") && html.contains("enctype=\"multipart/form-data\""), "{html}");

    // Bad key files, uploaded or pasted: a readable refusal beside the field, never a 500, nothing
    // of what was sent shown back.
    let wrong_type = serde_json::json!({"type": "authorized_user", "client_email": SERVICE_ACCOUNT,
        "private_key": SERVICE_KEY})
    .to_string();
    let no_email = serde_json::json!({"type": "service_account", "private_key": SERVICE_KEY}).to_string();
    let bad_key =
        serde_json::json!({"type": "service_account", "client_email": SERVICE_ACCOUNT, "private_key": "nope"})
            .to_string();
    let refused =
        "id=\"key-error\" role=\"alert\">Eso no es el archivo de clave JSON de una cuenta de servicio de Google.";
    for (pasted, file) in [
        ("", b"{ not json".as_slice()),
        ("", wrong_type.as_bytes()),
        (no_email.as_str(), b"".as_slice()),
        (bad_key.as_str(), b"".as_slice()),
        ("", b"\xff\xfe\x00garbage".as_slice()),
        ("[1, 2, 3]", b"".as_slice()),
    ] {
        let (status, html) = upload(&admin, &app, CSRF, pasted, file).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{pasted} {html}");
        assert!(html.contains(refused), "{html}");
        assert!(!html.contains("PRIVATE KEY"), "the key is not echoed: {html}");
    }
    // Neither a file nor a text.
    let (status, html) = upload(&admin, &app, CSRF, "  ", b"").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Elige el archivo de clave o pega su contenido."), "{html}");
    // Not a form with a file at all.
    assert_eq!(
        admin.post("/admin/settings/google-service-account", &[("csrf", CSRF)]).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert!(app.store().get_tenant(tenant.id).await.unwrap().unwrap().google_service_account.is_none());

    // Pasted: set, its address shown, the key sealed. A file (with a byte order mark) replaces it,
    // and the file wins over a text beside it.
    let (status, location) = upload(&admin, &app, CSRF, &key_file(SERVICE_ACCOUNT), b"").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert_eq!(location, format!("{PAGE}?done=service_account_set"));
    let (_, html) = admin.get(&location).await;
    assert!(html.contains(&format!("Sala escribe los calendarios como <code>{SERVICE_ACCOUNT}</code>")), "{html}");
    assert!(!html.contains("PRIVATE KEY") && html.contains("/admin/settings/google-service-account/remove"));
    let other = "otra@acme-project.iam.gserviceaccount.com";
    let file = format!("\u{feff}{}\n", key_file(other));
    let (status, _) = upload(&admin, &app, CSRF, "{ not json", file.as_bytes()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let stored = app.store().get_tenant(tenant.id).await.unwrap().unwrap().google_service_account.unwrap();
    assert_eq!(stored.client_email, other);
    assert!(!stored.key_sealed.contains("PRIVATE KEY"));
    let (_, read) = json(app.api(Method::GET, "/api/v1/settings", &key).send().await.unwrap()).await;
    assert_eq!(read["google_service_account"], other);

    // Removed: people connect their own again.
    let response = admin.post("/admin/settings/google-service-account/remove", &[("csrf", CSRF)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = admin.get(&format!("{PAGE}?done=service_account_removed")).await;
    assert!(html.contains("Quitado.") && html.contains("Sin cuenta de servicio") && !html.contains(other), "{html}");
    assert!(app.store().get_tenant(tenant.id).await.unwrap().unwrap().google_service_account.is_none());

    // Audited as the API's change is, with the address and never the key.
    let (_, audit) = json(app.api(Method::GET, "/api/v1/audit", &key).send().await.unwrap()).await;
    let audit = audit["items"].to_string();
    assert!(
        audit.contains("tenant.google_service_account_set") && audit.contains("tenant.google_service_account_removed")
    );
    assert!(audit.contains(other) && !audit.contains("PRIVATE KEY"), "{audit}");

    // In English.
    admin.post("/language", &[("csrf", CSRF), ("lang", "en"), ("back", "/")]).await;
    let (status, html) = upload(&admin, &app, CSRF, "", b"{ not json").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("That is not a Google service account&#39;s JSON key file."), "{html}");
}
both!(an_admin_uploads_and_removes_the_google_service_account);

/// An upload is a change like any form: held to the person's rate of changes a minute.
#[tokio::test]
async fn uploads_count_against_the_rate_of_changes() {
    let app = TestApp::start(sala_store::testing::fresh_sqlite().await, |s| s.person_writes_per_minute = 2).await;
    let acme = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&acme, "ana@acme.test", "Ana", "admin").await;
    let admin = browser(&app, &ana).await;
    for _ in 0..2 {
        let (status, _) = upload(&admin, &app, CSRF, "{not json", b"").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, page) = upload(&admin, &app, CSRF, "{not json", b"").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
}
