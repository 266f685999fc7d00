//! End to end over a real SMTP conversation: the crate's fake SMTP server listens on
//! 127.0.0.1, lettre talks to it, and what arrives is parsed with mail-parser and icalendar.

#![allow(clippy::unwrap_used)]

use icalendar::{Calendar, CalendarComponent, Component, EventLike};
use jiff::Timestamp;
use mail_parser::{MessageParser, MimeHeaders, PartType};
use sala_channels::ChannelError;
use sala_channels::email::{Mailer, OutgoingEmail, SmtpMailer};
use sala_channels::ics::{Attendee, EventStatus, Invitation, Method, Person, to_ics};
use sala_channels::testing::{FakeSmtp, SmtpMode as Mode};
use tokio::net::TcpListener;

fn invitation(method: Method, sequence: u32) -> Invitation {
    Invitation {
        uid: "0192f0a0-booking@sala.example".into(),
        sequence,
        method,
        dtstamp: "2026-11-25T08:00:00Z".parse::<Timestamp>().unwrap(),
        start: "2026-11-26T09:30:00Z".parse().unwrap(),
        end: "2026-11-26T10:00:00Z".parse().unwrap(),
        summary: "Revisión; trimestral, Q1".into(),
        description: Some("Orden del día\n.\n..línea con punto".into()),
        location: Some("Sala Goya".into()),
        organizer: Person { name: Some("Ana García".into()), email: "ana@acme.example".into() },
        attendees: vec![Attendee::required(Person { name: Some("Luis".into()), email: "luis@acme.example".into() })],
        url: Some("https://meet.google.com/abc-defg-hij".into()),
        rrule: None,
        time_zone: None,
        recurrence_id: None,
        exdates: Vec::new(),
        series_end: None,
        status: match method {
            Method::Request => EventStatus::Confirmed,
            Method::Cancel => EventStatus::Cancelled,
            Method::Publish => EventStatus::Confirmed,
        },
    }
}

fn email(subject: &str, calendar: Option<(Method, String)>, id: &str) -> OutgoingEmail {
    OutgoingEmail {
        from: "Sala <sala@acme.example>".parse().unwrap(),
        to: "Luis <luis@acme.example>".parse().unwrap(),
        subject: subject.into(),
        text: "Hola Luis,\n.\nTe invitan a una reunión.".into(),
        html: "<p>Hola Luis,</p><p>Te invitan a una reunión.</p>".into(),
        calendar,
        message_id: id.into(),
    }
}

fn ics_of(inv: &Invitation) -> Option<(Method, String)> {
    Some((inv.method, to_ics(inv)))
}

/// Checks the MIME structure and returns the parsed calendar part.
fn check_invitation_mail(raw: &[u8], method: &str) -> Calendar {
    let msg = MessageParser::default().parse(raw).unwrap();
    let root = msg.root_part();
    let ct = root.content_type().unwrap();
    assert_eq!((ct.ctype(), ct.subtype()), ("multipart", Some("mixed")));

    let find = |t: &str, s: &str| msg.parts.iter().filter(|p| p.is_content_type(t, s)).collect::<Vec<_>>();
    assert_eq!(find("multipart", "alternative").len(), 1);
    let plain = find("text", "plain");
    assert_eq!(plain.len(), 1);
    assert_eq!(plain[0].text_contents().unwrap().replace("\r\n", "\n"), "Hola Luis,\n.\nTe invitan a una reunión.");
    let html = find("text", "html");
    assert_eq!(html.len(), 1);
    assert!(html[0].text_contents().unwrap().contains("<p>Hola Luis,</p>"));

    // The alternative holds text, html and calendar, in that order.
    let alt = find("multipart", "alternative")[0];
    let PartType::Multipart(children) = &alt.body else { panic!("alternative is not multipart") };
    let kinds: Vec<String> = children
        .iter()
        .map(|i| {
            let c = msg.parts[*i as usize].content_type().unwrap();
            format!("{}/{}", c.ctype(), c.subtype().unwrap_or(""))
        })
        .collect();
    assert_eq!(kinds, ["text/plain", "text/html", "text/calendar"]);

    let cal = find("text", "calendar");
    assert_eq!(cal.len(), 1);
    let cal_ct = cal[0].content_type().unwrap();
    assert_eq!(cal_ct.attribute("method"), Some(method));
    assert_eq!(cal_ct.attribute("charset").map(str::to_ascii_uppercase), Some("UTF-8".to_owned()));
    let cal_text = String::from_utf8(cal[0].contents().to_vec()).unwrap();

    let att = find("application", "ics");
    assert_eq!(att.len(), 1);
    assert_eq!(att[0].attachment_name(), Some("invite.ics"));
    assert_eq!(att[0].content_disposition().map(|d| d.ctype()), Some("attachment"));
    assert_eq!(
        String::from_utf8(att[0].contents().to_vec()).unwrap().replace("\r\n", "\n"),
        cal_text.replace("\r\n", "\n")
    );
    cal_text.parse::<Calendar>().unwrap()
}

fn event(cal: &Calendar) -> &icalendar::Event {
    cal.components
        .iter()
        .find_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .unwrap()
}

#[tokio::test]
async fn invitation_and_cancellation_arrive_intact() {
    let server = FakeSmtp::start(Mode::Accept).await.unwrap();
    let mailer = SmtpMailer::from_url(&server.url(true)).unwrap();

    let request = invitation(Method::Request, 0);
    let mut update = invitation(Method::Request, 1);
    update.location = Some("Sala Dalí".into());
    let cancel = invitation(Method::Cancel, 2);
    for (inv, id) in [(&request, "job1.luis"), (&update, "job2.luis"), (&cancel, "job3.luis")] {
        mailer.send(&email("Invitación: Revisión", ics_of(inv), id)).await.unwrap();
    }

    let got = server.received();
    assert_eq!(got.len(), 3);
    for r in &got {
        assert_eq!(r.auth.as_deref(), Some("\0sala@acme\0s3cr:t"));
        assert_eq!(r.from, "<sala@acme.example>");
        assert_eq!(r.to, ["<luis@acme.example>"]);
    }

    let mut uids = Vec::new();
    for (r, (method, seq)) in got.iter().zip([("REQUEST", "0"), ("REQUEST", "1"), ("CANCEL", "2")]) {
        let msg = MessageParser::default().parse(&r.data).unwrap();
        assert_eq!(msg.subject(), Some("Invitación: Revisión"));
        let cal = check_invitation_mail(&r.data, method);
        assert_eq!(cal.property_value("METHOD"), Some(method));
        let ev = event(&cal);
        assert_eq!(ev.property_value("SEQUENCE"), Some(seq));
        assert_eq!(ev.get_summary(), Some("Revisión; trimestral, Q1"));
        assert_eq!(ev.get_description(), Some("Orden del día\n.\n..línea con punto"));
        uids.push(ev.property_value("UID").unwrap().to_owned());
    }
    assert!(uids.iter().all(|u| u == "0192f0a0-booking@sala.example"));
    let first = MessageParser::default().parse(&got[0].data).unwrap();
    assert_eq!(first.message_id(), Some("job1.luis"));
    let cancel_cal = check_invitation_mail(&got[2].data, "CANCEL");
    assert_eq!(event(&cancel_cal).property_value("STATUS"), Some("CANCELLED"));
    let update_cal = check_invitation_mail(&got[1].data, "REQUEST");
    assert_eq!(event(&update_cal).get_location(), Some("Sala Dalí"));
}

#[tokio::test]
async fn plain_email_without_invitation_is_multipart_alternative() {
    let server = FakeSmtp::start(Mode::Accept).await.unwrap();
    let mailer = SmtpMailer::from_url(&server.url(false)).unwrap();
    mailer.send(&email("Recordatorio", None, "r1")).await.unwrap();
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].auth, None);
    let msg = MessageParser::default().parse(&got[0].data).unwrap();
    let ct = msg.root_part().content_type().unwrap();
    assert_eq!((ct.ctype(), ct.subtype()), ("multipart", Some("alternative")));
    assert!(!msg.parts.iter().any(|p| p.is_content_type("text", "calendar")));
}

#[tokio::test]
async fn crlf_in_subject_cannot_add_headers() {
    let server = FakeSmtp::start(Mode::Accept).await.unwrap();
    let mailer = SmtpMailer::from_url(&server.url(false)).unwrap();
    let evil = "Hola\r\nBcc: victim@evil.example\r\nX-Injected: yes\r\n\r\n<b>body</b>";
    mailer.send(&email(evil, ics_of(&invitation(Method::Request, 0)), "inj")).await.unwrap();
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, ["<luis@acme.example>"], "no extra recipient");
    let msg = MessageParser::default().parse(&got[0].data).unwrap();
    let names: Vec<String> = msg.headers().iter().map(|h| h.name().to_ascii_lowercase()).collect();
    assert!(!names.iter().any(|n| n == "bcc" || n == "x-injected"), "{names:?}");
    assert_eq!(names.iter().filter(|n| *n == "subject").count(), 1);
    let subject = msg.subject().unwrap();
    assert!(subject.starts_with("Hola"));
    assert!(subject.contains("Bcc: victim@evil.example"));
    assert!(!subject.contains('\n') && !subject.contains('\r'));
    check_invitation_mail(&got[0].data, "REQUEST");
}

#[tokio::test]
async fn server_down_is_retryable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mailer = SmtpMailer::from_url(&format!("smtp://127.0.0.1:{port}?tls=none")).unwrap();
    let err = mailer.send(&email("x", None, "down")).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

#[tokio::test]
async fn busy_421_is_retryable() {
    let server = FakeSmtp::start(Mode::Busy).await.unwrap();
    let mailer = SmtpMailer::from_url(&server.url(false)).unwrap();
    let err = mailer.send(&email("x", None, "busy")).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

#[tokio::test]
async fn unknown_user_550_is_final() {
    let server = FakeSmtp::start(Mode::RejectRecipient).await.unwrap();
    let mailer = SmtpMailer::from_url(&server.url(true)).unwrap();
    let err = mailer.send(&email("x", ics_of(&invitation(Method::Request, 0)), "550")).await.unwrap_err();
    match &err {
        ChannelError::Final { reason } => assert!(reason.contains("550"), "{reason}"),
        other => panic!("expected final, got {other:?}"),
    }
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn starttls_is_required_by_default() {
    // The fake offers no STARTTLS: a bare smtp:// URL must refuse to send in clear text.
    let server = FakeSmtp::start(Mode::Accept).await.unwrap();
    let mailer = SmtpMailer::from_url(&format!("smtp://u:p@127.0.0.1:{}", server.port)).unwrap();
    let err = mailer.send(&email("x", None, "tls")).await.unwrap_err();
    assert!(!err.is_retryable(), "{err:?}");
    assert!(server.received().is_empty());
}
