//! The OpenAPI document is a contract: every JSON request body and every JSON success answer has
//! an example, and each example names only fields its schema has, with every required one, so a
//! renamed field cannot leave a stale example behind.

use crate::helpers::{TestApp, expect_problem, json};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The schema `node` is or refers to.
fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    match node["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => &doc["components"]["schemas"][name],
        None => node,
    }
}

/// The example given for a media type or its schema, with the schema it must fit. A schema with
/// no example of its own is shown (as Swagger UI shows it) by its parts' examples: an array by
/// its item's, an object by its properties' when every required one has one (a page of items).
fn example_of<'a>(doc: &'a Value, media: &'a Value) -> Option<(Value, &'a Value)> {
    let schema = resolve(doc, &media["schema"]);
    let example = media.get("example").cloned().or_else(|| composed(doc, schema))?;
    Some((example, schema))
}

fn composed(doc: &Value, schema: &Value) -> Option<Value> {
    let schema = resolve(doc, schema);
    if let Some(example) = schema.get("example").or_else(|| schema["examples"].get(0)) {
        return Some(example.clone());
    }
    if schema["type"] == "array" {
        return composed(doc, &schema["items"]).map(|item| Value::Array(vec![item]));
    }
    let properties = schema["properties"].as_object()?;
    let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let mut example = serde_json::Map::new();
    for (name, property) in properties {
        match composed(doc, property) {
            Some(value) => {
                example.insert(name.clone(), value);
            }
            None if required.contains(&name.as_str()) => return None,
            None => {}
        }
    }
    (!example.is_empty()).then_some(Value::Object(example))
}

/// What is wrong with `example` for `schema` (top-level fields; arrays check their first item).
fn misfit(doc: &Value, example: &Value, schema: &Value) -> Option<String> {
    let schema = resolve(doc, schema);
    if schema["type"] == "array" {
        return example.get(0).and_then(|first| misfit(doc, first, &schema["items"]));
    }
    let (Some(fields), Some(given)) = (schema["properties"].as_object(), example.as_object()) else { return None };
    if let Some(unknown) = given.keys().find(|k| !fields.contains_key(*k)) {
        return Some(format!("names `{unknown}`, which the schema does not have"));
    }
    let required = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str);
    let missing: Vec<&str> = required.filter(|r| !given.contains_key(*r)).collect();
    (!missing.is_empty()).then(|| format!("lacks required {missing:?}"))
}

#[tokio::test]
async fn every_operation_has_examples_that_fit_their_schemas() {
    let app = TestApp::sqlite().await;
    let (status, doc) = json(app.request(Method::GET, "/api/v1/openapi.json").send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let mut problems = Vec::new();
    let mut checked = 0;
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let mut bodies = Vec::new();
            if let Some(media) = operation["requestBody"]["content"].get("application/json") {
                bodies.push(("request".to_owned(), media));
            }
            for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                if let (true, Some(media)) = (status.starts_with('2'), response["content"].get("application/json")) {
                    bodies.push((status.clone(), media));
                }
            }
            for (what, media) in bodies {
                checked += 1;
                match example_of(&doc, media) {
                    None => problems.push(format!("{method} {path} {what}: no example")),
                    Some((example, schema)) => {
                        if let Some(wrong) = misfit(&doc, &example, schema) {
                            problems.push(format!("{method} {path} {what}: the example {wrong}"));
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} bodies found: is the document complete?");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

/// The refusals an operation's shape implies: what its caller, path id, query and JSON body can
/// be refused with (the extractors every handler is built of), and 503 when the database cannot
/// serve it (`drill_postgres` and `drills` see those answers).
fn implied_refusals(operation: &Value) -> Vec<&'static str> {
    let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
    let takes = |place: &str| parameters.iter().any(|p| p["in"] == place);
    let body = operation["requestBody"]["content"].get("application/json").is_some();
    // A body that may be left out is read whatever its content type, and never as `invalid_json`.
    let body_required = body && operation["requestBody"]["required"] == true;
    let mut statuses = vec!["401", "403", "429", "503"];
    if takes("path") {
        statuses.extend(["400", "404"]);
    }
    if takes("query") {
        statuses.push("400");
    }
    if body {
        statuses.extend(["413", "422"]);
    }
    if body_required {
        statuses.extend(["400", "415"]);
    }
    statuses.sort_unstable();
    statuses.dedup();
    statuses
}

#[tokio::test]
async fn every_operation_documents_its_refusals_as_problems() {
    let app = TestApp::sqlite().await;
    let (status, doc) = json(app.request(Method::GET, "/api/v1/openapi.json").send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["components"]["schemas"]["Problem"].is_object(), "the Problem schema is a component");
    let problem = serde_json::json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}});
    let mut problems = Vec::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let responses = &operation["responses"];
            for status in implied_refusals(operation) {
                if responses.get(status).is_none() {
                    problems.push(format!("{method} {path}: {status} is not documented"));
                }
            }
            for (status, response) in responses.as_object().into_iter().flatten() {
                let refusal = status.starts_with('4') || status == "503";
                if refusal && response["content"] != problem {
                    problems.push(format!("{method} {path} {status}: not problem+json with Problem"));
                }
                if refusal && response["description"].as_str().unwrap_or_default().is_empty() {
                    problems.push(format!("{method} {path} {status}: no description"));
                }
            }
            for status in ["429", "503"] {
                if responses.get(status).is_some_and(|r| r["headers"].get("Retry-After").is_none()) {
                    problems.push(format!("{method} {path} {status}: no Retry-After"));
                }
            }
            let change = method != "get" && method != "head";
            let unavailable = responses["503"]["description"].as_str().unwrap_or_default();
            if change && !unavailable.contains("storage_full") {
                problems.push(format!("{method} {path} 503: a change that does not say the disk may be full"));
            }
        }
    }
    assert!(operations > 40, "only {operations} operations found: is the document complete?");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

/// Every `limit` has its range in the document, and the server holds to it: the maximum is
/// served, one past it and 0 are refused with 422 `out_of_range`, never quietly cut to fit.
#[tokio::test]
async fn page_limits_are_documented_and_refused_outside_their_range() {
    let app = TestApp::sqlite().await;
    let tenant = app.tenant("Acme", "acme.test").await;
    let key = app.api_key(&tenant).await;
    let (_, doc) = json(app.request(Method::GET, "/api/v1/openapi.json").send().await.unwrap()).await;
    let mut checked = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
            let Some(limit) = parameters.iter().find(|p| p["name"] == "limit") else { continue };
            assert_eq!(method, "get", "{path}");
            let schema = &limit["schema"];
            assert_eq!(schema["minimum"], 1, "{path}: {schema}");
            let max = schema["maximum"].as_u64().unwrap_or_else(|| panic!("{path}: no maximum in {schema}"));
            let url = format!("/api/v1{}", path.replace("{id}", "0190f5a2-7c1e-7b7e-9a40-2f5d3c1e9a10"));
            // A report's range comes with it.
            let range: &[(&str, &str)] = if parameters.iter().any(|p| p["name"] == "from" && p["required"] == true) {
                &[("from", "2027-03-01"), ("to", "2027-03-31")]
            } else {
                &[]
            };
            let get = |n: u64| app.api(Method::GET, &url, &key).query(range).query(&[("limit", n)]).send();
            let served = get(max).await.unwrap().status();
            // An unknown id in the path is 404 once the limit passed.
            assert!(served == StatusCode::OK || served == StatusCode::NOT_FOUND, "{path}?limit={max}: {served}");
            for refused in [0, max + 1] {
                let body =
                    expect_problem(get(refused).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
                        .await;
                assert_eq!(body["errors"][0]["field"], "limit", "{path}?limit={refused}: {body}");
                assert_eq!(body["errors"][0]["code"], "out_of_range", "{path}?limit={refused}: {body}");
            }
            checked.push(path.clone());
        }
    }
    assert_eq!(checked.len(), 7, "the lists (and the top organizers) with a limit: {checked:?}");
}
