//! A receiver that answers 200 MB: Sala reads at most `MAX_ANSWER_BYTES` of it and drops the
//! connection, so the receiver manages to send only that and what the sockets buffer.

use sala_channels::bounded::MAX_ANSWER_BYTES;
use sala_channels::webhook::{Outgoing, SigningSecret, deliver};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const HUGE: usize = 200 * 1024 * 1024;

/// A receiver on 127.0.0.1 that answers every request with 200 and `HUGE` bytes; counts what it
/// managed to write before the client hung up.
async fn huge_receiver() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let url = format!("http://{}/hook", listener.local_addr().unwrap_or_else(|e| panic!("{e}")));
    let written = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&written);
    tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else { return };
        let mut request = vec![0u8; 64 * 1024];
        let _ = socket.read(&mut request).await;
        let head = format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {HUGE}\r\n\r\n");
        if socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = vec![b'x'; 64 * 1024];
        while counter.load(Ordering::Relaxed) < HUGE {
            match tokio::time::timeout(Duration::from_secs(5), socket.write_all(&chunk)).await {
                Ok(Ok(())) => counter.fetch_add(chunk.len(), Ordering::Relaxed),
                _ => break,
            };
        }
    });
    (url, written)
}

#[tokio::test]
async fn a_200_mb_answer_is_read_only_up_to_the_bound() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (url, written) = huge_receiver().await;
    let secret = SigningSecret::generate();
    let answer = deliver(&Outgoing {
        url: &url,
        secrets: std::slice::from_ref(&secret),
        message_id: "msg_1",
        timestamp: 1_700_000_000,
        body: b"{}",
        allow_private: true,
        timeout: Duration::from_secs(30),
    })
    .await
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(answer.status, 200);
    assert!(answer.excerpt.len() <= 200 && answer.excerpt.starts_with("xxx"), "{}", answer.excerpt);
    // Give the receiver a moment to notice the hang-up, then count what it got out.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = written.load(Ordering::Relaxed);
    assert!(sent < MAX_ANSWER_BYTES + 16 * 1024 * 1024, "the receiver sent {sent} bytes before Sala hung up");
}
