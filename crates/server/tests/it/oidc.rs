//! Google sign-in end to end: the real server, a fake OpenID provider (`fake_google`) and a test
//! "browser" (reqwest, redirects off, cookies carried by hand). Each failure case checks the
//! status, that the page is readable HTML, and that no session (or account) was created.

use crate::fake_google::{CLIENT_ID, CLIENT_SECRET, FakeGoogle, Misbehave, Person};
use crate::helpers::TestApp;
use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use sala_server::config::Secret;
use sala_store::testing::TestDb;
use sqlx::Connection;
use std::collections::HashMap;

/// Runs an `async fn(TestApp, FakeGoogle)` on SQLite and on PostgreSQL, as two tests.
macro_rules! both_google {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (app, google) = super::start(sala_store::testing::fresh_sqlite().await).await;
                super::$name(app, google).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = sala_store::testing::fresh_postgres().await {
                    let (app, google) = super::start(db).await;
                    super::$name(app, google).await;
                }
            }
        }
    };
}

/// Runs an `async fn(TestApp, FakeGoogle)` on SQLite only (the store plays no part in the case).
macro_rules! sqlite_google {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (app, google) = super::start(sala_store::testing::fresh_sqlite().await).await;
                super::$name(app, google).await;
            }
        }
    };
}

/// A fake Google, and the server over `db` configured to use it.
async fn start(db: TestDb) -> (TestApp, FakeGoogle) {
    start_with(db, |_| {}).await
}

/// The same, with `more` settings on top.
async fn start_with(db: TestDb, more: impl FnOnce(&mut sala_server::config::Settings)) -> (TestApp, FakeGoogle) {
    let google = FakeGoogle::start().await;
    let issuer = google.url.clone();
    let app = TestApp::start(db, |settings| {
        settings.google_client_id = Some(CLIENT_ID.to_owned());
        settings.google_client_secret = Some(Secret::new(CLIENT_SECRET));
        settings.google_revoke_url = format!("{issuer}/revoke");
        settings.google_issuer = issuer;
        more(settings);
    })
    .await;
    (app, google)
}

/// The value of cookie `name` among a response's Set-Cookie headers, and the whole header.
pub(crate) fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|header| {
        let value = header.strip_prefix(&format!("{name}="))?.split(';').next()?;
        Some((value.to_owned(), header.to_owned()))
    })
}

pub(crate) fn location(response: &reqwest::Response) -> String {
    response.headers().get(LOCATION).expect("a Location header").to_str().unwrap().to_owned()
}

pub(crate) fn query(url: &str) -> HashMap<String, String> {
    url::Url::parse(url).unwrap().query_pairs().into_owned().collect()
}

/// A sign-in started by one browser: its `sala_login` cookie and where it was sent.
struct Started {
    login: String,
    authorize_url: String,
}

/// The browser opens `/auth/google?return_to=...`.
async fn begin(app: &TestApp, return_to: &str) -> Started {
    let response = app.request(Method::GET, "/auth/google").query(&[("return_to", return_to)]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (login, _) = set_cookie(&response, "sala_login").expect("the sign-in is bound to the browser");
    Started { login, authorize_url: location(&response) }
}

/// The browser visits the provider, which sends it back: the callback URL.
async fn consent(app: &TestApp, started: &Started) -> String {
    let response = app.http.get(&started.authorize_url).send().await.unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    location(&response)
}

/// The browser follows the provider's redirect back to Sala, with or without its cookie.
pub(crate) async fn back(app: &TestApp, callback_url: &str, login: Option<&str>) -> reqwest::Response {
    let mut request = app.http.get(callback_url);
    if let Some(login) = login {
        request = request.header("cookie", format!("sala_login={login}"));
    }
    request.send().await.unwrap()
}

/// A whole sign-in by one browser; the callback's response.
async fn sign_in(app: &TestApp, return_to: &str) -> reqwest::Response {
    let started = begin(app, return_to).await;
    let callback = consent(app, &started).await;
    back(app, &callback, Some(&started.login)).await
}

/// Asserts a signed-in landing on `path`; returns the session cookie.
pub(crate) fn expect_signed_in(response: &reqwest::Response, path: &str) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(response), path);
    let (session, header) = set_cookie(response, "sala_session").expect("a session cookie");
    assert!(header.contains("HttpOnly") && header.contains("SameSite=Lax"), "{header}");
    let (cleared, _) = set_cookie(response, "sala_login").expect("the login cookie is cleared");
    assert!(cleared.is_empty());
    session
}

/// Asserts a readable error page with `status` and no session; returns the page.
pub(crate) async fn expect_failure(app: &TestApp, response: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    assert!(set_cookie(&response, "sala_session").is_none(), "no session cookie on failure");
    let content_type = response.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await.unwrap();
    assert!(page.contains("<html"), "{page}");
    assert_eq!(count(app, "sessions").await, 0, "no session was stored");
    page
}

/// Rows in `table` (sessions, login_flows or users), straight from the database.
pub(crate) async fn count(app: &TestApp, table: &str) -> i64 {
    let sql = match table {
        "sessions" => "SELECT COUNT(*) FROM sessions",
        "login_flows" => "SELECT COUNT(*) FROM login_flows",
        "users" => "SELECT COUNT(*) FROM users",
        other => panic!("no count for {other}"),
    };
    if app.db.backend() == "sqlite" {
        let mut conn = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    }
}

pub(crate) async fn home_page(app: &TestApp, session: &str) -> String {
    let response =
        app.request(Method::GET, "/").header("cookie", format!("sala_session={session}")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

async fn the_flow_is_authorization_code_with_pkce_state_and_nonce(app: TestApp, google: FakeGoogle) {
    let response = app.request(Method::GET, "/auth/google").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (login, header) = set_cookie(&response, "sala_login").unwrap();
    assert!(login.len() >= 43, "a random token");
    for attribute in ["Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=600"] {
        assert!(header.contains(attribute), "{header}");
    }
    let target = location(&response);
    assert!(target.starts_with(&format!("{}/o/oauth2/v2/auth?", google.url)), "{target}");
    let params = query(&target);
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["client_id"], CLIENT_ID);
    assert_eq!(params["redirect_uri"], format!("{}/auth/google/callback", app.url));
    let scopes: Vec<&str> = params["scope"].split(' ').collect();
    for scope in ["openid", "email", "profile"] {
        assert!(scopes.contains(&scope), "{scopes:?}");
    }
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["code_challenge"].len(), 43, "base64url of a SHA-256");
    assert!(params["state"].len() >= 16 && params["nonce"].len() >= 16);
    assert!(!target.contains(&login), "the browser's token never leaves Sala");

    let again = query(&location(&app.request(Method::GET, "/auth/google").send().await.unwrap()));
    for fresh in ["state", "nonce", "code_challenge"] {
        assert_ne!(again[fresh], params[fresh], "{fresh} is new for every sign-in");
    }
    assert_eq!(google.discovery_requests(), 1, "discovery is fetched once and kept");

    // The provider saw exactly what the browser carried, and sends it back with a code and the state.
    let callback = consent(&app, &Started { login, authorize_url: target }).await;
    assert_eq!(google.authorize_requests()[0].params, params);
    assert!(callback.starts_with(&format!("{}/auth/google/callback?", app.url)), "{callback}");
    assert_eq!(query(&callback)["state"], params["state"]);
    assert_eq!(count(&app, "sessions").await, 0);
}
sqlite_google!(the_flow_is_authorization_code_with_pkce_state_and_nonce);

async fn a_new_person_joins_the_tenant_of_their_email_domain(app: TestApp, google: FakeGoogle) {
    let acme = app.tenant("Acme", "acme.test").await;
    google.sign_in_as(Person::new("g-ana", "ana@acme.test", "Ana Beltrán"));
    let response = sign_in(&app, "/").await;
    let session = expect_signed_in(&response, "/");
    assert!(home_page(&app, &session).await.contains("Ana Beltrán"), "the dashboard greets the person");

    let user = app.store().user_by_google_subject("g-ana").await.unwrap().expect("an account was created");
    assert_eq!(user.tenant_id, acme.id);
    assert_eq!(user.email.as_str(), "ana@acme.test");
    assert_eq!(user.name, "Ana Beltrán");
    assert_eq!(count(&app, "sessions").await, 1);
    assert_eq!(count(&app, "login_flows").await, 0, "the flow is used up");
    assert!(google.token_refusals().is_empty(), "{:?}", google.token_refusals());
}
both_google!(a_new_person_joins_the_tenant_of_their_email_domain);

async fn a_returning_person_is_found_by_subject(app: TestApp, google: FakeGoogle) {
    app.tenant("Acme", "acme.test").await;
    google.sign_in_as(Person::new("g-ana", "ana@acme.test", "Ana"));
    expect_signed_in(&sign_in(&app, "/").await, "/");
    let first = app.store().user_by_google_subject("g-ana").await.unwrap().unwrap();

    // The address changed at Google; the subject is what identifies the account.
    google.sign_in_as(Person::new("g-ana", "ana.beltran@acme.test", "Ana"));
    expect_signed_in(&sign_in(&app, "/").await, "/");
    let second = app.store().user_by_google_subject("g-ana").await.unwrap().unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(count(&app, "users").await, 1);
    assert_eq!(count(&app, "sessions").await, 2);
}
both_google!(a_returning_person_is_found_by_subject);

async fn a_known_person_is_linked_by_email(app: TestApp, google: FakeGoogle) {
    let acme = app.tenant("Acme", "acme.test").await;
    let juan = app.user(&acme, "juan@acme.test", "Juan Pérez", "admin").await;
    assert!(juan.google_subject.is_none());
    google.sign_in_as(Person::new("g-juan", "Juan@Acme.test", "Juan at Google"));
    let session = expect_signed_in(&sign_in(&app, "/").await, "/");
    assert!(home_page(&app, &session).await.contains("Juan Pérez"), "the existing account, not a new one");

    let linked = app.store().user_by_google_subject("g-juan").await.unwrap().unwrap();
    assert_eq!(linked.id, juan.id);
    assert_eq!(count(&app, "users").await, 1);

    // Another Google account with the same verified address (a consumer account made with the
    // work address) does not take over Juan, an admin: refused, nothing re-linked.
    google.sign_in_as(Person::new("g-impostor", "juan@acme.test", "Juan?"));
    let sessions = count(&app, "sessions").await;
    let refused = sign_in(&app, "/").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(&refused, "sala_session").is_none());
    let page = refused.text().await.unwrap();
    assert!(page.contains("Esta persona entra con otra cuenta de Google"), "{page}");
    assert_eq!(count(&app, "sessions").await, sessions, "no session for the other account");
    assert_eq!(
        app.store().get_user(acme.id, juan.id).await.unwrap().unwrap().google_subject.as_deref(),
        Some("g-juan")
    );

    // A member may not unlink; an admin may, and then the next sign-in links the account it comes with.
    let key = app.api_key(&acme).await;
    let ana = app.user(&acme, "ana@acme.test", "Ana", "member").await;
    let ana_session = app.session(&ana).await;
    let unlink = serde_json::json!({"unlink_google": true});
    let refused = app
        .request(reqwest::Method::PATCH, &format!("/api/v1/users/{}", juan.id))
        .header("cookie", format!("sala_session={ana_session}"))
        .json(&unlink)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let (status, view) = crate::helpers::json(
        app.api(reqwest::Method::PATCH, &format!("/api/v1/users/{}", juan.id), &key)
            .json(&unlink)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &view["google_linked"]), (StatusCode::OK, &serde_json::json!(false)), "{view}");
    google.sign_in_as(Person::new("g-juan-new", "juan@acme.test", "Juan"));
    expect_signed_in(&sign_in(&app, "/").await, "/");
    assert_eq!(app.store().user_by_google_subject("g-juan-new").await.unwrap().unwrap().id, juan.id);
}
both_google!(a_known_person_is_linked_by_email);

async fn the_workspace_domain_picks_the_tenant(app: TestApp, google: FakeGoogle) {
    app.tenant("Acme", "acme.test").await;
    let corp = app.tenant("Corp", "corp.test").await;
    let mut person = Person::new("g-eva", "eva@acme.test", "Eva");
    person.hd = Some("corp.test".to_owned());
    google.sign_in_as(person);
    expect_signed_in(&sign_in(&app, "/").await, "/");
    let eva = app.store().user_by_google_subject("g-eva").await.unwrap().unwrap();
    assert_eq!(eva.tenant_id, corp.id, "hd wins over the email's domain");
}
both_google!(the_workspace_domain_picks_the_tenant);

/// An organization that lets in only its Workspace accounts refuses a consumer Google account
/// made with a work address, new or already linked, and lets Workspace accounts in.
async fn an_organization_may_let_in_workspace_accounts_only(app: TestApp, google: FakeGoogle) {
    let acme = app.tenant("Acme", "acme.test").await;
    google.sign_in_as(Person::new("g-personal", "pepa@acme.test", "Pepa"));
    expect_signed_in(&sign_in(&app, "/").await, "/");
    let key = app.api_key(&acme).await;
    let (status, settings) = crate::helpers::json(
        app.api(reqwest::Method::PATCH, "/api/v1/settings", &key)
            .json(&serde_json::json!({"workspace_only": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &settings["workspace_only"]), (StatusCode::OK, &serde_json::json!(true)));

    let sessions = count(&app, "sessions").await;
    for person in
        [Person::new("g-personal", "pepa@acme.test", "Pepa"), Person::new("g-other", "otro@acme.test", "Otro")]
    {
        google.sign_in_as(person);
        let refused = sign_in(&app, "/").await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let page = refused.text().await.unwrap();
        assert!(page.contains("solo deja entrar con sus cuentas de Google Workspace"), "{page}");
    }
    assert_eq!(count(&app, "sessions").await, sessions, "nobody got in");
    assert_eq!(count(&app, "users").await, 1, "no account was made for the other");

    let mut work = Person::new("g-work", "ana@acme.test", "Ana");
    work.hd = Some("acme.test".to_owned());
    google.sign_in_as(work);
    expect_signed_in(&sign_in(&app, "/").await, "/");
}
both_google!(an_organization_may_let_in_workspace_accounts_only);

/// Each sign-in started stores a flow: one address may start 60 a minute, then gets a readable
/// page saying how long to wait, and nothing more is stored.
async fn sign_ins_started_from_one_address_are_rate_limited(app: TestApp, _google: FakeGoogle) {
    for _ in 0..60 {
        begin(&app, "/").await;
    }
    let flows = count(&app, "login_flows").await;
    let refused = app.request(Method::GET, "/auth/google").send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(set_cookie(&refused, "sala_login").is_none());
    let page = refused.text().await.unwrap();
    assert!(page.contains("Se han iniciado demasiadas sesiones desde esta dirección. Espera"), "{page}");
    assert_eq!(count(&app, "login_flows").await, flows, "no flow stored past the limit");
}
both_google!(sign_ins_started_from_one_address_are_rate_limited);

async fn an_unknown_domain_gets_a_clear_page_and_no_account(app: TestApp, google: FakeGoogle) {
    app.tenant("Acme", "acme.test").await;
    google.sign_in_as(Person::new("g-zoe", "zoe@elsewhere.test", "Zoe"));
    let page = expect_failure(&app, sign_in(&app, "/").await, StatusCode::FORBIDDEN).await;
    assert!(page.contains("elsewhere.test"), "{page}");
    assert!(page.contains("Ninguna organización"), "Spanish by default: {page}");
    assert_eq!(count(&app, "users").await, 0, "no account was created");

    let started = begin(&app, "/").await;
    let callback = consent(&app, &started).await;
    let english = app
        .http
        .get(&callback)
        .header("cookie", format!("sala_login={}", started.login))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    let page = expect_failure(&app, english, StatusCode::FORBIDDEN).await;
    assert!(page.contains("No organization uses Sala with that domain"), "{page}");
    assert!(page.contains("(elsewhere.test)"), "the page names the domain: {page}");
}
both_google!(an_unknown_domain_gets_a_clear_page_and_no_account);

async fn a_replayed_callback_is_refused(app: TestApp, google: FakeGoogle) {
    app.tenant("Acme", "acme.test").await;
    let started = begin(&app, "/").await;
    let callback = consent(&app, &started).await;
    expect_signed_in(&back(&app, &callback, Some(&started.login)).await, "/");

    let replay = back(&app, &callback, Some(&started.login)).await;
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST, "the flow is used once");
    assert!(set_cookie(&replay, "sala_session").is_none());
    assert_eq!(count(&app, "sessions").await, 1, "still only the first session");
    assert!(google.token_refusals().is_empty(), "the replay never reached the provider");
}
both_google!(a_replayed_callback_is_refused);

async fn a_wrong_state_is_refused(app: TestApp, google: FakeGoogle) {
    app.tenant("Acme", "acme.test").await;
    let started = begin(&app, "/").await;
    let callback = consent(&app, &started).await;
    let mut url = url::Url::parse(&callback).unwrap();
    let code = query(&callback)["code"].clone();
    url.query_pairs_mut().clear().append_pair("code", &code).append_pair("state", "forged-state");
    expect_failure(&app, back(&app, url.as_str(), Some(&started.login)).await, StatusCode::BAD_REQUEST).await;

    // The flow is gone now: even the genuine callback cannot complete it.
    expect_failure(&app, back(&app, &callback, Some(&started.login)).await, StatusCode::BAD_REQUEST).await;
    assert!(google.token_refusals().is_empty(), "no code was redeemed");
    assert_eq!(count(&app, "users").await, 0);
}
sqlite_google!(a_wrong_state_is_refused);

async fn a_callback_without_its_browser_cookie_is_refused(app: TestApp, _google: FakeGoogle) {
    app.tenant("Acme", "acme.test").await;
    let started = begin(&app, "/").await;
    let callback = consent(&app, &started).await;
    expect_failure(&app, back(&app, &callback, None).await, StatusCode::BAD_REQUEST).await;
    expect_failure(&app, back(&app, &callback, Some("made-up-token")).await, StatusCode::BAD_REQUEST).await;
    expect_failure(&app, back(&app, &callback, Some(&"x".repeat(500))).await, StatusCode::BAD_REQUEST).await;

    // Another browser's flow: the victim's cookie with the attacker's callback (login CSRF).
    let attacker = begin(&app, "/").await;
    let attacker_callback = consent(&app, &attacker).await;
    expect_failure(&app, back(&app, &attacker_callback, Some(&started.login)).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(count(&app, "users").await, 0);
}
sqlite_google!(a_callback_without_its_browser_cookie_is_refused);

/// Signs in while the provider misbehaves `how`; expects `status` and no session or account.
async fn refused_when(app: &TestApp, google: &FakeGoogle, how: Misbehave, status: StatusCode) -> String {
    app.tenant("Acme", "acme.test").await;
    google.misbehave(how);
    let page = expect_failure(app, sign_in(app, "/").await, status).await;
    assert_eq!(count(app, "users").await, 0, "{how:?}: no account");
    assert!(google.token_refusals().is_empty(), "{how:?}: the code was redeemed, the ID token refused");
    page
}

async fn a_wrong_nonce_is_refused(app: TestApp, google: FakeGoogle) {
    refused_when(&app, &google, Misbehave::WrongNonce, StatusCode::BAD_REQUEST).await;
}
sqlite_google!(a_wrong_nonce_is_refused);

async fn an_expired_id_token_is_refused(app: TestApp, google: FakeGoogle) {
    refused_when(&app, &google, Misbehave::Expired, StatusCode::BAD_REQUEST).await;
}
sqlite_google!(an_expired_id_token_is_refused);

async fn a_token_signed_with_another_key_is_refused(app: TestApp, google: FakeGoogle) {
    refused_when(&app, &google, Misbehave::OtherKey, StatusCode::BAD_REQUEST).await;
}
sqlite_google!(a_token_signed_with_another_key_is_refused);

async fn a_token_for_another_client_is_refused(app: TestApp, google: FakeGoogle) {
    refused_when(&app, &google, Misbehave::WrongAudience, StatusCode::BAD_REQUEST).await;
}
sqlite_google!(a_token_for_another_client_is_refused);

async fn a_token_from_another_issuer_is_refused(app: TestApp, google: FakeGoogle) {
    refused_when(&app, &google, Misbehave::WrongIssuer, StatusCode::BAD_REQUEST).await;
}
sqlite_google!(a_token_from_another_issuer_is_refused);

async fn an_unverified_email_is_refused(app: TestApp, google: FakeGoogle) {
    app.tenant("Acme", "acme.test").await;
    let mut person = Person::new("g-ana", "ana@acme.test", "Ana");
    person.email_verified = false;
    google.sign_in_as(person);
    let page = expect_failure(&app, sign_in(&app, "/").await, StatusCode::FORBIDDEN).await;
    assert!(page.contains("verificado"), "{page}");
    assert_eq!(count(&app, "users").await, 0);
}
sqlite_google!(an_unverified_email_is_refused);

async fn a_token_without_email_is_refused(app: TestApp, google: FakeGoogle) {
    app.tenant("Acme", "acme.test").await;
    let mut person = Person::new("g-ana", "ana@acme.test", "Ana");
    person.email = None;
    google.sign_in_as(person);
    expect_failure(&app, sign_in(&app, "/").await, StatusCode::FORBIDDEN).await;
    assert_eq!(count(&app, "users").await, 0);
}
sqlite_google!(a_token_without_email_is_refused);

async fn a_cancelled_consent_is_a_clear_page(app: TestApp, google: FakeGoogle) {
    app.tenant("Acme", "acme.test").await;
    google.misbehave(Misbehave::DenyAccess);
    let started = begin(&app, "/").await;
    let callback = consent(&app, &started).await;
    assert_eq!(query(&callback)["error"], "access_denied");
    let response = back(&app, &callback, Some(&started.login)).await;
    let (cleared, _) = set_cookie(&response, "sala_login").expect("the login cookie is cleared");
    assert!(cleared.is_empty());
    let page = expect_failure(&app, response, StatusCode::FORBIDDEN).await;
    assert!(page.contains("Google no ha autorizado"), "{page}");
    assert_eq!(count(&app, "login_flows").await, 0, "the flow is used up");
}
sqlite_google!(a_cancelled_consent_is_a_clear_page);

async fn return_to_stays_on_this_site(app: TestApp, google: FakeGoogle) {
    app.tenant("Acme", "acme.test").await;
    google.sign_in_as(Person::new("g-ana", "ana@acme.test", "Ana"));
    expect_signed_in(&sign_in(&app, "/rooms?floor=2").await, "/rooms?floor=2");
    for outside in ["https://evil.test/steal", "//evil.test", "/\\evil.test", "javascript:alert(1)"] {
        expect_signed_in(&sign_in(&app, outside).await, "/");
    }
}
sqlite_google!(return_to_stays_on_this_site);

async fn rotated_keys_are_fetched_again(app: TestApp, google: FakeGoogle) {
    app.tenant("Acme", "acme.test").await;
    expect_signed_in(&sign_in(&app, "/").await, "/");
    assert_eq!(google.jwks_requests(), 1);
    google.rotate_keys();
    expect_signed_in(&sign_in(&app, "/").await, "/");
    assert_eq!(google.jwks_requests(), 2, "an unknown key id refreshes the key set once");
    assert_eq!(google.discovery_requests(), 1);
}
sqlite_google!(rotated_keys_are_fetched_again);

async fn an_unreachable_provider_is_a_502_and_is_retried(app: TestApp, google: FakeGoogle) {
    google.misbehave(Misbehave::DiscoveryDown);
    let response = app.request(Method::GET, "/auth/google").send().await.unwrap();
    assert!(set_cookie(&response, "sala_login").is_none());
    expect_failure(&app, response, StatusCode::BAD_GATEWAY).await;

    google.misbehave(Misbehave::Nothing);
    app.tenant("Acme", "acme.test").await;
    expect_signed_in(&sign_in(&app, "/").await, "/");
    assert_eq!(google.discovery_requests(), 2, "the failure was not cached");
}
sqlite_google!(an_unreachable_provider_is_a_502_and_is_retried);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_configuration_google_sign_in_says_so() {
    let app = TestApp::sqlite().await;
    let response = app.request(Method::GET, "/auth/google").header("accept-language", "en").send().await.unwrap();
    let page = expect_failure(&app, response, StatusCode::NOT_FOUND).await;
    assert!(page.contains("Google sign-in is not configured"), "{page}");
    let callback = app.request(Method::GET, "/auth/google/callback?code=x&state=y").send().await.unwrap();
    expect_failure(&app, callback, StatusCode::NOT_FOUND).await;
}

/// A signed-in browser opens `/auth/google/calendar`, consents at Google and comes back.
async fn connect_calendar(app: &TestApp, session: &str) -> reqwest::Response {
    let response = app
        .request(Method::GET, "/auth/google/calendar")
        .query(&[("return_to", "/?google=connected")])
        .header("cookie", format!("sala_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (login, _) = set_cookie(&response, "sala_login").unwrap();
    let started = Started { login, authorize_url: location(&response) };
    let callback = consent(app, &started).await;
    app.http
        .get(&callback)
        .header("cookie", format!("sala_login={}; sala_session={session}", started.login))
        .send()
        .await
        .unwrap()
}

async fn connecting_google_calendar_keeps_a_sealed_grant(app: TestApp, google: FakeGoogle) {
    let acme = app.tenant("Acme", "acme.test").await;
    google.sign_in_as(Person::new("g-ana", "ana@acme.test", "Ana"));
    let session = expect_signed_in(&sign_in(&app, "/").await, "/");

    // Anonymous visitors sign in first.
    let anonymous = app.request(Method::GET, "/auth/google/calendar").send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&anonymous), "/auth/google?return_to=/auth/google/calendar");

    let back = connect_calendar(&app, &session).await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER, "{}", back.text().await.unwrap());
    assert_eq!(location(&back), "/?google=connected");
    // Asked for: the calendar on top of sign-in, offline, consent again, this account.
    let asked = google.authorize_requests().last().unwrap().params.clone();
    assert!(asked["scope"].split(' ').any(|s| s == "https://www.googleapis.com/auth/calendar.events"), "{asked:?}");
    assert_eq!((asked["access_type"].as_str(), asked["prompt"].as_str()), ("offline", "consent"));
    assert_eq!(asked["include_granted_scopes"], "true");
    assert_eq!(asked["login_hint"], "ana@acme.test");

    // Kept sealed: the refresh token is nowhere in clear, and the API says connected.
    let ana = app.store().user_by_google_subject("g-ana").await.unwrap().unwrap();
    let kept = app.store().google_connection(acme.id, ana.id).await.unwrap().unwrap();
    let refresh = google.refresh_tokens().last().unwrap().clone();
    assert!(kept.is_connected() && kept.google_subject == "g-ana");
    assert!(!kept.refresh_token_sealed.contains(&refresh) && kept.refresh_token_sealed.starts_with("v1."));
    let status = app
        .request(Method::GET, "/api/v1/me/google")
        .header("cookie", format!("sala_session={session}"))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(status["status"], "connected");
    assert!(!status.to_string().contains(&refresh));

    // Unticking the calendar on Google's screen: a clear page, nothing kept.
    disconnect(&app, &session).await;
    google.misbehave(Misbehave::DropCalendarScope);
    let refused = connect_calendar(&app, &session).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.unwrap().contains("calendar"));
    assert!(app.store().google_connection(acme.id, ana.id).await.unwrap().is_none());
}
both_google!(connecting_google_calendar_keeps_a_sealed_grant);

const CALENDAR: &str = "https://www.googleapis.com/auth/calendar.events";

/// What the latest `/authorize` request asked for.
fn last_asked(google: &FakeGoogle) -> HashMap<String, String> {
    google.authorize_requests().last().unwrap().params.clone()
}

async fn signing_in_asks_for_the_calendar_in_the_same_consent(app: TestApp, google: FakeGoogle) {
    let acme = app.tenant("Acme", "acme.test").await;
    google.sign_in_as(Person::new("g-ana", "ana@acme.test", "Ana"));
    let session = expect_signed_in(&sign_in(&app, "/").await, "/");

    // One consent: sign-in and the calendar, offline, adding to what was granted before; no
    // forced consent screen (Google shows it only for what is new).
    let asked = last_asked(&google);
    assert!(asked["scope"].split(' ').any(|s| s == CALENDAR), "{asked:?}");
    assert_eq!(asked["access_type"], "offline");
    assert_eq!(asked["include_granted_scopes"], "true");
    assert!(!asked.contains_key("prompt"), "{asked:?}");
    let ana = app.store().user_by_google_subject("g-ana").await.unwrap().unwrap();
    let kept = app.store().google_connection(acme.id, ana.id).await.unwrap().expect("connected at sign-in");
    assert!(kept.is_connected() && kept.scopes.iter().any(|s| s == CALENDAR));
    let refresh = google.refresh_tokens();
    assert_eq!(refresh.len(), 1);
    assert!(!kept.refresh_token_sealed.contains(&refresh[0]));

    // Signing in again: Google skips the consent screen and sends no new refresh token; the
    // grant kept stays as it was.
    expect_signed_in(&sign_in(&app, "/").await, "/");
    assert_eq!(google.refresh_tokens().len(), 1, "no new refresh token without a consent screen");
    let again = app.store().google_connection(acme.id, ana.id).await.unwrap().unwrap();
    assert_eq!(again.refresh_token_sealed, kept.refresh_token_sealed);

    // Disconnecting gives the grant back to Google, so the next sign-in shows the consent
    // screen again: the calendar is connected only if the person leaves its box ticked.
    disconnect(&app, &session).await;
    assert_eq!(google.revoked(), refresh, "the refresh token was revoked at Google");
    assert!(app.store().google_connection(acme.id, ana.id).await.unwrap().is_none());
    google.misbehave(Misbehave::DropCalendarScope);
    expect_signed_in(&sign_in(&app, "/").await, "/");
    assert!(app.store().google_connection(acme.id, ana.id).await.unwrap().is_none());
    google.misbehave(Misbehave::Nothing);
    expect_signed_in(&sign_in(&app, "/").await, "/");
    assert!(app.store().google_connection(acme.id, ana.id).await.unwrap().is_some_and(|c| c.is_connected()));
}
both_google!(signing_in_asks_for_the_calendar_in_the_same_consent);

/// `DELETE /api/v1/me/google` from a signed-in browser.
async fn disconnect(app: &TestApp, session: &str) {
    let csrf = "t".repeat(43);
    let response = app
        .request(Method::DELETE, "/api/v1/me/google")
        .header("cookie", format!("sala_session={session}; sala_csrf={csrf}"))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn unticking_the_calendar_at_sign_in_still_signs_in(app: TestApp, google: FakeGoogle) {
    let acme = app.tenant("Acme", "acme.test").await;
    google.sign_in_as(Person::new("g-ana", "ana@acme.test", "Ana"));
    google.misbehave(Misbehave::DropCalendarScope);
    let session = expect_signed_in(&sign_in(&app, "/").await, "/");
    let ana = app.store().user_by_google_subject("g-ana").await.unwrap().unwrap();
    assert!(app.store().google_connection(acme.id, ana.id).await.unwrap().is_none());
    assert!(home_page(&app, &session).await.contains("Ana"));
}
sqlite_google!(unticking_the_calendar_at_sign_in_still_signs_in);

/// An organization that chose not to ask at sign-in (`SALA_GOOGLE_CALENDAR_AT_SIGN_IN=false`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organization_may_ask_only_for_sign_in() {
    let db = sala_store::testing::fresh_sqlite().await;
    let (app, google) = start_with(db, |s| s.google_calendar_at_sign_in = false).await;
    let acme = app.tenant("Acme", "acme.test").await;
    google.sign_in_as(Person::new("g-ana", "ana@acme.test", "Ana"));
    expect_signed_in(&sign_in(&app, "/").await, "/");
    let asked = last_asked(&google);
    let mut scopes: Vec<&str> = asked["scope"].split(' ').collect();
    scopes.sort_unstable();
    assert_eq!(scopes, ["email", "openid", "profile"]);
    assert!(!asked.contains_key("access_type"));
    let ana = app.store().user_by_google_subject("g-ana").await.unwrap().unwrap();
    assert!(app.store().google_connection(acme.id, ana.id).await.unwrap().is_none());
}
