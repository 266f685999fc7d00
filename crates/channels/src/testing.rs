//! Protocol-faithful peers on 127.0.0.1 for tests and `sala bench`: an SMTP server that speaks
//! enough RFC 5321 for lettre (EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA with dot-unstuffing, RSET,
//! QUIT), a WhatsApp Cloud API that checks the documented request shape and bearer token and
//! answers Meta's documented bodies, and Google's token endpoint and Calendar API ([`google`]).
//! All can be told to fail, to test retries.
//!
//! Nothing here is used by the server itself; it ships in the crate so the server's tests and its
//! benchmark meet the same fakes as this crate's tests.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::whatsapp::WhatsAppConfig;

mod google;
pub mod microsoft;
pub use google::{FAKE_GOOGLE_CLIENT_ID, FAKE_GOOGLE_CLIENT_SECRET, FakeChannel, FakeGoogle, GoogleAnswer};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// How the fake SMTP server answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpMode {
    /// Accept every message.
    Accept,
    /// `550 5.1.1` to every `RCPT TO`.
    RejectRecipient,
    /// A `421` greeting, then hang up: "try again later".
    Busy,
    /// Accept every message, but answer each `MAIL FROM` only after this many milliseconds: a
    /// slow server, so a test can stop the client in the middle of a batch (before the message
    /// is handed over, where a real server would keep nothing either).
    SlowMail(u64),
}

/// One message as the fake SMTP server received it.
#[derive(Debug, Clone, Default)]
pub struct Received {
    /// The decoded `AUTH` credentials as `\0user\0password`, when the client authenticated.
    pub auth: Option<String>,
    /// The `MAIL FROM` path, e.g. `<sala@acme.example>`.
    pub from: String,
    /// The `RCPT TO` paths.
    pub to: Vec<String>,
    /// The message after `DATA`, dot-unstuffed.
    pub data: Vec<u8>,
}

/// An SMTP server on 127.0.0.1 that keeps what it receives.
pub struct FakeSmtp {
    /// The port it listens on.
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    mode: Arc<Mutex<SmtpMode>>,
}

impl FakeSmtp {
    /// Starts on a free port.
    pub async fn start(mode: SmtpMode) -> std::io::Result<Self> {
        Self::start_on(0, mode).await
    }

    /// Starts on `port` (0: any free one); a test of "SMTP down, then back" starts it late on
    /// the port the mailer was given.
    pub async fn start_on(port: u16, mode: SmtpMode) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let mode = Arc::new(Mutex::new(mode));
        let (sink, modes) = (received.clone(), mode.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (sink, mode) = (sink.clone(), *lock(&modes));
                tokio::spawn(async move {
                    let _ = smtp_session(socket, mode, sink).await;
                });
            }
        });
        Ok(Self { port, received, mode })
    }

    /// `smtp://127.0.0.1:PORT?tls=none`, with `sala@acme` / `s3cr:t` credentials when `auth`.
    pub fn url(&self, auth: bool) -> String {
        if auth {
            format!("smtp://sala%40acme:s3cr%3At@127.0.0.1:{}?tls=none", self.port)
        } else {
            format!("smtp://127.0.0.1:{}?tls=none", self.port)
        }
    }

    /// Changes how new connections are answered.
    pub fn set_mode(&self, mode: SmtpMode) {
        *lock(&self.mode) = mode;
    }

    /// Everything received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.received).clone()
    }
}

fn b64(s: &str) -> String {
    let bytes = base64::engine::general_purpose::STANDARD.decode(s.trim()).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

async fn smtp_session(socket: TcpStream, mode: SmtpMode, sink: Arc<Mutex<Vec<Received>>>) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    if mode == SmtpMode::Busy {
        write.write_all(b"421 4.3.2 fake busy, try later\r\n").await?;
        return Ok(());
    }
    write.write_all(b"220 fake.test ESMTP\r\n").await?;
    let mut current = Received::default();
    let mut auth = None;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_owned();
        let upper = cmd.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") {
            "250-fake.test\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n".into()
        } else if upper.starts_with("HELO") {
            "250 fake.test\r\n".into()
        } else if upper.starts_with("AUTH PLAIN") {
            let mut arg = cmd[10..].trim().to_owned();
            if arg.is_empty() {
                write.write_all(b"334 \r\n").await?;
                line.clear();
                lines.read_line(&mut line).await?;
                arg = line.trim().to_owned();
            }
            auth = Some(b64(&arg));
            "235 2.7.0 ok\r\n".into()
        } else if upper.starts_with("AUTH LOGIN") {
            write.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
            line.clear();
            lines.read_line(&mut line).await?;
            let user = b64(&line);
            write.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
            line.clear();
            lines.read_line(&mut line).await?;
            auth = Some(format!("\0{user}\0{}", b64(&line)));
            "235 2.7.0 ok\r\n".into()
        } else if upper.starts_with("MAIL FROM:") {
            if let SmtpMode::SlowMail(ms) = mode {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            current = Received { auth: auth.clone(), from: cmd[10..].trim().to_owned(), ..Default::default() };
            "250 2.1.0 ok\r\n".into()
        } else if upper.starts_with("RCPT TO:") {
            if mode == SmtpMode::RejectRecipient {
                "550 5.1.1 no such user here\r\n".into()
            } else {
                current.to.push(cmd[8..].trim().to_owned());
                "250 2.1.5 ok\r\n".into()
            }
        } else if upper == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut data = Vec::new();
            loop {
                let mut raw = Vec::new();
                if lines.read_until(b'\n', &mut raw).await? == 0 {
                    return Ok(());
                }
                if raw == b".\r\n" {
                    break;
                }
                // Dot-unstuffing (RFC 5321 §4.5.2).
                if raw.starts_with(b"..") {
                    raw.remove(0);
                }
                data.extend_from_slice(&raw);
            }
            current.data = data;
            lock(&sink).push(std::mem::take(&mut current));
            "250 2.0.0 queued\r\n".into()
        } else if upper == "RSET" {
            current = Received::default();
            "250 2.0.0 ok\r\n".into()
        } else if upper == "NOOP" {
            "250 2.0.0 ok\r\n".into()
        } else if upper == "QUIT" {
            write.write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else {
            "502 5.5.2 unknown command\r\n".into()
        };
        write.write_all(reply.as_bytes()).await?;
    }
}

/// How the fake Cloud API answers a well-formed request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhatsAppAnswer {
    /// `200` with a `wamid`.
    Accept,
    /// HTTP status, Meta error code (`None`: a plain-text body), optional `Retry-After` seconds.
    Error(u16, Option<i64>, Option<u64>),
}

/// The bearer token the fake accepts.
pub const FAKE_WHATSAPP_TOKEN: &str = "EAAG-test-token";
/// The phone number id the fake serves.
pub const FAKE_WHATSAPP_PHONE_ID: &str = "106540352242922";
/// The Graph API version in the fake's paths.
pub const FAKE_WHATSAPP_VERSION: &str = "v21.0";

#[derive(Default)]
struct Script {
    default: Option<WhatsAppAnswer>,
    /// Answers for one recipient (digits), used before the default: first in, first used; the last
    /// one stays.
    per_recipient: HashMap<String, Vec<WhatsAppAnswer>>,
    /// Answers for the next requests to anyone, used before everything else.
    next: Vec<WhatsAppAnswer>,
}

#[derive(Clone, Default)]
struct FakeState {
    script: Arc<Mutex<Script>>,
    /// Well-formed requests with a valid token, and the answer each got.
    seen: Arc<Mutex<Vec<(Value, WhatsAppAnswer)>>>,
    /// The phone number id each of `seen` was sent from.
    senders: Arc<Mutex<Vec<String>>>,
    /// The numbers this fake serves, with the token each accepts.
    accounts: Arc<Mutex<HashMap<String, String>>>,
    counter: Arc<Mutex<u64>>,
}

/// A WhatsApp Cloud API on 127.0.0.1: `POST /{version}/{phone_number_id}/messages`.
pub struct FakeWhatsApp {
    /// `http://127.0.0.1:PORT/v21.0`.
    pub api_base: String,
    state: FakeState,
}

impl FakeWhatsApp {
    /// Starts on a free port, accepting every well-formed request.
    pub async fn start() -> std::io::Result<Self> {
        let state = FakeState::default();
        lock(&state.accounts).insert(FAKE_WHATSAPP_PHONE_ID.into(), FAKE_WHATSAPP_TOKEN.into());
        let app = axum::Router::new().route("/{version}/{phone_id}/messages", post(messages)).with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { api_base: format!("http://{addr}/{FAKE_WHATSAPP_VERSION}"), state })
    }

    /// The configuration that reaches this fake with the right token.
    pub fn config(&self) -> WhatsAppConfig {
        WhatsAppConfig {
            api_base: self.api_base.clone(),
            phone_number_id: FAKE_WHATSAPP_PHONE_ID.into(),
            token: FAKE_WHATSAPP_TOKEN.into(),
        }
    }

    /// Serves another number too (a tenant's own), reachable with its own token.
    pub fn add_account(&self, phone_number_id: &str, token: &str) {
        lock(&self.state.accounts).insert(phone_number_id.into(), token.into());
    }

    /// The phone number id each of [`Self::seen`] was sent from, oldest first.
    pub fn senders(&self) -> Vec<String> {
        lock(&self.state.senders).clone()
    }

    /// How every later request is answered unless scripted otherwise.
    pub fn answer_all(&self, answer: WhatsAppAnswer) {
        lock(&self.state.script).default = Some(answer);
    }

    /// The next requests (to anyone) get these answers, in order.
    pub fn answer_next(&self, answers: &[WhatsAppAnswer]) {
        lock(&self.state.script).next.extend_from_slice(answers);
    }

    /// Requests to this number (E.164 or digits) get these answers in order; the last one stays.
    pub fn answer_for(&self, phone: &str, answers: &[WhatsAppAnswer]) {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        lock(&self.state.script).per_recipient.insert(digits, answers.to_vec());
    }

    /// The well-formed, authorized request bodies received so far, oldest first.
    pub fn seen(&self) -> Vec<Value> {
        lock(&self.state.seen).iter().map(|(body, _)| body.clone()).collect()
    }

    /// The bodies that were accepted (answered 200), oldest first.
    pub fn accepted(&self) -> Vec<Value> {
        lock(&self.state.seen)
            .iter()
            .filter(|(_, a)| *a == WhatsAppAnswer::Accept)
            .map(|(body, _)| body.clone())
            .collect()
    }
}

impl Script {
    fn answer(&mut self, to: &str) -> WhatsAppAnswer {
        if !self.next.is_empty() {
            return self.next.remove(0);
        }
        if let Some(list) = self.per_recipient.get_mut(to) {
            if list.len() > 1 {
                return list.remove(0);
            }
            if let Some(last) = list.first() {
                return *last;
            }
        }
        self.default.unwrap_or(WhatsAppAnswer::Accept)
    }
}

/// What the documented template-message body must contain; the problems found.
pub fn whatsapp_shape_problems(body: &Value) -> Vec<&'static str> {
    let mut p = Vec::new();
    if body["messaging_product"] != "whatsapp" {
        p.push("messaging_product");
    }
    if body["recipient_type"] != "individual" {
        p.push("recipient_type");
    }
    let to = body["to"].as_str().unwrap_or("");
    if to.is_empty() || !to.chars().all(|c| c.is_ascii_digit()) {
        p.push("to must be digits only");
    }
    if body["type"] != "template" {
        p.push("type");
    }
    let t = &body["template"];
    if !t["name"].is_string() {
        p.push("template.name");
    }
    if !t["language"]["code"].is_string() {
        p.push("template.language.code");
    }
    match t["components"].as_array() {
        Some(components) => {
            for c in components {
                if c["type"] != "body" {
                    p.push("component type");
                }
                for param in c["parameters"].as_array().into_iter().flatten() {
                    let text = param["text"].as_str();
                    if param["type"] != "text" || text.is_none() {
                        p.push("parameter");
                    }
                    // Meta refuses parameters with new lines, tabs or more than four spaces in a row.
                    if text.is_some_and(|t| t.contains(['\n', '\t']) || t.contains("     ")) {
                        p.push("parameter text with new lines, tabs or 5 spaces");
                    }
                }
            }
        }
        None => p.push("template.components"),
    }
    p
}

fn error_body(code: i64, message: &str, kind: &str) -> Value {
    json!({"error": {
        "message": message,
        "type": kind,
        "code": code,
        "error_subcode": 2494010,
        "fbtrace_id": "AbCdEfGh123"
    }})
}

async fn messages(
    State(fake): State<FakeState>,
    Path((version, phone_id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(token) = lock(&fake.accounts).get(&phone_id).cloned() else {
        // Meta's answer for an id that is not a phone number of the caller's business.
        let message = format!("Unsupported post request. Object with ID '{phone_id}' does not exist");
        return (StatusCode::BAD_REQUEST, Json(error_body(100, &message, "GraphMethodException"))).into_response();
    };
    if auth != format!("Bearer {token}") {
        return (StatusCode::UNAUTHORIZED, Json(error_body(190, "Error validating access token", "OAuthException")))
            .into_response();
    }
    let problems = whatsapp_shape_problems(&body);
    if version != FAKE_WHATSAPP_VERSION || !problems.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            Json(error_body(100, &format!("Invalid parameter: {problems:?}"), "OAuthException")),
        )
            .into_response();
    }
    let to = body["to"].as_str().unwrap_or_default().to_owned();
    let answer = lock(&fake.script).answer(&to);
    lock(&fake.seen).push((body.clone(), answer));
    lock(&fake.senders).push(phone_id);
    match answer {
        WhatsAppAnswer::Accept => {
            let n = {
                let mut c = lock(&fake.counter);
                *c += 1;
                *c
            };
            Json(json!({
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": format!("wamid.FAKE{n:08}")}]
            }))
            .into_response()
        }
        WhatsAppAnswer::Error(status, code, retry_after) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = match code {
                Some(code) => (status, Json(error_body(code, "fake error", "OAuthException"))).into_response(),
                None => (status, "upstream trouble").into_response(),
            };
            if let Some(secs) = retry_after
                && let Ok(value) = secs.to_string().parse()
            {
                response.headers_mut().insert("retry-after", value);
            }
            response
        }
    }
}
