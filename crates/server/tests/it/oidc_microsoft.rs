//! Microsoft sign-in end to end: the real server, a fake Entra (`fake_entra`) with the
//! multi-tenant `organizations` authority, and a test "browser" (reqwest, cookies by hand, the
//! helpers of `oidc`). Then the organization's Microsoft 365 settings through the API.

use crate::fake_entra::{ACME_TID, Account, CLIENT_ID, CLIENT_SECRET, FakeEntra, Misbehave, OTHER_TID};
use crate::helpers::{TestApp, expect_problem};
use crate::oidc::{back, count, expect_failure, expect_signed_in, home_page, location, set_cookie};
use reqwest::{Method, StatusCode};
use sala_app::Context;
use sala_app::tenants::{TenantChanges, update_tenant};
use sala_domain::{Tenant, User};
use sala_server::config::Secret;
use sala_store::testing::TestDb;
use serde_json::json;

const ANA_OID: &str = "00000000-0000-0000-0000-00000000000a";
const OTHER_OID: &str = "00000000-0000-0000-0000-00000000000b";

/// Runs an `async fn(TestApp, FakeEntra)` on SQLite and on PostgreSQL, as two tests.
macro_rules! both_entra {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (app, entra) = super::start(sala_store::testing::fresh_sqlite().await, false).await;
                super::$name(app, entra).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = sala_store::testing::fresh_postgres().await {
                    let (app, entra) = super::start(db, false).await;
                    super::$name(app, entra).await;
                }
            }
        }
    };
}

/// The same on SQLite only (the store plays no part in the case).
macro_rules! sqlite_entra {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (app, entra) = super::start(sala_store::testing::fresh_sqlite().await, false).await;
                super::$name(app, entra).await;
            }
        }
    };
}

/// A fake Entra and the server over `db` using it: the `organizations` authority, or with
/// `single_tenant` Acme's own.
async fn start(db: TestDb, single_tenant: bool) -> (TestApp, FakeEntra) {
    let entra = FakeEntra::start().await;
    let issuer = if single_tenant { format!("{}/{ACME_TID}/v2.0", entra.url) } else { entra.organizations() };
    let login_base = entra.url.clone();
    let app = TestApp::start(db, |settings| {
        settings.microsoft_client_id = Some(CLIENT_ID.to_owned());
        settings.microsoft_client_secret = Some(Secret::new(CLIENT_SECRET));
        settings.microsoft_issuer = issuer;
        settings.microsoft_login_base = login_base;
    })
    .await;
    (app, entra)
}

/// Acme (acme.test), tied to its Entra tenant.
async fn acme(app: &TestApp) -> Tenant {
    let acme = app.tenant("Acme", "acme.test").await;
    let tie = TenantChanges { entra_tenant_id: Some(Some(ACME_TID.to_owned())), ..Default::default() };
    update_tenant(app.store(), &Context::system(acme.id), tie).await.unwrap()
}

/// A whole sign-in with Microsoft by one browser: the callback's response.
async fn sign_in(app: &TestApp) -> reqwest::Response {
    let response = app.request(Method::GET, "/auth/microsoft").query(&[("return_to", "/")]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (login, _) = set_cookie(&response, "sala_login").expect("the sign-in is bound to the browser");
    let at_microsoft = app.http.get(location(&response)).send().await.unwrap();
    assert!(at_microsoft.status().is_redirection(), "{}", at_microsoft.status());
    back(app, &location(&at_microsoft), Some(&login)).await
}

async fn by_oid(app: &TestApp, tenant: &Tenant, oid: &str) -> Option<User> {
    app.store().user_by_microsoft_oid(tenant.id, oid).await.unwrap()
}

async fn discovery_names_the_tenant_template_and_a_first_sign_in_links_by_user_name(app: TestApp, entra: FakeEntra) {
    let acme = acme(&app).await;
    let ana = app.user(&acme, "ana@acme.test", "Ana Beltrán", "member").await;
    entra.sign_in_as(Account::new(ACME_TID, ANA_OID, "Ana@Acme.test", "Ana at Microsoft"));
    let session = expect_signed_in(&sign_in(&app).await, "/");
    assert!(home_page(&app, &session).await.contains("Ana Beltrán"), "the existing person, not a new one");

    let linked = by_oid(&app, &acme, ANA_OID).await.expect("linked by the user name");
    assert_eq!(linked.id, ana.id);
    assert_eq!(count(&app, "users").await, 1);
    let query = sala_store::AuditQuery { limit: 50, ..Default::default() };
    let audit = app.store().list_audit(acme.id, &query).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "user.microsoft_linked"), "the link is audited");

    // What Microsoft was asked: the code flow with PKCE at the organizations authority.
    let asked = &entra.authorize_requests()[0];
    let scopes: Vec<&str> = asked["scope"].split(' ').collect();
    for scope in ["openid", "profile", "email"] {
        assert!(scopes.contains(&scope), "{scopes:?}");
    }
    assert_eq!(asked["client_id"], CLIENT_ID);
    assert_eq!(asked["redirect_uri"], format!("{}/auth/microsoft/callback", app.url));
    assert_eq!(asked["code_challenge_method"], "S256");
    assert!(asked["nonce"].len() >= 16 && asked["state"].len() >= 16);
    assert!(entra.token_refusals().is_empty(), "{:?}", entra.token_refusals());
}
both_entra!(discovery_names_the_tenant_template_and_a_first_sign_in_links_by_user_name);

async fn a_returning_person_is_found_by_object_id_after_their_user_name_changed(app: TestApp, entra: FakeEntra) {
    let acme = acme(&app).await;
    entra.sign_in_as(Account::new(ACME_TID, ANA_OID, "ana@acme.test", "Ana"));
    expect_signed_in(&sign_in(&app).await, "/");
    let first = by_oid(&app, &acme, ANA_OID).await.expect("a new member was created");
    assert_eq!(first.email.as_str(), "ana@acme.test");

    // Renamed in the directory (even to a domain Acme has not listed): the object id decides.
    entra.sign_in_as(Account::new(ACME_TID, ANA_OID, "ana.beltran@acme-renamed.test", "Ana"));
    expect_signed_in(&sign_in(&app).await, "/");
    assert_eq!(by_oid(&app, &acme, ANA_OID).await.unwrap().id, first.id);
    assert_eq!(count(&app, "users").await, 1);
    assert_eq!(count(&app, "sessions").await, 2);
}
both_entra!(a_returning_person_is_found_by_object_id_after_their_user_name_changed);

async fn an_unknown_directory_is_refused(app: TestApp, entra: FakeEntra) {
    acme(&app).await;
    entra.sign_in_as(Account::new(OTHER_TID, ANA_OID, "ana@acme.test", "Ana"));
    let page = expect_failure(&app, sign_in(&app).await, StatusCode::FORBIDDEN).await;
    assert!(page.contains("Tu organización de Microsoft todavía no usa Sala"), "{page}");
    assert_eq!(count(&app, "users").await, 0);
}
both_entra!(an_unknown_directory_is_refused);

async fn a_token_issued_by_another_tenant_than_its_own_is_refused(app: TestApp, entra: FakeEntra) {
    acme(&app).await;
    entra.sign_in_as(Account::new(ACME_TID, ANA_OID, "ana@acme.test", "Ana"));
    entra.misbehave(Misbehave::IssuerOfAnotherTenant);
    expect_failure(&app, sign_in(&app).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(count(&app, "users").await, 0);
}
sqlite_entra!(a_token_issued_by_another_tenant_than_its_own_is_refused);

async fn a_matching_email_claim_alone_links_no_one(app: TestApp, entra: FakeEntra) {
    let acme = acme(&app).await;
    let juan = app.user(&acme, "juan@acme.test", "Juan", "admin").await;
    // Anyone may set their mail attribute to Juan's address; Microsoft does not verify it.
    let mut intruder = Account::new(ACME_TID, OTHER_OID, "intruder@elsewhere.test", "Not Juan");
    intruder.email = Some("juan@acme.test".to_owned());
    entra.sign_in_as(intruder.clone());
    let page = expect_failure(&app, sign_in(&app).await, StatusCode::FORBIDDEN).await;
    assert!(page.contains("El dominio de tu cuenta no es uno de los dominios"), "{page}");

    // With a user name in Acme's domain, the intruder is a new member of their own, not Juan.
    intruder.preferred_username = "intruder@acme.test".to_owned();
    entra.sign_in_as(intruder);
    expect_signed_in(&sign_in(&app).await, "/");
    let intruder = by_oid(&app, &acme, OTHER_OID).await.unwrap();
    assert_ne!(intruder.id, juan.id);
    assert_eq!(intruder.email.as_str(), "intruder@acme.test");
    let juan = app.store().get_user(acme.id, juan.id).await.unwrap().unwrap();
    assert!(juan.microsoft_oid.is_none(), "Juan stays unlinked");
}
both_entra!(a_matching_email_claim_alone_links_no_one);

async fn a_person_linked_to_another_microsoft_account_is_not_taken_over(app: TestApp, entra: FakeEntra) {
    let acme = acme(&app).await;
    entra.sign_in_as(Account::new(ACME_TID, ANA_OID, "ana@acme.test", "Ana"));
    expect_signed_in(&sign_in(&app).await, "/");
    // A new account that was given Ana's user name (a recycled UPN).
    entra.sign_in_as(Account::new(ACME_TID, OTHER_OID, "ana@acme.test", "Ana?"));
    let page = expect_failure_after(&app, sign_in(&app).await, StatusCode::FORBIDDEN).await;
    assert!(page.contains("Esta persona entra con otra cuenta de Microsoft"), "{page}");
    assert!(by_oid(&app, &acme, OTHER_OID).await.is_none());
}
both_entra!(a_person_linked_to_another_microsoft_account_is_not_taken_over);

/// Like `expect_failure`, when earlier sign-ins left sessions.
async fn expect_failure_after(app: &TestApp, response: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    assert!(set_cookie(&response, "sala_session").is_none());
    let _ = app;
    response.text().await.unwrap()
}

async fn spoiled_tokens_are_refused(app: TestApp, entra: FakeEntra) {
    acme(&app).await;
    entra.sign_in_as(Account::new(ACME_TID, ANA_OID, "ana@acme.test", "Ana"));
    for how in [Misbehave::WrongNonce, Misbehave::Expired, Misbehave::OtherKey] {
        entra.misbehave(how);
        let page = expect_failure(&app, sign_in(&app).await, StatusCode::BAD_REQUEST).await;
        assert!(page.contains("Vuelve a iniciar sesión"), "{how:?}: {page}");
    }
    assert_eq!(count(&app, "users").await, 0);
}
sqlite_entra!(spoiled_tokens_are_refused);

async fn a_deactivated_person_is_refused(app: TestApp, entra: FakeEntra) {
    let acme = acme(&app).await;
    entra.sign_in_as(Account::new(ACME_TID, ANA_OID, "ana@acme.test", "Ana"));
    expect_signed_in(&sign_in(&app).await, "/");
    let ana = by_oid(&app, &acme, ANA_OID).await.unwrap();
    let off = User { active: false, ..ana.clone() };
    let audit = Context::system(acme.id).audit("user.updated", "user", Some(ana.id.0), None, None);
    app.store().update_user(&off, &audit).await.unwrap();
    let page = expect_failure_after(&app, sign_in(&app).await, StatusCode::FORBIDDEN).await;
    assert!(page.contains("desactivada"), "{page}");
}
both_entra!(a_deactivated_person_is_refused);

/// A single-tenant issuer is matched exactly: Acme's accounts sign in, another directory's
/// tokens (issued by that directory) are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_tenant_issuer_must_match_exactly() {
    let (app, entra) = start(sala_store::testing::fresh_sqlite().await, true).await;
    let acme = acme(&app).await;
    entra.sign_in_as(Account::new(ACME_TID, ANA_OID, "ana@acme.test", "Ana"));
    expect_signed_in(&sign_in(&app).await, "/");
    assert!(by_oid(&app, &acme, ANA_OID).await.is_some());
    entra.sign_in_as(Account::new(OTHER_TID, OTHER_OID, "eve@acme.test", "Eve"));
    expect_failure_after(&app, sign_in(&app).await, StatusCode::BAD_REQUEST).await;
}

async fn the_sign_in_page_offers_microsoft(app: TestApp, _entra: FakeEntra) {
    let page =
        app.request(Method::GET, "/").header("accept-language", "en").send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"href="/auth/microsoft""#) && page.contains("Sign in with Microsoft"), "{page}");
    assert!(!page.contains(r#"href="/auth/google""#), "Google is not configured here");
}
sqlite_entra!(the_sign_in_page_offers_microsoft);

async fn the_settings_api_ties_the_organization_to_its_entra_tenant(app: TestApp, _entra: FakeEntra) {
    let acme = app.tenant("Acme", "acme.test").await;
    let key = app.api_key(&acme).await;
    let patch = |body: serde_json::Value| app.api(Method::PATCH, "/api/v1/settings", &key).json(&body).send();

    let settings: serde_json::Value =
        app.api(Method::GET, "/api/v1/settings", &key).send().await.unwrap().json().await.unwrap();
    assert_eq!((&settings["entra_tenant_id"], &settings["calendar_service"]), (&json!(null), &json!("google")));

    // Not a GUID, an empty string included (only `null` unties, as the API document says).
    for raw in ["acme", "", "  "] {
        let bad = expect_problem(
            patch(json!({"entra_tenant_id": raw})).await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(
            (&bad["errors"][0]["field"], &bad["errors"][0]["code"]),
            (&json!("entra_tenant_id"), &json!("invalid_entra_tenant")),
            "{raw:?}"
        );
    }
    let early = expect_problem(
        patch(json!({"calendar_service": "microsoft"})).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(early["errors"][0]["code"], "invalid_calendar_service");
    assert!(early["errors"][0]["message"].as_str().unwrap().contains("entra_tenant_id first"), "{early}");
    let unknown = expect_problem(
        patch(json!({"calendar_service": "zoom"})).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(unknown["errors"][0]["code"], "invalid_calendar_service");

    // Both in one request; the GUID is kept in lowercase.
    let tied =
        patch(json!({"entra_tenant_id": ACME_TID.to_uppercase(), "calendar_service": "microsoft"})).await.unwrap();
    assert_eq!(tied.status(), StatusCode::OK);
    let tied: serde_json::Value = tied.json().await.unwrap();
    assert_eq!((&tied["entra_tenant_id"], &tied["calendar_service"]), (&json!(ACME_TID), &json!("microsoft")));
    assert_eq!(app.store().tenant_by_entra(ACME_TID).await.unwrap().map(|t| t.id), Some(acme.id));

    // Untying while Microsoft holds the calendars is refused; back to Google, then untied.
    let untie = expect_problem(
        patch(json!({"entra_tenant_id": null})).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(untie["errors"][0]["code"], "invalid_calendar_service");
    let untied = patch(json!({"entra_tenant_id": null, "calendar_service": "google"})).await.unwrap();
    assert_eq!(untied.status(), StatusCode::OK);
    assert_eq!(untied.json::<serde_json::Value>().await.unwrap()["entra_tenant_id"], json!(null));

    // One Entra tenant, one organization.
    patch(json!({"entra_tenant_id": ACME_TID})).await.unwrap();
    let globex = app.tenant("Globex", "globex.test").await;
    let globex_key = app.api_key(&globex).await;
    let taken = app
        .api(Method::PATCH, "/api/v1/settings", &globex_key)
        .json(&json!({"entra_tenant_id": ACME_TID}))
        .send()
        .await
        .unwrap();
    expect_problem(taken, StatusCode::CONFLICT, "tenant_entra_taken").await;
}
both_entra!(the_settings_api_ties_the_organization_to_its_entra_tenant);
