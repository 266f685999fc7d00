//! `GET /admin/reports`: the page over two crafted days (the figures of `reports.rs`, worked out
//! by hand) in its tables and charts, in Spanish and English; the CSV links work with the
//! admin's session; bad input comes back readably with the form kept; members are refused.

use crate::both;
use crate::helpers::{TestApp, json};
use crate::reports::{madrid, next_monday};
use crate::web_app::browser;
use reqwest::{Method, StatusCode};
use sala_app::Context;
use serde_json::json;

/// The part of `html` from the element with `id` to the end of its `end` tag.
fn element<'a>(html: &'a str, id: &str, end: &str) -> &'a str {
    let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &html[start..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The rows of the table `id`: each row's cells' text.
fn rows(html: &str, id: &str) -> Vec<Vec<String>> {
    let table = element(html, id, "</table>");
    let body = &table[table.find("<tbody>").unwrap()..];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("</t")
                .filter_map(|cell| cell.rfind('>').map(|i| cell[i + 1..].trim().to_owned()))
                .filter(|cell| !cell.is_empty())
                .collect()
        })
        .collect()
}

async fn the_reports_page_draws_and_tabulates_the_figures(app: TestApp) {
    let tenant = app.tenant("Acme", "acme.test").await;
    let ana = app.user(&tenant, "ana@acme.test", "Ana", "admin").await;
    let emma = sala_app::users::create_user(
        app.store(),
        &Context::system(tenant.id),
        sala_app::users::NewUser {
            email: "emma@acme.test".into(),
            name: "Emma".into(),
            role: Some(sala_domain::Role::Admin),
            locale: Some(sala_domain::Locale::En),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let juan = app.user(&tenant, "juan@acme.test", "Juan", "member").await;
    let key = app.api_key(&tenant).await;
    let mut ids = Vec::new();
    for (name, location) in [
        ("Sala Sur", None),
        ("Sala Norte", Some("Planta 1, ala \"A\"")),
        ("<b>Sala Este</b>", Some("Planta 1, ala \"A\"")),
    ] {
        let mut body = json!({"name": name, "capacity": 6});
        if let Some(location) = location {
            body["location"] = json!(location);
        }
        let (status, room) = json(app.api(Method::POST, "/api/v1/rooms", &key).json(&body).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{room}");
        ids.push(room["id"].as_str().unwrap().to_owned());
    }
    let (sur, norte) = (ids[0].clone(), ids[1].clone());
    let monday = next_monday();
    let tuesday = monday.tomorrow().unwrap();
    let book = async |room: &str, start: String, end: String| {
        let body =
            json!({"room_id": room, "title": "Reunión", "start": start, "end": end, "organizer": "ana@acme.test"});
        let (status, booking) =
            json(app.api(Method::POST, "/api/v1/bookings", &key).json(&body).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{booking}");
        booking["id"].as_str().unwrap().to_owned()
    };
    // Sala Sur: Monday 10:00-11:00 and 19:30-20:30 (30 minutes before closing): 90 of 1440.
    // Sala Norte: Tuesday 09:00-10:00, cancelled with a reason: nothing booked.
    book(&sur, madrid(monday, 10, 0), madrid(monday, 11, 0)).await;
    book(&sur, madrid(monday, 19, 30), madrid(monday, 20, 30)).await;
    let cancelled = book(&norte, madrid(tuesday, 9, 0), madrid(tuesday, 10, 0)).await;
    let response = app
        .api(Method::DELETE, &format!("/api/v1/bookings/{cancelled}"), &key)
        .json(&json!({"reason": "ya no hace falta"}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());

    let admin = browser(&app, &ana).await;
    let range = format!("from={monday}&to={tuesday}");
    let (status, html) = admin.get(&format!("/admin/reports?{range}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"<a href="/admin/reports" aria-current="page">Informes</a>"#), "the tab is current");
    // By room, highest first, with a decimal comma; one bar per room; names escaped.
    assert_eq!(
        rows(&html, "table-rooms"),
        table(&[
            &["Sala Sur", "90", "1440", "6,3 %"],
            &["&#60;b&#62;Sala Este&#60;/b&#62;", "0", "1440", "0,0 %"],
            &["Sala Norte", "0", "1440", "0,0 %"],
        ])
    );
    let bars = element(&html, "chart-rooms", "</svg>");
    assert_eq!(bars.matches("<rect class=\"bar\"").count(), 3, "{bars}");
    assert!(bars.contains("role=\"img\"") && bars.contains("<title id=\"chart-rooms-title\">Uso por sala</title>"));
    assert!(!html.contains("<b>Sala Este</b>"), "names are escaped");
    assert!(!html.contains("style=\""), "no inline styles (the CSP forbids them)");
    // By location: the rooms' minutes summed.
    assert_eq!(
        rows(&html, "table-locations"),
        table(&[&["(sin ubicación)", "90", "1440", "6,3 %"], &["Planta 1, ala &#34;A&#34;", "0", "2880", "0,0 %"]])
    );
    // By day: Monday 90 of 3 x 720, Tuesday nothing; one column per day.
    let (mon, tue) = (monday.to_string(), tuesday.to_string());
    assert_eq!(rows(&html, "table-days"), table(&[&[&mon, "90", "2160", "4,2 %"], &[&tue, "0", "2160", "0,0 %"]]));
    assert_eq!(element(&html, "chart-days", "</svg>").matches("<rect class=\"column\"").count(), 2);
    // The heatmap: the 12 office hours of 7 days, of which the range holds a Monday and a
    // Tuesday; the table lists those 2 x 12 bookable cells.
    let heat = element(&html, "chart-hours", "</svg>");
    assert_eq!(heat.matches("<rect class=\"heat-").count(), 7 * 12, "{heat}");
    assert_eq!(heat.matches("<rect class=\"heat-closed\"").count(), 5 * 12);
    assert_eq!(heat.matches("<rect class=\"heat-2\"").count(), 1, "Monday 10:00, a third");
    let hours = rows(&html, "table-hours");
    assert_eq!(hours.len(), 2 * 12);
    assert!(hours.contains(&table(&[&["lunes 10:00", "60", "180", "33,3 %"]])[0]), "{hours:?}");
    // Cancellations: one of three, its reason, a week or more before.
    assert_eq!(rows(&html, "table-reasons"), table(&[&["ya no hace falta", "1"]]));
    assert_eq!(element(&html, "chart-reasons", "</svg>").matches("<rect class=\"bar\"").count(), 1);
    assert!(rows(&html, "table-notice").contains(&vec!["Una semana antes o más".to_owned(), "1".to_owned()]));
    assert!(html.contains("33,3 %"));

    // The CSV links go to the API's exports, which take this session.
    let link = format!("/api/v1/reports/utilization?from={monday}&#38;to={tuesday}&#38;group_by=room&#38;format=csv");
    assert!(html.contains(&format!("href=\"{link}\"")), "{}", element(&html, "report-total-title", "</section>"));
    let csv =
        app.request(Method::GET, &link.replace("&#38;", "&")).header("cookie", &admin.cookie).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("room_id,booked_minutes,bookable_minutes,utilization\r\n"), "{text}");
    assert!(text.contains(&format!("{sur},90,1440,0.0625\r\n")), "{text}");

    // One room: its figures alone, and the CSV links name it.
    let (status, html) = admin.get(&format!("/admin/reports?{range}&room_id={sur}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows(&html, "table-rooms"), table(&[&["Sala Sur", "90", "1440", "6,3 %"]]));
    assert!(html.contains(&format!("room_id={sur}&#38;group_by=day")));
    assert!(html.contains(&format!(r#"<option value="{sur}" selected>Sala Sur</option>"#)));
    // One location: its two rooms, summed.
    let (status, html) = admin.get(&format!("/admin/reports?{range}&location=Planta%201%2C%20ala%20%22A%22")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(rows(&html, "table-rooms").len(), 2);
    assert_eq!(element(&html, "chart-rooms", "</svg>").matches("<rect class=\"bar\"").count(), 2);
    assert_eq!(rows(&html, "table-days")[0], table(&[&[&mon, "0", "1440", "0,0 %"]])[0]);
    assert_eq!(rows(&html, "table-reasons"), table(&[&["ya no hace falta", "1"]]));
    assert!(html.contains("location=Planta+1%2C+ala+%22A%22&#38;group_by=day"), "the CSV links name the location");

    // In English: a decimal point.
    let english = browser(&app, &emma).await;
    let (status, html) = english.get(&format!("/admin/reports?{range}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows(&html, "table-rooms")[0], table(&[&["Sala Sur", "90", "1,440", "6.3%"]])[0]);
    assert!(html.contains("Utilization by room"));

    // A preset: the form shows its dates.
    let (status, html) = admin.get("/admin/reports?preset=last_7_days").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<option value="last_7_days" selected>Últimos 7 días</option>"#));
    assert!(html.contains("id=\"table-rooms\""));
    // Nothing asked: the last 30 days.
    let (status, html) = admin.get("/admin/reports").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<option value="last_30_days" selected>"#));

    // Bad input: a readable page that keeps the form, not an error page.
    for (query, status, says) in [
        (
            format!("from={tuesday}&to={monday}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "La fecha «Desde» es posterior a «Hasta».",
        ),
        (format!("from=2027-02-30&to={tuesday}"), StatusCode::UNPROCESSABLE_ENTITY, "«2027-02-30» no es una fecha"),
        ("from=%3Cscript%3E&to=x".to_owned(), StatusCode::UNPROCESSABLE_ENTITY, "«&#60;script&#62;» no es una fecha"),
        ("from=2024-01-01&to=2026-12-31".to_owned(), StatusCode::UNPROCESSABLE_ENTITY, "como mucho 731 días"),
        ("preset=yesterday".to_owned(), StatusCode::UNPROCESSABLE_ENTITY, "Elige un periodo de la lista."),
        (format!("{range}&room_id=01a3b81d-1c01-7c7f-973a-dae48201e2bd"), StatusCode::NOT_FOUND, "Esa sala no existe."),
        (format!("{range}&room_id=nope"), StatusCode::NOT_FOUND, "Esa sala no existe."),
        (format!("{range}&location=Marte"), StatusCode::NOT_FOUND, "Ninguna sala está en esa ubicación."),
    ] {
        let (got, html) = admin.get(&format!("/admin/reports?{query}")).await;
        assert_eq!(got, status, "{query}");
        assert!(html.contains("role=\"alert\"") && html.contains(says), "{query}: {html}");
        assert!(html.contains(r#"<form method="get" action="/admin/reports""#), "{query}: the form stays");
        assert!(!html.contains("id=\"table-rooms\""), "{query}: no figures");
        assert!(!html.contains("<script>"), "{query}");
    }
    let (_, html) = admin.get(&format!("/admin/reports?from={tuesday}&to={monday}")).await;
    assert!(html.contains(&format!(r#"name="from" value="{tuesday}""#)), "what was typed is kept");

    // Members see neither the page nor the export.
    let member = browser(&app, &juan).await;
    assert_eq!(member.get(&format!("/admin/reports?{range}")).await.0, StatusCode::FORBIDDEN);
    let csv =
        app.request(Method::GET, &link.replace("&#38;", "&")).header("cookie", &member.cookie).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::FORBIDDEN);
}
both!(the_reports_page_draws_and_tabulates_the_figures);

fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|row| row.iter().map(|cell| (*cell).to_owned()).collect()).collect()
}
