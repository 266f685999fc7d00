//! Adding people on `/admin/people`: one by one with the form (problems beside their fields, a
//! taken address said at the email, the WhatsApp consent's date kept), and many at once by CSV,
//! pasted or uploaded: the preview writes nothing, the confirm step checks the text again and
//! writes the valid rows in one go; hostile and broken input gets a readable page, never a 500.

use crate::both;
use crate::helpers::TestApp;
use reqwest::{Method, StatusCode};
use sala_domain::User;

const CSRF: &str = "csrfcsrfcsrfcsrfcsrfcsrfcsrfcsrfcsrfcsrfcsr";
const BOUNDARY: &str = "sala-test-boundary-7MA4YWxkTrZu0gW";

pub struct Admin<'a> {
    pub app: &'a TestApp,
    pub cookie: String,
}

impl Admin<'_> {
    pub async fn of<'a>(app: &'a TestApp, user: &User) -> Admin<'a> {
        Admin { app, cookie: format!("sala_session={}; sala_csrf={CSRF}", app.session(user).await) }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self.app.request(Method::GET, path).header("cookie", &self.cookie).send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, String) {
        let response =
            self.app.request(Method::POST, path).header("cookie", &self.cookie).form(form).send().await.unwrap();
        read(response).await
    }

    /// The import form as a browser sends it: `multipart/form-data` with the token, the pasted
    /// text and a file (empty when none was chosen).
    pub async fn upload(&self, csrf: &str, pasted: &str, file: &[u8]) -> (StatusCode, String, String) {
        let mut body = Vec::new();
        for (name, value) in [("csrf", csrf), ("csv", pasted)] {
            body.extend(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
            );
        }
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"people.csv\"\r\n\
                 Content-Type: text/csv\r\n\r\n"
            )
            .bytes(),
        );
        body.extend_from_slice(file);
        body.extend(format!("\r\n--{BOUNDARY}--\r\n").bytes());
        let response = self
            .app
            .request(Method::POST, "/admin/people/import")
            .header("cookie", &self.cookie)
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(body)
            .send()
            .await
            .unwrap();
        read(response).await
    }
}

async fn read(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

/// The CSV text the preview's confirm form carries, as the browser would post it back.
pub fn carried(html: &str) -> String {
    let start = html.find("name=\"csv\" value=\"").expect("a confirm form") + "name=\"csv\" value=\"".len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end]
        .replace("&#13;", "\r")
        .replace("&#10;", "\n")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn by_email(app: &TestApp, tenant: &sala_domain::Tenant, email: &str) -> Option<User> {
    app.person(tenant.id, email).await
}

async fn count_audit(app: &TestApp, tenant: &sala_domain::Tenant, action: &str) -> usize {
    let query =
        sala_store::AuditQuery { subject_id: None, action_prefix: Some(action.to_owned()), before: None, limit: 500 };
    app.store().list_audit(tenant.id, &query).await.unwrap().len()
}

async fn one_person_is_added_by_the_form(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let admin = Admin::of(&app, &ana).await;
    let form = |email: &'static str, phone: &'static str, consent: &'static str| {
        vec![
            ("csrf", CSRF),
            ("name", "María <b>López</b>"),
            ("email", email),
            ("phone", phone),
            ("locale", "en"),
            ("role", "member"),
            ("whatsapp", "on"),
            ("consent", consent),
        ]
    };

    // Problems come back beside their fields, in Spanish, with what was typed kept and escaped.
    let (status, _, html) = admin.post("/admin/people", &form("maria@", "12", "2999-01-01")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"new-email-error\"") && html.contains("id=\"new-phone-error\""), "{html}");
    assert!(html.contains("id=\"new-consent-error\"") && html.contains("todavía no ha llegado"), "{html}");
    assert!(html.contains("María &#60;b&#62;López") || html.contains("María &lt;b&gt;López"), "escaped: {html}");
    assert!(!html.contains("<b>López"), "never raw");
    let (status, _, html) = admin.post("/admin/people", &form("maria@acme.test", "", "")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "WhatsApp needs a phone");
    assert!(html.contains("id=\"new-whatsapp-error\""), "{html}");

    let (status, location, _) =
        admin.post("/admin/people", &form("maria@acme.test", "+34 612 345 602", "2026-11-30")).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/admin/people?done=added"));
    let maria = by_email(&app, &tenant, "maria@acme.test").await.expect("added");
    assert_eq!((maria.whatsapp_opt_in, maria.locale), (true, Some(sala_domain::Locale::En)));
    // The day is the organization's (Madrid): midnight there is 23:00 UTC the day before.
    assert_eq!(maria.whatsapp_consent_at, Some(1_795_993_200_000));
    let (_, html) = admin.get(&format!("/admin/people/{}", maria.id)).await;
    assert!(html.contains("registrado el lunes, 30 de noviembre de 2026"), "{html}");

    // The same address again, in other case: said at the email, nobody added.
    let (status, _, html) = admin.post("/admin/people", &form("MARIA@acme.test", "+34 612 345 609", "")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"new-email-error\"") && html.contains("Ya hay una persona con ese correo"), "{html}");
    // A forged form adds nobody.
    let mut forged = form("luis@acme.test", "", "");
    forged[0] = ("csrf", "nope");
    assert_eq!(admin.post("/admin/people", &forged).await.0, StatusCode::FORBIDDEN);
    assert!(by_email(&app, &tenant, "luis@acme.test").await.is_none());
    // Members may not add people.
    let juan = app.user(&tenant, "juan@acme.test", "Juan", "member").await;
    let member = Admin::of(&app, &juan).await;
    assert_eq!(member.post("/admin/people", &form("eva@acme.test", "", "")).await.0, StatusCode::FORBIDDEN);
}
both!(one_person_is_added_by_the_form);

async fn a_pasted_csv_is_previewed_then_imported(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    app.user(&tenant, "pedro@acme.test", "Pedro", "member").await;
    app.user(&tenant, "luis@acme.test", "Luis", "member").await;
    let admin = Admin::of(&app, &ana).await;
    let csv = "nombre,correo,teléfono,idioma,whatsapp,consentimiento\n\
               \"López, María\",maria@acme.test,+34 612 345 602,es,sí,2026-11-30\n\
               =cmd|' /C calc'!A0,formula@acme.test,,,,\n\
               Pedro Gil,PEDRO@acme.test,+34 612 345 603,,,\n\
               Luis,luis@acme.test,,,,\n\
               Mal,no-es-correo,12,fr,quizá,ayer\n\
               Twin,maria@acme.test,,,,\n";

    let (status, _, html) = admin.upload(CSRF, csv, b"").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(html.matches(">Nueva<").count(), 2, "{html}");
    assert!(html.contains("Ya está (se actualiza)") && html.contains("Ya está (sin cambios)"), "{html}");
    assert!(html.contains("Correo electrónico: Hay una dirección de correo que no es válida."), "{html}");
    assert!(html.contains("Idioma:") && html.contains("WhatsApp: Escribe sí o no."), "{html}");
    assert!(html.contains("Esa dirección ya aparece en otra fila."), "the twin row: {html}");
    assert!(html.contains("=cmd|&#39; /C calc&#39;!A0") || html.contains("=cmd|&#x27; /C calc&#x27;!A0"), "{html}");
    assert!(by_email(&app, &tenant, "maria@acme.test").await.is_none(), "a preview writes nothing");

    // The confirm form carries the text; confirmed, the valid rows are written, one entry each.
    let text = carried(&html);
    let (status, location, _) = admin.post("/admin/people/import/confirm", &[("csrf", CSRF), ("csv", &text)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/admin/people?done=imported&added=2&updated=1&unchanged=1&refused=2");
    let maria = by_email(&app, &tenant, "maria@acme.test").await.unwrap();
    assert_eq!((maria.name.as_str(), maria.whatsapp_opt_in), ("López, María", true));
    assert_eq!(maria.whatsapp_consent_at, Some(1_795_993_200_000));
    let formula = by_email(&app, &tenant, "formula@acme.test").await.unwrap();
    assert_eq!(formula.name, "=cmd|' /C calc'!A0", "kept as text");
    let pedro = by_email(&app, &tenant, "pedro@acme.test").await.unwrap();
    assert_eq!((pedro.name.as_str(), pedro.phone.map(String::from)), ("Pedro Gil", Some("+34612345603".to_owned())));
    assert_eq!(count_audit(&app, &tenant, "user.imported").await, 3);
    let (_, html) = admin.get(&location).await;
    assert!(html.contains("Importación hecha: 2 añadidas, 1 actualizadas, 1 sin cambios, 2 con errores."), "{html}");

    // The same again changes nothing and says so.
    let (_, _, html) = admin.upload(CSRF, csv, b"").await;
    assert!(!html.contains(">Nueva<") && html.contains("No hay nada que importar"), "{html}");
    // A forged confirm imports nothing.
    let forged = "name,email\nEva,eva@acme.test\n";
    assert_eq!(
        admin.post("/admin/people/import/confirm", &[("csrf", "x"), ("csv", forged)]).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(admin.upload("x", forged, b"").await.0, StatusCode::FORBIDDEN);
    assert!(by_email(&app, &tenant, "eva@acme.test").await.is_none());
}
both!(a_pasted_csv_is_previewed_then_imported);

async fn an_uploaded_file_is_read_and_bad_files_say_why(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let admin = Admin::of(&app, &ana).await;

    // A spreadsheet's UTF-8 export with its BOM and CRLF: the file wins over an empty paste.
    let file = "\u{feff}Name,Email,Phone\r\nEva Ruiz,eva@acme.test,+34 612 345 604\r\n".as_bytes();
    let (status, _, html) = admin.upload(CSRF, "", file).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Eva Ruiz") && html.contains(">Nueva<"), "{html}");
    let text = carried(&html);
    let (status, _, _) = admin.post("/admin/people/import/confirm", &[("csrf", CSRF), ("csv", &text)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(by_email(&app, &tenant, "eva@acme.test").await.is_some());

    let refused = |bytes: &'static [u8], says: &'static str| {
        let admin = &admin;
        async move {
            let (status, _, html) = admin.upload(CSRF, "", bytes).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
            assert!(html.contains("role=\"alert\"") && html.contains(says), "{says}: {html}");
        }
    };
    refused(b"name,email\nJos\xe9,jose@acme.test\n", "no est\u{e1} en UTF-8").await;
    refused(b"\xff\xfen\x00a\x00m\x00e\x00", "no est\u{e1} en UTF-8").await;
    refused(b"nombre,tel\xc3\xa9fono\nAna,+34612345678\n", "Falta una columna").await;
    refused(b"name,email\n", "No hay nadie que importar").await;
    // A row with a cell no column names is that row's problem, not the file's.
    let (status, _, html) = admin.upload(CSRF, "", b"name,email\nAna,a@acme.test,extra\n").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Fila: La fila tiene m\u{e1}s celdas"), "{html}");
    let huge = format!("name,email\n{}", "Ana,ana@acme.test\n".repeat(70_000));
    let (status, _, html) = admin.upload(CSRF, "", huge.as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("demasiado grandes"), "{html}");
    let many = format!("name,email\n{}", (0..2_001).map(|i| format!("P{i},p{i}@acme.test\n")).collect::<String>());
    let (status, _, html) = admin.upload(CSRF, &many, b"").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Como mucho 2.000 personas"), "{html}");
    let (status, _, html) = admin.upload(CSRF, "", b"").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "nothing pasted, no file: {html}");
}
both!(an_uploaded_file_is_read_and_bad_files_say_why);

/// A person an admin added (no Google account yet) is the one who signs in later: see
/// `oidc::a_known_person_is_linked_by_email`, which starts from such a person.
async fn members_cannot_import(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let juan = app.user(&tenant, "juan@acme.test", "Juan", "member").await;
    let member = Admin::of(&app, &juan).await;
    assert_eq!(member.get("/admin/people/import").await.0, StatusCode::FORBIDDEN);
    assert_eq!(member.upload(CSRF, "name,email\nEva,eva@acme.test\n", b"").await.0, StatusCode::FORBIDDEN);
    let form = [("csrf", CSRF), ("csv", "name,email\nEva,eva@acme.test\n")];
    assert_eq!(member.post("/admin/people/import/confirm", &form).await.0, StatusCode::FORBIDDEN);
    assert!(by_email(&app, &tenant, "eva@acme.test").await.is_none());
}
both!(members_cannot_import);
