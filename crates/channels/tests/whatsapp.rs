//! The Cloud API client against the crate's fake on 127.0.0.1, which checks the documented
//! request shape and bearer token and answers Meta's documented error bodies.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use sala_channels::ChannelError;
use sala_channels::whatsapp::{CloudApi, TemplateMessage, WhatsApp, WhatsAppConfig};
use serde_json::json;

use sala_channels::testing::WhatsAppAnswer as Answer;
use sala_channels::testing::{FAKE_WHATSAPP_PHONE_ID as PHONE_ID, FAKE_WHATSAPP_TOKEN as TOKEN, FakeWhatsApp};

/// A fake answering every request with `answer`; its config and a way to read what it saw.
async fn start(answer: Answer) -> (WhatsAppConfig, FakeWhatsApp) {
    let fake = FakeWhatsApp::start().await.unwrap();
    fake.answer_all(answer);
    (fake.config(), fake)
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
    assert_eq!(wamid, "wamid.FAKE00000001");
    let seen = seen.seen();
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
        ChannelError::Misconfigured { reason } => {
            assert!(reason.contains("190") && reason.contains("configuration"), "{reason}")
        }
        other => panic!("expected a configuration problem, got {other:?}"),
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
        assert_eq!(seen.seen().len(), 1, "the fake accepted the request shape");
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
    assert!(seen.seen().is_empty());
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
