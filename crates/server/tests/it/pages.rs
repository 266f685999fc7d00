//! The pages a newcomer sees: the landing page, the dev login, the dashboard and sign-out.

use crate::helpers::TestApp;
use reqwest::{Method, StatusCode};
use sala_store::testing::fresh_sqlite;

/// The value of `name` from a response's Set-Cookie headers.
fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        v.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
    })
}

/// The hidden CSRF field of a rendered form.
fn csrf_field(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    html[start..start + 43].to_owned()
}

async fn dev_app() -> TestApp {
    let app = TestApp::start(fresh_sqlite().await, |s| s.dev = true).await;
    sala_app::demo::seed_demo(app.store()).await.unwrap();
    app
}

#[tokio::test]
async fn dev_login_leads_to_the_dashboard_and_sign_out_ends_it() {
    let app = dev_app().await;
    let landing = app.request(Method::GET, "/").send().await.unwrap();
    assert_eq!(landing.status(), StatusCode::OK);
    assert!(
        landing.headers().get("content-security-policy").unwrap().to_str().unwrap().contains("frame-ancestors 'none'")
    );
    let csrf = cookie(&landing, "sala_csrf").expect("csrf cookie");
    let html = landing.text().await.unwrap();
    assert!(html.contains("acme.test") && html.contains("María López") && html.contains("Juan Pérez"), "{html}");
    assert_eq!(csrf_field(&html), csrf);

    let maria = app
        .store()
        .search_users(
            app.store().tenant_by_slug("acme").await.unwrap().unwrap().id,
            &sala_store::UserQuery { text: "maria".into(), limit: 1, include_inactive: false },
        )
        .await
        .unwrap()
        .remove(0);
    let login = |token: &str| {
        app.request(Method::POST, "/dev/login")
            .header("cookie", format!("sala_csrf={csrf}"))
            .form(&[("csrf", token), ("user_id", &maria.id.to_string())])
            .send()
    };
    assert_eq!(login("forged-token-forged-token-forged-token-abcd").await.unwrap().status(), StatusCode::FORBIDDEN);
    let signed_in = login(&csrf).await.unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers().get("location").unwrap(), "/");
    let session = cookie(&signed_in, "sala_session").expect("session cookie");
    let set_cookie = signed_in.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");

    let cookies = format!("sala_session={session}; sala_csrf={csrf}");
    let dashboard =
        app.request(Method::GET, "/").header("cookie", &cookies).send().await.unwrap().text().await.unwrap();
    assert!(
        dashboard.contains("María López") && dashboard.contains("Sala Atlántico") && dashboard.contains("Cabina 1")
    );
    assert!(dashboard.contains("Salas"), "the demo tenant speaks Spanish");

    let out = app
        .request(Method::POST, "/signout")
        .header("cookie", &cookies)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = app.request(Method::GET, "/").header("cookie", &cookies).send().await.unwrap().text().await.unwrap();
    assert!(!after.contains("Sala Atlántico"), "the session is gone");
}

#[tokio::test]
async fn dev_login_does_not_exist_outside_dev_mode() {
    let app = TestApp::sqlite().await;
    sala_app::demo::seed_demo(app.store()).await.unwrap();
    let landing = app.request(Method::GET, "/").send().await.unwrap().text().await.unwrap();
    assert!(!landing.contains("María López"), "no demo people offered");
    let response =
        app.request(Method::POST, "/dev/login").form(&[("csrf", "x"), ("user_id", "y")]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn dev_login_only_admits_demo_people() {
    let app = dev_app().await;
    let other = app.tenant("Globex", "globex.test").await;
    let outsider = app.user(&other, "boss@globex.test", "Boss", "admin").await;
    let csrf = "k".repeat(43);
    let response = app
        .request(Method::POST, "/dev/login")
        .header("cookie", format!("sala_csrf={csrf}"))
        .form(&[("csrf", csrf.as_str()), ("user_id", &outsider.id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(cookie(&response, "sala_session").is_none());
}

#[tokio::test]
async fn english_browsers_get_english() {
    let app = dev_app().await;
    let html = app
        .request(Method::GET, "/")
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("lang=\"en\"") && html.contains("Development mode"));
}

/// A page's title is text: no template puts markup inside its `title` block (a section once
/// landed there and showed as raw text in the browser's tab).
#[test]
fn title_blocks_hold_only_text() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut stack = vec![root];
    let mut checked = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text.match_indices("{% block title %}") {
                let block = &text[at..at + text[at..].find("{% endblock %}").unwrap()];
                assert!(!block.contains('<') && !block.contains('\n'), "{}: {block}", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked > 10, "the templates were found: {checked}");
}
