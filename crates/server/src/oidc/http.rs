//! The HTTP client openidconnect uses to reach the provider: our one reqwest client behind its
//! `AsyncHttpClient` hook, with a cap on how large an answer may be.

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};
use std::future::Future;
use std::pin::Pin;

/// The largest answer accepted from the provider (discovery, keys, tokens).
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// openidconnect's HTTP hook over our one reqwest client (no second HTTP stack), which follows
/// no redirects. Answers larger than [`MAX_RESPONSE_BYTES`] are refused.
#[derive(Clone)]
pub(super) struct OidcHttp(pub(super) reqwest::Client);

/// A failed request to the provider.
#[derive(Debug, thiserror::Error)]
pub(super) enum HttpError {
    #[error(transparent)]
    Request(#[from] reqwest::Error),
    #[error("the response is larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
}

impl<'c> AsyncHttpClient<'c> for OidcHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let mut response = self.0.execute(request.try_into()?).await?;
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(HttpError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            let mut answer = HttpResponse::new(body);
            *answer.status_mut() = response.status();
            *answer.headers_mut() = response.headers().clone();
            Ok(answer)
        })
    }
}
