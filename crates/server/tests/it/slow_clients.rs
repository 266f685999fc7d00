//! Slow and idle clients cannot keep others out: a client that sends half its headers is cut off
//! after the header timeout while others are served, a slow body gets a clear refusal, and past
//! the connection limit new connections wait for a slot instead of piling up.

use crate::helpers::TestApp;
use sala_store::testing::fresh_sqlite;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.settings.listen).await.unwrap()
}

/// Reads until the server closes the connection; what it sent.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server closed the connection in time");
    String::from_utf8_lossy(&answer).into_owned()
}

async fn healthy(app: &TestApp) -> bool {
    let answer =
        tokio::time::timeout(Duration::from_secs(5), app.request(reqwest::Method::GET, "/healthz").send()).await;
    matches!(answer, Ok(Ok(r)) if r.status().is_success())
}

#[tokio::test]
async fn a_client_sending_half_its_headers_is_cut_off_while_others_are_served() {
    let app = TestApp::start(fresh_sqlite().await, |s| s.http_header_timeout_seconds = 1).await;
    let mut slow = connect(&app).await;
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: sala.test\r\nX-Slow: ").await.unwrap();

    assert!(healthy(&app).await, "another client is served while the slow one waits");
    let answer = read_to_close(&mut slow).await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "closed, at most with a 408: {answer:?}");
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_header_timeout() {
    let app = TestApp::start(fresh_sqlite().await, |s| s.http_header_timeout_seconds = 1).await;
    let mut client = connect(&app).await;
    client.write_all(b"GET /healthz HTTP/1.1\r\nHost: sala.test\r\n\r\n").await.unwrap();
    let mut first = [0u8; 12];
    client.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200", "the first request is answered and the connection kept");
    // Then nothing: the connection is idle, and the server closes it.
    let rest = read_to_close(&mut client).await;
    assert!(rest.contains("ok") || rest.contains("\r\n"), "the rest of the first answer: {rest:?}");
}

#[tokio::test]
async fn a_request_body_that_stops_coming_is_refused_with_a_problem() {
    let app = TestApp::start(fresh_sqlite().await, |s| s.http_body_timeout_seconds = 1).await;
    let acme = app.tenant("Acme", "acme.test").await;
    let key = app.api_key(&acme).await;
    let mut slow = connect(&app).await;
    let head = format!(
        "POST /api/v1/bookings HTTP/1.1\r\nHost: sala.test\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"title\": \"Sl"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let answer = read_to_close(&mut slow).await;
    assert!(answer.starts_with("HTTP/1.1 4"), "a client error, not a hang or a 500: {answer:?}");
    assert!(answer.contains("application/problem+json"), "{answer}");
}

#[tokio::test]
async fn past_the_connection_limit_a_new_client_waits_for_a_free_slot() {
    let app = TestApp::start(fresh_sqlite().await, |s| {
        s.http_max_connections = 2;
        s.http_header_timeout_seconds = 60;
    })
    .await;
    let idle = [connect(&app).await, connect(&app).await];
    // Both slots are taken by idle connections: a third client is not served...
    let waiting = tokio::spawn({
        let (http, url) = (app.http.clone(), format!("{}/healthz", app.url));
        async move { http.get(url).send().await.map(|r| r.status()) }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "no third connection is served while two are held");
    // ...until one of them goes away.
    drop(idle);
    let status = tokio::time::timeout(Duration::from_secs(10), waiting).await.unwrap().unwrap().unwrap();
    assert!(status.is_success());
}
