//! The OpenAPI document is a contract: every JSON request body and every JSON success answer has
//! an example, and each example names only fields its schema has, with every required one, so a
//! renamed field cannot leave a stale example behind.

use crate::helpers::{TestApp, json};
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
