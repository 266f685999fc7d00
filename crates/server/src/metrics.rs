//! `/metrics`: what an operator's Prometheus scrapes, in the OpenMetrics text format.
//!
//! Two kinds of figures. The request latency histogram is this process's own, kept in memory by
//! a middleware ([`track`]) around every route. The rest (job queues, deliveries, disabled
//! webhook endpoints) are read from the database at scrape time, so they are the cluster's, the
//! same from every instance; the pool figures are this process's connections.
//!
//! Labels carry only bounded values: route templates (never the raw path), known methods, status
//! codes, job kinds, channels. Never an id.

use crate::config::Secret;
use crate::problem::Problem;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use sala_app::Store;
use sala_domain::ErrorCode;
use sala_domain::jobs::{Channel, DeliveryStatus};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;
use subtle::ConstantTimeEq;

/// The OpenMetrics text format's media type (Prometheus asks for it and parses it).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Request durations from 1 ms to 10 s (the request timeout's order); slower lands in `+Inf`.
const BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0];

/// The window of the deliveries gauge.
const DELIVERY_WINDOW_MS: i64 = 3_600_000;

/// The route a request matched, or this when none did (so stray paths add one series, not many).
const UNMATCHED: &str = "unmatched";

type Requests = Family<RequestLabels, Histogram, fn() -> Histogram>;
type Seconds = Gauge<f64, AtomicU64>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    channel: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectionLabels {
    pool: &'static str,
    state: &'static str,
}

/// The process's own metrics, built once with the app state.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Requests,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("sala");
        let requests = Requests::new_with_constructor(|| Histogram::new(BUCKETS));
        registry.register_with_unit(
            "http_request_duration",
            "HTTP requests by method, route template and status code: time to the response's headers",
            Unit::Seconds,
            requests.clone(),
        );
        Self { registry, requests }
    }
}

impl Metrics {
    fn observe(&self, method: &Method, route: String, status: StatusCode, seconds: f64) {
        let labels = RequestLabels { method: method_label(method), route, status: status.as_str().to_owned() };
        self.requests.get_or_create(&labels).observe(seconds);
    }

    /// The whole exposition: this process's metrics, then those read now from the store.
    async fn render(&self, store: &dyn Store) -> Result<String, std::fmt::Error> {
        let scraped = scrape(store).await;
        let mut body = String::new();
        encode_registry(&mut body, &self.registry)?;
        encode_registry(&mut body, &scraped)?;
        encode_eof(&mut body)?;
        Ok(body)
    }
}

/// Methods outside the standard ones are one label value, so a client cannot make series up.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Middleware (outermost, after routing): times every request to its response and records it
/// under the route template it matched.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map_or_else(|| UNMATCHED.to_owned(), |p| p.as_str().into());
    let response = next.run(request).await;
    metrics.observe(&method, route, response.status(), started.elapsed().as_secs_f64());
    response
}

/// What `GET /metrics` needs: the histogram, the store the other figures are read from, and the
/// token callers must present (the route exists only when `SALA_METRICS_TOKEN` is set).
#[derive(Clone)]
pub struct Endpoint {
    pub metrics: Arc<Metrics>,
    pub store: Arc<dyn Store>,
    pub token: Secret,
}

/// `GET /metrics`: the exposition, to a caller presenting the token as a bearer token.
pub async fn serve(State(endpoint): State<Endpoint>, headers: HeaderMap) -> Response {
    let expected = &endpoint.token;
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !bool::from(presented.as_bytes().ct_eq(expected.expose().as_bytes())) {
        return Problem::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "Send the metrics bearer token.")
            .into_response();
    }
    match endpoint.metrics.render(endpoint.store.as_ref()).await {
        Ok(body) => ([(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))], body).into_response(),
        Err(err) => {
            tracing::error!(%err, "could not encode the metrics");
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::InternalError,
                "Something went wrong on our side.",
            )
            .into_response()
        }
    }
}

/// The figures read at scrape time. A store read that fails leaves its metrics out and sets
/// `sala_database_up` to 0, so the request figures still reach Prometheus while the database is down.
async fn scrape(store: &dyn Store) -> Registry {
    let mut registry = Registry::with_prefix("sala");
    let now = sala_domain::now_millis();
    let mut up = true;
    match store.job_queues(now).await {
        Ok(queues) => register_job_queues(&mut registry, &queues, now),
        Err(err) => {
            tracing::warn!(%err, "metrics: could not read the job queues");
            up = false;
        }
    }
    match store.deliveries_since(now - DELIVERY_WINDOW_MS).await {
        Ok(counts) => register_deliveries(&mut registry, &counts),
        Err(err) => {
            tracing::warn!(%err, "metrics: could not read the delivery log");
            up = false;
        }
    }
    match store.count_disabled_webhooks().await {
        Ok(count) => {
            let gauge = Gauge::<i64>::default();
            gauge.set(i64::try_from(count).unwrap_or(i64::MAX));
            registry.register("webhook_endpoints_disabled", "Webhook endpoints disabled, every tenant's", gauge);
        }
        Err(err) => {
            tracing::warn!(%err, "metrics: could not count the disabled webhook endpoints");
            up = false;
        }
    }
    register_pools(&mut registry, &store.pool_use());
    let database_up = Gauge::<i64>::default();
    database_up.set(i64::from(up));
    registry.register("database_up", "1 when every database read of this scrape succeeded", database_up);
    registry
}

fn register_job_queues(registry: &mut Registry, queues: &[sala_store::JobQueue], now: i64) {
    let due = Family::<KindLabels, Gauge>::default();
    let running = Family::<KindLabels, Gauge>::default();
    let dead = Family::<KindLabels, Gauge>::default();
    let oldest = Family::<KindLabels, Seconds>::default();
    // Every known kind, at zero when it has nothing, so a dashboard shows 0 rather than no data.
    for kind in sala_domain::JobKind::ALL {
        let labels = KindLabels { kind: kind.as_str().to_owned() };
        due.get_or_create(&labels).set(0);
        running.get_or_create(&labels).set(0);
        dead.get_or_create(&labels).set(0);
        oldest.get_or_create(&labels).set(0.0);
    }
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    for queue in queues {
        let labels = KindLabels { kind: queue.kind.clone() };
        due.get_or_create(&labels).set(count(queue.due));
        running.get_or_create(&labels).set(count(queue.running));
        dead.get_or_create(&labels).set(count(queue.dead));
        let age_ms = queue.oldest_due.map_or(0, |run_at| now.saturating_sub(run_at).max(0));
        #[allow(clippy::cast_precision_loss)] // Milliseconds of waiting fit an f64 exactly.
        oldest.get_or_create(&labels).set(age_ms as f64 / 1000.0);
    }
    registry.register("jobs_due", "Pending jobs due now and waiting for a runner, per kind (cluster-wide)", due);
    registry.register("jobs_running", "Jobs claimed by a runner, per kind (cluster-wide)", running);
    registry.register("jobs_dead", "Jobs that failed for good and wait for an admin's replay, per kind", dead);
    registry.register_with_unit(
        "jobs_oldest_due_age",
        "How long the longest-waiting due job of each kind has been due (0: none waiting)",
        Unit::Seconds,
        oldest,
    );
}

fn register_deliveries(registry: &mut Registry, counts: &[sala_store::DeliveryCount]) {
    let deliveries = Family::<DeliveryLabels, Gauge>::default();
    for channel in Channel::ALL {
        for status in [DeliveryStatus::Sent, DeliveryStatus::Failed] {
            deliveries
                .get_or_create(&DeliveryLabels { channel: channel.as_str().into(), status: status.as_str().into() })
                .set(0);
        }
    }
    for count in counts {
        let labels = DeliveryLabels { channel: count.channel.clone(), status: count.status.clone() };
        deliveries.get_or_create(&labels).set(i64::try_from(count.count).unwrap_or(i64::MAX));
    }
    registry.register(
        "deliveries_last_hour",
        "Delivery attempts logged in the last hour, per channel and result (cluster-wide)",
        deliveries,
    );
}

fn register_pools(registry: &mut Registry, pools: &[sala_store::PoolUse]) {
    let connections = Family::<ConnectionLabels, Gauge>::default();
    let max = Family::<PoolLabels, Gauge>::default();
    for pool in pools {
        connections.get_or_create(&ConnectionLabels { pool: pool.pool, state: "in_use" }).set(i64::from(pool.in_use));
        connections.get_or_create(&ConnectionLabels { pool: pool.pool, state: "idle" }).set(i64::from(pool.idle));
        max.get_or_create(&PoolLabels { pool: pool.pool }).set(i64::from(pool.max));
    }
    registry.register("db_connections", "This process's database connections, in use or idle, per pool", connections);
    registry.register("db_connections_max", "The most connections each pool of this process opens", max);
}
