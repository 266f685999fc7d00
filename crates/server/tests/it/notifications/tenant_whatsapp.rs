//! A tenant sends WhatsApp from its own number: the token is sealed at rest, never shown, and
//! used for that tenant's messages only; a token that no longer opens ends the job dead.

use super::*;
use sala_app::secrets::SecretBox;
use sala_app::tenants::whatsapp_token_owner;
use sala_channels::testing::FAKE_WHATSAPP_PHONE_ID;
use sala_domain::tenant::WhatsAppAccount;

const OWN_ID: &str = "209876543210987";
const OWN_TOKEN: &str = "EAAG-acme-own-token-0123456789";

async fn a_tenant_sends_whatsapp_from_its_own_number(app: TestApp) {
    let Some((app, w)) = world(app).await else { return };
    let runner = app.runner();
    w.whatsapp.add_account(OWN_ID, OWN_TOKEN);
    let put = |body: Value| app.api(Method::PUT, "/api/v1/settings/whatsapp", &w.key).json(&body).send();

    // Bad input: each field says what is wrong; a missing field is a bad body.
    for (body, field, code) in [
        (json!({"phone_number_id": "12ab5", "token": OWN_TOKEN}), "phone_number_id", "invalid_phone_number_id"),
        (json!({"phone_number_id": OWN_ID, "token": "short"}), "token", "invalid_token"),
        (json!({"phone_number_id": OWN_ID, "token": "EAAG with spaces inside the token"}), "token", "invalid_token"),
    ] {
        let problem =
            expect_problem(put(body).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field);
        assert_eq!(problem["errors"][0]["code"], code);
    }
    expect_problem(
        put(json!({"phone_number_id": OWN_ID})).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;

    // A member may not set it.
    let juan = app.store().user_by_email(w.tenant.id, &sala_domain::Email::parse("juan@acme.test").unwrap()).await;
    let session = app.session(&juan.unwrap().unwrap()).await;
    let csrf = "t".repeat(43);
    let by_member = app
        .request(Method::PUT, "/api/v1/settings/whatsapp")
        .header("cookie", format!("sala_session={session}; sala_csrf={csrf}"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"phone_number_id": OWN_ID, "token": OWN_TOKEN}))
        .send()
        .await
        .unwrap();
    expect_problem(by_member, StatusCode::FORBIDDEN, "forbidden").await;

    // Set: shown by its id only, sealed in the store, absent from the audit log.
    let (status, settings) = json(put(json!({"phone_number_id": OWN_ID, "token": OWN_TOKEN})).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings["whatsapp"], json!({"phone_number_id": OWN_ID, "token_set": true}));
    let (_, read) = json(app.api(Method::GET, "/api/v1/settings", &w.key).send().await.unwrap()).await;
    assert_eq!(read["whatsapp"], settings["whatsapp"]);
    assert!(!read.to_string().contains(OWN_TOKEN));
    let stored = app.store().get_tenant(w.tenant.id).await.unwrap().unwrap().whatsapp.unwrap();
    assert!(stored.token_sealed.starts_with("v1.") && !stored.token_sealed.contains(OWN_TOKEN));
    let (_, audit) = json(app.api(Method::GET, "/api/v1/audit", &w.key).send().await.unwrap()).await;
    let audit = audit["items"].clone();
    assert!(audit.to_string().contains("tenant.whatsapp_set") && !audit.to_string().contains(OWN_TOKEN));
    // Nor its sealed form, in any later snapshot of the organization.
    let (status, _) = json(
        app.api(Method::PATCH, "/api/v1/settings", &w.key).json(&json!({"name": "Acme SA"})).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, audit) = json(app.api(Method::GET, "/api/v1/audit", &w.key).send().await.unwrap()).await;
    let audit = audit["items"].to_string();
    assert!(audit.contains("tenant.updated") && audit.contains(OWN_ID), "{audit}");
    assert!(!audit.contains("_sealed") && !audit.contains(&stored.token_sealed), "{audit}");
    let (_, status) = json(app.api(Method::GET, "/api/v1/notifications/status", &w.key).send().await.unwrap()).await;
    assert_eq!(status["whatsapp_configured"], true);

    // The organizer's confirmation goes from the tenant's number, with its token.
    create(&app, &w, now_millis() + 5 * HOUR, "Desde nuestro número", &[]).await;
    app.run_jobs_at(&runner, now_millis()).await;
    assert_eq!(w.whatsapp.accepted().len(), 1);
    assert_eq!(w.whatsapp.senders(), [OWN_ID]);

    // Removed: back to the installation's number.
    let (status, settings) =
        json(app.api(Method::DELETE, "/api/v1/settings/whatsapp", &w.key).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(settings["whatsapp"], Value::Null);
    create(&app, &w, now_millis() + 7 * HOUR, "Desde el número de Sala", &[]).await;
    app.run_jobs_at(&runner, now_millis()).await;
    assert_eq!(w.whatsapp.senders(), [OWN_ID, FAKE_WHATSAPP_PHONE_ID]);

    // A token sealed under another key (the server's key was changed) does not open: the email
    // still goes, the job ends dead saying why, and nothing reaches Meta.
    let mut tenant = app.store().get_tenant(w.tenant.id).await.unwrap().unwrap();
    let foreign = SecretBox::new(&[9; 32]).seal(&whatsapp_token_owner(tenant.id), OWN_TOKEN);
    tenant.whatsapp = Some(WhatsAppAccount { phone_number_id: OWN_ID.into(), token_sealed: foreign });
    let entry = Context::system(tenant.id).audit("tenant.updated", "tenant", Some(tenant.id.0), None, None);
    app.store().update_tenant(&tenant, &entry).await.unwrap();
    let mails = w.smtp.received().len();
    create(&app, &w, now_millis() + 9 * HOUR, "Token roto", &[]).await;
    app.run_jobs_at(&runner, now_millis()).await;
    assert_eq!(w.smtp.received().len(), mails + 1);
    assert_eq!(w.whatsapp.seen().len(), 2);
    let (_, dead) = json(app.api(Method::GET, "/api/v1/jobs?status=dead", &w.key).send().await.unwrap()).await;
    let dead = dead["items"].clone();
    let dead = dead.as_array().unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(dead[0]["last_error"].as_str().unwrap().contains("WhatsApp token"), "{}", dead[0]);
}
both!(a_tenant_sends_whatsapp_from_its_own_number);
