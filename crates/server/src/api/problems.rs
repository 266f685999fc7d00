//! The refusals of the document: every operation lists the error statuses it can answer, each as
//! `application/problem+json` with the `Problem` schema. Most follow from the operation's shape,
//! because they come from what every handler is built of: the caller (401, 403 and 429 from
//! [`crate::auth::Caller`]), a path id (400 `invalid_id` from [`crate::extract::PathId`], 404 for
//! an unknown one), a query string (400 `invalid_query` from [`crate::extract::ApiQuery`]) and a
//! JSON body (400, 413, 415 and 422 from [`crate::extract::ApiJson`] and
//! [`crate::extract::HashedJson`]), and the database (503 when it cannot be reached, or, for a
//! change, cannot store it: `crate::problem`'s mapping of the store's errors). Those are added
//! here, once; what only some operations answer (409, 412, a 422 of a query) stays in each
//! handler's `responses(...)`.

use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{Content, Object, OpenApi, Ref, RefOr, Required, Type};

/// What an error answer is sent as.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Adds the refusals each operation's shape implies, and makes every 4xx answer of the document
/// `application/problem+json` with the `Problem` schema.
pub fn document(openapi: &mut OpenApi) {
    for item in openapi.paths.paths.values_mut() {
        // Each operation, and whether it only reads.
        let operations = [
            (&mut item.get, true),
            (&mut item.head, true),
            (&mut item.put, false),
            (&mut item.post, false),
            (&mut item.delete, false),
            (&mut item.patch, false),
        ];
        for (operation, read_only) in operations {
            if let Some(operation) = operation {
                add_refusals(operation, read_only);
            }
        }
    }
}

fn add_refusals(operation: &mut Operation, read_only: bool) {
    let has = |place: ParameterIn| {
        operation.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
    };
    let (path_id, query) = (has(ParameterIn::Path), has(ParameterIn::Query));
    let body = operation.request_body.as_ref().and_then(json_body);

    let mut bad_request = Vec::new();
    if body == Some(Body::Required) {
        bad_request.push("`invalid_json`: the body is not JSON");
    }
    if path_id {
        bad_request.push("`invalid_id`: the id in the path is not a UUID");
    }
    if query {
        bad_request.push("`invalid_query`: a query parameter of the wrong type, or a value its enum does not have");
    }
    let mut refusals = Vec::new();
    if !bad_request.is_empty() {
        refusals.push(("400", bad_request.join("; ")));
    }
    refusals.push(("401", "`unauthenticated`: no API key or session, or an unknown or revoked one".to_owned()));
    refusals.push((
        "403",
        "`insufficient_scope`: the API key lacks the scope this needs; `csrf_failed`: a session's change without \
         its CSRF token; `forbidden`: not allowed for this caller"
            .to_owned(),
    ));
    if path_id {
        refusals.push(("404", "`not_found`: no such id in your organization".to_owned()));
    }
    if body.is_some() {
        refusals.push(("413", "`payload_too_large`: the body is larger than the server accepts".to_owned()));
    }
    if body == Some(Body::Required) {
        refusals.push(("415", "`unsupported_media_type`: the body was not sent as `application/json`".to_owned()));
    }
    if body.is_some() {
        refusals.push((
            "422",
            "`invalid_body`: not a JSON object of this shape, or with unknown fields; `validation_failed`: one \
             entry per invalid field in `errors`"
                .to_owned(),
        ));
    }
    refusals.push((
        "429",
        "`rate_limited`: the API key's requests a minute are spent; retry after `Retry-After`".to_owned(),
    ));

    let unavailable = "`database_unavailable`: the database cannot be reached for now; retry after `Retry-After`";
    refusals.push((
        "503",
        if read_only {
            unavailable.to_owned()
        } else {
            format!(
                "{unavailable}; `storage_full`, `read_only`: the database's disk is full, or it can only be read: \
                 nothing was saved"
            )
        },
    ));

    let responses = &mut operation.responses.responses;
    for (status, description) in refusals {
        let response = responses.entry(status.to_owned()).or_insert_with(|| ResponseBuilder::new().build().into());
        if let RefOr::T(response) = response
            && response.description.is_empty()
        {
            response.description = description;
        }
    }
    for (status, response) in responses.iter_mut() {
        if let (true, RefOr::T(response)) = (status.starts_with('4') || status == "503", response) {
            as_problem(status, response);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Body {
    /// Read by [`crate::extract::ApiJson`] or [`crate::extract::HashedJson`].
    Required,
    /// Read by [`crate::extract::OptionalJson`]: any content type, and no `invalid_json`.
    Optional,
}

/// Whether an operation takes a JSON body, and whether it must send one.
fn json_body(body: &RefOr<RequestBody>) -> Option<Body> {
    let RefOr::T(body) = body else { return None };
    let required = matches!(body.required, Some(Required::True));
    body.content.contains_key("application/json").then_some(if required { Body::Required } else { Body::Optional })
}

/// A refusal as it is sent: `application/problem+json` with the `Problem` schema (and the
/// `Retry-After` of a 429 or a 503).
fn as_problem(status: &str, response: &mut Response) {
    response.content.clear();
    response.content.insert(PROBLEM_JSON.to_owned(), Content::new(Some(Ref::from_schema_name("Problem"))).into());
    if status == "429" || status == "503" {
        let mut header = Header::new(Object::with_type(Type::Integer));
        header.description = Some("Seconds to wait before the next request".to_owned());
        response.headers.insert("Retry-After".to_owned(), header.into());
    }
    if response.description.is_empty() {
        response.description = match status {
            "404" => "`not_found`: no such resource in your organization",
            "409" => "A conflict with the current state: see `code`",
            "412" => "`version_mismatch`: `If-Match` names an older version",
            "422" => "`validation_failed`: one entry per invalid field in `errors`",
            _ => "Refused: see `code`",
        }
        .to_owned();
    }
}
