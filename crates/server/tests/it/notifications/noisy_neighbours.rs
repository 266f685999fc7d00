//! One tenant cannot slow or hurt another through the real `sala worker` process: a tenant whose
//! webhook receivers accept and never answer holds only its share of the runner's slots, so
//! another tenant's confirmation goes out while those calls are still open; and a receiver that
//! answers 200 MB does not grow the worker by more than a few megabytes.

use super::*;
use crate::webhooks::hanging_receiver;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The worker process, killed when the test ends however it ends.
struct Worker(std::process::Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn data_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("sala-neighbours-{}", uuid::Uuid::now_v7().simple()))
}

/// Acme subscribes `url` to `booking.created` (ten times over when `copies` is 10).
async fn subscribe(app: &TestApp, w: &World, url: &str, copies: usize) {
    for i in 0..copies {
        let body = json!({"url": format!("{url}?n={i}"), "events": ["booking.created"]});
        let answer = app.api(Method::POST, "/api/v1/webhooks", &w.key).json(&body).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::CREATED);
    }
}

/// Globex, a second organization on the same installation, books a room: returns whom its
/// confirmation goes to.
async fn globex_books(app: &TestApp) -> String {
    let globex = app.tenant("Globex", "globex.test").await;
    person(app, &globex, "gina@globex.test", "Gina Ortega", "admin", Some("+34 612 345 699"), None).await;
    let key = app.api_key(&globex).await;
    let room = json!({"name": "Lobby", "capacity": 4});
    let (_, room) = json(app.api(Method::POST, "/api/v1/rooms", &key).json(&room).send().await.unwrap()).await;
    let start = now_millis() + 40 * HOUR;
    let body = json!({"room_id": room["id"], "title": "Kick-off", "start": iso(start), "end": iso(start + HOUR),
                      "organizer": "gina@globex.test"});
    let (status, booking) =
        json(app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    "gina@globex.test".to_owned()
}

async fn hanging_receivers_hold_up_no_other_tenants_messages(app: TestApp) {
    let Some((app, acme)) = webhook_world(app).await else { return };
    let (calls, hang_url) = hanging_receiver().await;
    subscribe(&app, &acme, &hang_url, 10).await;
    // Six events of Acme's, each to ten receivers that hang: enough to fill every slot.
    for i in 0..6 {
        create(&app, &acme, now_millis() + (30 + 2 * i) * HOUR, &format!("Acme {i}"), &[]).await;
    }

    let running = worker(&app, &acme, &data_dir())
        .env("SALA_WEBHOOKS_ALLOW_PRIVATE", "true")
        .env("SALA_WEBHOOKS_TIMEOUT_SECONDS", "60")
        .env("SALA_JOBS_CONCURRENCY", "4")
        .env("SALA_JOBS_TENANT_SHARE", "2")
        .spawn()
        .unwrap();
    let running = Worker(running);
    // Acme holds its share: two webhook jobs, twenty calls hanging. Then Globex books.
    wait_until("Acme's share of hanging calls", || calls[0].load(Ordering::SeqCst) >= 20).await;
    let gina = globex_books(&app).await;
    let to_gina = || acme.smtp.received().iter().any(|m| m.to.iter().any(|to| to.trim_matches(['<', '>']) == gina));
    wait_until("Globex's confirmation", to_gina).await;
    let (made, ended) = (calls[0].load(Ordering::SeqCst), calls[1].load(Ordering::SeqCst));
    wait_until("Globex's WhatsApp confirmation", || {
        acme.whatsapp.accepted().iter().any(|m| m["to"].as_str().is_some_and(|to| to.ends_with("612345699")))
    })
    .await;
    drop(running);

    assert_eq!(ended, 0, "Globex was told while every hanging call was still open");
    assert_eq!(made, 20, "Acme ran no more than its share: 2 jobs of 10 calls");
}
both!(hanging_receivers_hold_up_no_other_tenants_messages);

const HUGE: usize = 200 * 1024 * 1024;

/// A receiver that answers every call with 200 and `HUGE` bytes: how many it wrote, and whether
/// the caller has hung up on it.
async fn huge_receiver() -> (String, Arc<AtomicUsize>, Arc<AtomicBool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (written, dropped) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
    let (counter, hung_up) = (Arc::clone(&written), Arc::clone(&dropped));
    tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else { return };
        let mut request = vec![0u8; 64 * 1024];
        let _ = socket.read(&mut request).await;
        let head = format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {HUGE}\r\n\r\n");
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = socket.write_all(head.as_bytes()).await.is_ok();
        while sent && counter.load(Ordering::SeqCst) < HUGE {
            sent = matches!(tokio::time::timeout(Duration::from_secs(5), socket.write_all(&chunk)).await, Ok(Ok(())));
            if sent {
                counter.fetch_add(chunk.len(), Ordering::SeqCst);
            }
        }
        hung_up.store(!sent, Ordering::SeqCst);
    });
    (url, written, dropped)
}

/// A field of `/proc/<pid>/status` in kB (`VmRSS`, `VmHWM`: now and at the most).
fn memory_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("no {field}: {status}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_200_mb_answer_does_not_grow_the_worker() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("skipped: no /proc to read the worker's memory from");
        return;
    }
    let (app, acme) = world_configured(
        |smtp, _| ("sqlite".to_owned(), smtp.url(false)),
        |s| {
            s.webhooks_allow_private = true;
        },
    )
    .await;
    let (url, written, dropped) = huge_receiver().await;
    subscribe(&app, &acme, &url, 1).await;

    // A proxy named in the environment is never used for webhooks: it would resolve the
    // receiver's name itself, around the address check.
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let proxied = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let asked = Arc::clone(&proxied);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = proxy.accept().await {
            let asked = Arc::clone(&asked);
            tokio::spawn(async move {
                let mut head = vec![0u8; 4096];
                let n = socket.read(&mut head).await.unwrap_or(0);
                asked.lock().unwrap().push(String::from_utf8_lossy(&head[..n]).into_owned());
            });
        }
    });
    let mut command = worker(&app, &acme, &data_dir());
    command.env("SALA_WEBHOOKS_ALLOW_PRIVATE", "true");
    for variable in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"] {
        command.env(variable, &proxy_url);
    }
    let running = Worker(command.spawn().unwrap());
    let pid = running.0.id();
    // Started and idle: its memory before the answer.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = memory_kb(pid, "VmRSS");
    create(&app, &acme, now_millis() + 30 * HOUR, "Demo", &[]).await;
    wait_until("the worker hanging up on the huge answer", || dropped.load(Ordering::SeqCst)).await;
    wait_until("the confirmation email", || !acme.smtp.received().is_empty()).await;
    let peak = memory_kb(pid, "VmHWM");
    drop(running);

    let receiver = url.trim_start_matches("http://").trim_end_matches("/hook").to_owned();
    let through_proxy = proxied.lock().unwrap().clone();
    assert!(
        !through_proxy.iter().any(|r| r.contains(&receiver)),
        "the webhook went through the proxy: {through_proxy:?}"
    );
    let sent = written.load(Ordering::SeqCst);
    assert!(sent < 16 * 1024 * 1024, "the worker stopped reading early; the receiver wrote {sent} bytes");
    let growth_mb = peak.saturating_sub(before) as f64 / 1024.0;
    eprintln!("worker memory: {before} kB idle, {peak} kB at the most while a receiver answered 200 MB");
    assert!(growth_mb < 20.0, "the worker grew by {growth_mb:.1} MB (from {before} kB to a peak of {peak} kB)");
}
