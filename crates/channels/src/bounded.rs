//! Answers from outside (webhook receivers, Google, Meta) are read up to a bound and the rest is
//! dropped with the connection: a receiver that answers 200 MB must not grow the server by 200 MB.
//! Sala needs only a status, a small JSON document, or an excerpt for the delivery log.

/// The most of any answer from outside that Sala reads.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// The first `limit` bytes of the answer's body; reading stops there (the connection then closes
/// instead of being reused, so the unread rest is never downloaded).
pub async fn read_bounded(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= limit {
            break;
        }
    }
    Ok(body)
}

/// The answer's body as text (lossy), up to [`MAX_ANSWER_BYTES`]; empty when it cannot be read.
pub async fn text_bounded(response: reqwest::Response) -> String {
    read_bounded(response, MAX_ANSWER_BYTES).await.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

/// The answer's body as JSON, up to [`MAX_ANSWER_BYTES`]; `Null` when it cannot be read or parsed.
pub async fn json_bounded(response: reqwest::Response) -> serde_json::Value {
    let body = read_bounded(response, MAX_ANSWER_BYTES).await.unwrap_or_default();
    serde_json::from_slice(&body).unwrap_or_default()
}
