//! The Google Workspace directory import: the tenant's service account, acting as the admin who
//! clicks, reads `users.list` page by page from Google's fake (bearer token, delegated scope,
//! Workspace admin, `nextPageToken`); suspended people are left out; the same preview and confirm
//! as a CSV file follow. Google's refusals (scope not delegated, not a Workspace admin) and a
//! missing service account are readable pages.

use crate::both;
use crate::helpers::{TestApp, json};
use crate::people_import::{Admin, carried};
use reqwest::{Method, StatusCode};
use sala_channels::google_directory::DIRECTORY_SCOPE;
use sala_channels::testing::FakeGoogle;
use serde_json::json;

const CSRF: &str = "csrfcsrfcsrfcsrfcsrfcsrfcsrfcsrfcsrfcsrfcsr";
const SERVICE_ACCOUNT: &str = "sala-directory@acme-project.iam.gserviceaccount.com";
const SERVICE_KEY: &str = include_str!("fixtures/fake_google_key.pem");

/// The server over a fresh database of `app`'s kind, with Google's fake as its Google.
async fn with_google(app: TestApp) -> Option<(TestApp, FakeGoogle)> {
    let kind = app.db.backend();
    drop(app);
    let db = match kind {
        "postgres" => sala_store::testing::fresh_postgres().await?,
        _ => sala_store::testing::fresh_sqlite().await,
    };
    let google = FakeGoogle::start().await.unwrap();
    let (api_base, token_url) = (google.api_base.clone(), google.token_url.clone());
    let app = TestApp::start(db, |s| {
        s.google_api_base = api_base;
        s.google_token_url = token_url;
    })
    .await;
    Some((app, google))
}

async fn the_directory_is_read_page_by_page_and_imported(app: TestApp) {
    let Some((app, google)) = with_google(app).await else { return };
    let tenant = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&tenant, "ana@acme.test", "Ana Ruiz", "admin").await;
    let admin = Admin::of(&app, &ana).await;
    let google_post = |csrf: &'static str| {
        let admin = &admin;
        async move { admin.post("/admin/people/import/google", &[("csrf", csrf)]).await }
    };

    // No service account yet: no button, and a post says what is missing.
    let (_, html) = admin.get("/admin/people/import").await;
    assert!(!html.contains("/admin/people/import/google"), "{html}");
    let (status, _, html) = google_post(CSRF).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(html.contains("no tiene cuenta de servicio de Google"), "{html}");

    let key = json!({"type": "service_account", "client_email": SERVICE_ACCOUNT, "private_key": SERVICE_KEY,
                     "token_uri": google.token_url});
    let api_key = app.api_key(&tenant).await;
    let put = app.api(Method::PUT, "/api/v1/settings/google-service-account", &api_key).json(&key);
    assert_eq!(json(put.send().await.unwrap()).await.0, StatusCode::OK);
    google.trust_service_account(SERVICE_ACCOUNT, SERVICE_KEY, "acme.test");
    google.add_directory_user("ana@acme.test", "Ana Ruiz", None, false);
    google.add_directory_user("gone@acme.test", "Ex Colega", Some("+34 612 000 000"), true);
    for i in 0..502 {
        let mobile = (i == 7).then_some("+34 612 345 607");
        google.add_directory_user(&format!("p{i}@acme.test"), &format!("Persona {i}"), mobile, false);
    }

    // Ana is a Sala admin but not (yet) a Workspace admin: Google says no, readably.
    let (status, _, html) = google_post(CSRF).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(html.contains("Google no deja a Sala leer el directorio"), "{html}");
    google.make_directory_admin("ana@acme.test");

    // Two pages (500 and the rest), as Ana; the suspended account is left out; Ana herself is
    // already here.
    let (status, _, html) = google_post(CSRF).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let reads: Vec<String> =
        google.calls().into_iter().filter(|c| c.starts_with("GET /admin/directory/v1/users")).collect();
    assert_eq!(reads.len(), 3, "the refused read before, then two pages: {reads:?}");
    assert!(google.delegated_subjects().iter().all(|s| s == "ana@acme.test"), "always as the admin who clicked");
    assert_eq!(html.matches(">Nueva<").count(), 502, "every active person");
    assert!(html.contains("Ya está (sin cambios)") && !html.contains("gone@acme.test"), "suspended left out");
    assert!(by_email(&app, &tenant, "p0@acme.test").await.is_none(), "a preview writes nothing");

    let text = carried(&html);
    let (status, location, _) = admin.post("/admin/people/import/confirm", &[("csrf", CSRF), ("csv", &text)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/admin/people?done=imported&added=502&updated=0&unchanged=1&refused=0");
    let p7 = by_email(&app, &tenant, "p7@acme.test").await.unwrap();
    assert_eq!((p7.name.as_str(), p7.phone.map(String::from)), ("Persona 7", Some("+34612345607".to_owned())));
    assert!(p7.google_subject.is_none() && !p7.whatsapp_opt_in, "invited before ever signing in; no WhatsApp unasked");

    // A forged post reads nothing.
    let before = google.calls().len();
    assert_eq!(google_post("nope").await.0, StatusCode::FORBIDDEN);
    assert_eq!(google.calls().len(), before);

    // The Workspace admin takes the scope out of the delegation: refused at the token endpoint.
    google.withhold_scope(DIRECTORY_SCOPE);
    let (status, _, html) = google_post(CSRF).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(html.contains("admin.directory.user.readonly"), "{html}");
    assert_eq!(google.calls().len(), before, "no call without a token");
}
both!(the_directory_is_read_page_by_page_and_imported);

async fn by_email(app: &TestApp, tenant: &sala_domain::Tenant, email: &str) -> Option<sala_domain::User> {
    app.person(tenant.id, email).await
}
