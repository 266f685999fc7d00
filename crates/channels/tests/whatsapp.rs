//! The Cloud API client against an axum fake on 127.0.0.1 that checks the documented request
//! shape and bearer token and answers Meta's documented error bodies.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use sala_channels::ChannelError;
use sala_channels::whatsapp::{CloudApi, TemplateMessage, WhatsApp, WhatsAppConfig};
use serde_json::{Value, json};

const TOKEN: &str = "EAAG-test-token";
const PHONE_ID: &str = "106540352242922";

#[derive(Clone, Copy)]
enum Answer {
    Accept,
    /// HTTP status, error code, optional Retry-After seconds.
    Error(u16, Option<i64>, Option<u64>),
}

#[derive(Clone)]
struct Fake {
    answer: Answer,
    seen: Arc<Mutex<Vec<Value>>>,
}

fn shape_problems(body: &Value) -> Vec<&'static str> {
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
                    if param["type"] != "text" || !param["text"].is_string() {
                        p.push("parameter");
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
    State(fake): State<Fake>,
    Path((version, phone_id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    if auth != format!("Bearer {TOKEN}") {
        return (StatusCode::UNAUTHORIZED, Json(error_body(190, "Error validating access token", "OAuthException")))
            .into_response();
    }
    let problems = shape_problems(&body);
    if version != "v21.0" || phone_id != PHONE_ID || !problems.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            Json(error_body(100, &format!("Invalid parameter: {problems:?}"), "OAuthException")),
        )
            .into_response();
    }
    fake.seen.lock().unwrap().push(body.clone());
    match fake.answer {
        Answer::Accept => Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": "wamid.HBgLMzQ2MTIzNDU2NzgVAgARGBI="}]
        }))
        .into_response(),
        Answer::Error(status, code, retry_after) => {
            let status = StatusCode::from_u16(status).unwrap();
            let mut response = match code {
                Some(code) => (status, Json(error_body(code, "fake error", "OAuthException"))).into_response(),
                None => (status, "upstream trouble").into_response(),
            };
            if let Some(secs) = retry_after {
                response.headers_mut().insert("retry-after", secs.to_string().parse().unwrap());
            }
            response
        }
    }
}

async fn start(answer: Answer) -> (WhatsAppConfig, Arc<Mutex<Vec<Value>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = axum::Router::new()
        .route("/{version}/{phone_id}/messages", post(messages))
        .with_state(Fake { answer, seen: seen.clone() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    let config = WhatsAppConfig {
        api_base: format!("http://{addr}/v21.0"),
        phone_number_id: PHONE_ID.into(),
        token: TOKEN.into(),
    };
    (config, seen)
}

fn client() -> CloudApi {
    let _ = rustls::crypto::ring::default_provider().install_default();
    CloudApi::new(reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap())
}

fn reminder() -> TemplateMessage {
    TemplateMessage {
        to_e164: "+34612345678".into(),
        template_name: "meeting_reminder".into(),
        language_code: "es".into(),
        body_parameters: vec![
            "Revisión trimestral".into(),
            "10:00".into(),
            "https://meet.google.com/abc-defg-hij".into(),
        ],
    }
}

#[tokio::test]
async fn sends_the_documented_shape_and_returns_the_wamid() {
    let (config, seen) = start(Answer::Accept).await;
    let wamid = client().send_template(&config, &reminder()).await.unwrap();
    assert_eq!(wamid, "wamid.HBgLMzQ2MTIzNDU2NzgVAgARGBI=");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0],
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "34612345678",
            "type": "template",
            "template": {
                "name": "meeting_reminder",
                "language": {"code": "es"},
                "components": [{"type": "body", "parameters": [
                    {"type": "text", "text": "Revisión trimestral"},
                    {"type": "text", "text": "10:00"},
                    {"type": "text", "text": "https://meet.google.com/abc-defg-hij"}
                ]}]
            }
        })
    );
}

#[tokio::test]
async fn wrong_token_is_final_and_says_configuration() {
    let (mut config, _) = start(Answer::Accept).await;
    config.token = "stale".into();
    let err = client().send_template(&config, &reminder()).await.unwrap_err();
    match err {
        ChannelError::Final { reason } => {
            assert!(reason.contains("190") && reason.contains("configuration"), "{reason}")
        }
        other => panic!("expected final, got {other:?}"),
    }
}

#[tokio::test]
async fn error_answers_are_classified() {
    let cases: [(Answer, bool, Option<u64>); 11] = [
        (Answer::Error(429, Some(130429), Some(7)), true, Some(7)),
        (Answer::Error(429, None, None), true, None),
        (Answer::Error(400, Some(131056), None), true, None),
        (Answer::Error(400, Some(131048), Some(60)), true, Some(60)),
        (Answer::Error(500, Some(131000), None), true, None),
        (Answer::Error(503, None, None), true, None),
        (Answer::Error(401, Some(190), None), false, None),
        (Answer::Error(400, Some(131026), None), false, None),
        (Answer::Error(400, Some(131030), None), false, None),
        (Answer::Error(400, Some(100), None), false, None),
        (Answer::Error(400, Some(131047), None), false, None),
    ];
    let api = client();
    for (answer, retryable, retry_after) in cases {
        let (config, seen) = start(answer).await;
        let err = api.send_template(&config, &reminder()).await.unwrap_err();
        assert_eq!(seen.lock().unwrap().len(), 1, "the fake accepted the request shape");
        let Answer::Error(status, code, _) = answer else { unreachable!() };
        assert_eq!(err.is_retryable(), retryable, "{status} {code:?}: {err:?}");
        if let ChannelError::Retryable { retry_after: got, .. } = &err {
            assert_eq!(*got, retry_after.map(Duration::from_secs), "{status} {code:?}");
        }
        if let Some(code) = code {
            assert!(err.to_string().contains(&code.to_string()), "{err}");
        }
    }
}

#[tokio::test]
async fn invalid_number_is_final_without_calling_the_api() {
    let (config, seen) = start(Answer::Accept).await;
    let mut msg = reminder();
    msg.to_e164 = "+34 abc".into();
    let err = client().send_template(&config, &msg).await.unwrap_err();
    assert!(!err.is_retryable());
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn unreachable_api_is_retryable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let config = WhatsAppConfig {
        api_base: format!("http://{addr}/v21.0"),
        phone_number_id: PHONE_ID.into(),
        token: TOKEN.into(),
    };
    let err = client().send_template(&config, &reminder()).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}
