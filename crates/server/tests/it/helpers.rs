//! `TestApp`: a real `sala` server on 127.0.0.1:0 over a fresh database, with builders for the
//! tenants, people and keys a test needs, and a client that speaks to it over HTTP.

use reqwest::{Method, RequestBuilder, StatusCode};
use sala_app::Context;
use sala_domain::{Tenant, TenantId, User};
use sala_server::App;
use sala_server::config::{LogFormat, Settings};
use sala_store::testing::{TestDb, fresh_postgres, fresh_sqlite};
use serde_json::Value;
use std::sync::Arc;

/// Runs an `async fn(TestApp)` once on SQLite and once on PostgreSQL, as two tests.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::TestApp::sqlite().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::helpers::TestApp::postgres().await {
                    super::$name(app).await;
                }
            }
        }
    };
}

pub struct TestApp {
    pub url: String,
    pub db: TestDb,
    pub http: reqwest::Client,
    /// The settings the server runs with (and its job runner is built from).
    pub settings: Settings,
    /// The server as `sala serve` wires it.
    pub app: Arc<App>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Settings as a test wants them: nothing from the environment, dev mode off.
pub fn test_settings(database_url: &str) -> Settings {
    Settings {
        data_dir: std::env::temp_dir(),
        database_url: Some(database_url.to_owned()),
        listen: "127.0.0.1:0".parse().unwrap(),
        base_url: String::new(),
        // The same key for the server and the runners a test builds (they open each other's secrets).
        secret_key: Some(sala_server::config::Secret::new("07".repeat(32))),
        dev: false,
        google_client_id: None,
        google_client_secret: None,
        google_calendar_at_sign_in: true,
        google_issuer: "http://127.0.0.1:9/unused".to_owned(),
        google_api_base: "http://127.0.0.1:9/unused".to_owned(),
        google_token_url: "http://127.0.0.1:9/unused/token".to_owned(),
        google_revoke_url: "http://127.0.0.1:9/unused/revoke".to_owned(),
        microsoft_client_id: None,
        microsoft_client_secret: None,
        microsoft_issuer: "http://127.0.0.1:9/unused".to_owned(),
        microsoft_login_base: "http://127.0.0.1:9/unused".to_owned(),
        microsoft_graph_base: "http://127.0.0.1:9/unused".to_owned(),
        log_format: LogFormat::Text,
        session_hours: 24,
        max_body_bytes: 64 * 1024,
        http_max_connections: 64,
        http_header_timeout_seconds: 15,
        http_body_timeout_seconds: 10,
        http_request_timeout_seconds: 30,
        smtp_url: None,
        mail_from: None,
        whatsapp_api_base: "http://127.0.0.1:9/unused".to_owned(),
        whatsapp_phone_number_id: None,
        whatsapp_token: None,
        whatsapp_template_created: "sala_booking_created".to_owned(),
        whatsapp_template_created_with_link: None,
        whatsapp_template_updated: "sala_booking_updated".to_owned(),
        whatsapp_template_cancelled: "sala_booking_cancelled".to_owned(),
        whatsapp_template_reminder: "sala_booking_reminder".to_owned(),
        whatsapp_language_es: "es".to_owned(),
        whatsapp_language_en: "en".to_owned(),
        jobs: false,
        jobs_concurrency: 4,
        retention_days: 30,
        calendar_push: false,
        calendar_reconcile_minutes: 15,
        jobs_tenant_share: 4,
        jobs_lease_seconds: 300,
        webhooks_allow_private: false,
        webhooks_timeout_seconds: 10,
        api_requests_per_minute: 100_000,
        person_writes_per_minute: 100_000,
        guests_per_person_per_day: 50,
        guests_per_organization_per_day: 500,
        kiosk_check_ins_per_minute: 30,
        metrics_token: None,
    }
}

impl TestApp {
    pub async fn sqlite() -> Self {
        Self::start(fresh_sqlite().await, |_| {}).await
    }

    pub async fn postgres() -> Option<Self> {
        Some(Self::start(fresh_postgres().await?, |_| {}).await)
    }

    /// Starts a server over `db` with settings adjusted by `configure`.
    pub async fn start(db: TestDb, configure: impl FnOnce(&mut Settings)) -> Self {
        // Server logs (warnings and errors, or what RUST_LOG asks for) show with a failing test's output.
        let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned());
        let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter(filter).try_init();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut settings = test_settings(&db.url);
        settings.listen = addr;
        configure(&mut settings);
        let settings = settings.finish().unwrap();
        let url = settings.base_url.clone();
        let app = Arc::new(App::build(settings.clone(), db.store.clone()).unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = app.clone();
        tokio::spawn(async move {
            server
                .serve(listener, async {
                    let _ = rx.await;
                })
                .await
        });
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { url, db, http, settings, app, shutdown: Some(tx) }
    }

    /// A second server process's worth of state on the same database (its own pool), as when
    /// several `sala serve` instances share one PostgreSQL. Returns its base URL; it stops with
    /// the test's runtime.
    pub async fn second_instance(&self) -> String {
        let store = sala_store::connect(&self.db.url).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut settings = test_settings(&self.db.url);
        settings.listen = listener.local_addr().unwrap();
        let settings = settings.finish().unwrap();
        let url = settings.base_url.clone();
        let app = App::build(settings, store).unwrap();
        tokio::spawn(async move { app.serve(listener, std::future::pending()).await });
        url
    }

    /// The job runner of the server under test, as `sala serve` builds it.
    pub fn runner(&self) -> sala_app::jobs::Runner {
        self.app.runner()
    }

    /// The job runner of another process: other settings or another store, wired the same way.
    pub fn runner_with(&self, settings: &Settings, store: Arc<dyn sala_app::Store>) -> sala_app::jobs::Runner {
        App::build(settings.clone(), store).unwrap().runner()
    }

    /// Runs every job due at `now` (Unix ms) until none is left; returns how many ran.
    pub async fn run_jobs_at(&self, runner: &sala_app::jobs::Runner, now: i64) -> usize {
        let mut total = 0;
        for _ in 0..100 {
            let ran = runner.run_due(now).await.unwrap();
            if ran == 0 {
                return total;
            }
            total += ran;
        }
        panic!("jobs kept coming after 100 rounds");
    }

    pub fn store(&self) -> &dyn sala_app::Store {
        self.db.store.as_ref()
    }

    /// A tenant with one email domain.
    pub async fn tenant(&self, name: &str, domain: &str) -> Tenant {
        let input =
            sala_app::tenants::NewTenant { name: name.into(), domains: vec![domain.into()], ..Default::default() };
        sala_app::tenants::create_tenant(self.store(), input).await.unwrap()
    }

    /// A person of `tenant` with role `admin` or `member`.
    pub async fn user(&self, tenant: &Tenant, email: &str, name: &str, role: &str) -> User {
        let input = sala_app::users::NewUser {
            email: email.into(),
            name: name.into(),
            role: Some(sala_domain::Role::parse(role).unwrap()),
            ..Default::default()
        };
        sala_app::users::create_user(self.store(), &Context::system(tenant.id), input).await.unwrap()
    }

    /// A fresh API key of `tenant`; returns the secret.
    /// The person of `tenant` with this address, if any.
    pub async fn person(&self, tenant: TenantId, email: &str) -> Option<User> {
        self.store().user_by_email(tenant, &sala_domain::Email::parse(email).unwrap()).await.unwrap()
    }

    pub async fn api_key(&self, tenant: &Tenant) -> String {
        let created =
            sala_app::api_keys::create_api_key(self.store(), &Context::system(tenant.id), "test", None).await.unwrap();
        created.secret
    }

    /// A signed-in browser of `user`: the session cookie value.
    pub async fn session(&self, user: &User) -> String {
        sala_app::sessions::start_session(self.store(), user, std::time::Duration::from_secs(3600)).await.unwrap()
    }

    /// A request to `path` (relative to the server).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.url))
    }

    /// A request authenticated with an API key.
    pub fn api(&self, method: Method, path: &str, key: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(key)
    }
}

/// Status and parsed JSON body of a response (`Value::Null` when the body is not JSON).
pub async fn json(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let body = response.text().await.unwrap();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// Asserts a problem+json answer with this status and code; returns the body.
pub async fn expect_problem(response: reqwest::Response, status: StatusCode, code: &str) -> Value {
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    let (got, body) = json(response).await;
    assert_eq!(got, status, "body: {body}");
    assert_eq!(content_type.as_deref(), Some("application/problem+json"), "body: {body}");
    assert_eq!(body["code"], code, "body: {body}");
    assert_eq!(body["status"], status.as_u16());
    body
}
