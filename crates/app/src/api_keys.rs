//! API keys for other systems (a CRM, an attendance system). The key is shown once; only its hash
//! is kept. Keys carry a readable prefix so a leaked one is recognisable in logs and scanners.

use crate::context::snapshot;
use crate::tokens::{hash_token, random_token};
use crate::{AppError, AppResult, Context, Store};
use sala_domain::values::clean_name;
use sala_domain::{ApiKey, ApiKeyId, now_millis};

/// Every key starts with this, so it is recognisable wherever it leaks.
pub const KEY_PREFIX: &str = "sala_";

/// How long `last_used_at` may lag, so a busy key does not write on every request.
const TOUCH_INTERVAL_MS: i64 = 60_000;

/// A key just created: the secret is here and nowhere else, ever.
pub struct CreatedKey {
    pub key: ApiKey,
    pub secret: String,
}

/// Creates a key with `scopes` (all of them when `None`). The secret is in the answer only.
pub async fn create_api_key(
    store: &dyn Store,
    ctx: &Context,
    name: &str,
    scopes: Option<&str>,
) -> AppResult<CreatedKey> {
    ctx.require_admin()?;
    let name = clean_name("name", name, 80).map_err(|e| AppError::invalid("name", e.code, e.message))?;
    let scopes = match scopes {
        Some(list) => {
            sala_domain::auth::Scope::parse_list(list).map_err(|e| AppError::invalid("scopes", e.code, e.message))?
        }
        None => sala_domain::auth::Scope::all(),
    };
    let secret = format!("{KEY_PREFIX}{}", random_token());
    let key = ApiKey {
        id: ApiKeyId::new(),
        tenant_id: ctx.tenant_id(),
        name,
        prefix: secret.chars().take(KEY_PREFIX.len() + 6).collect(),
        created_by: ctx.actor(),
        created_at: now_millis(),
        last_used_at: None,
        revoked_at: None,
        scopes,
    };
    let audit = ctx.audit("api_key.created", "api_key", Some(key.id.0), None, snapshot(&key));
    store.insert_api_key(&key, &hash_token(&secret), &audit).await?;
    Ok(CreatedKey { key, secret })
}

pub async fn revoke_api_key(store: &dyn Store, ctx: &Context, id: ApiKeyId) -> AppResult<ApiKey> {
    ctx.require_admin()?;
    let before = store.get_api_key(ctx.tenant_id(), id).await?.ok_or(AppError::NotFound { what: "api key" })?;
    if before.revoked_at.is_some() {
        return Ok(before);
    }
    let at = now_millis();
    let after = ApiKey { revoked_at: Some(at), ..before.clone() };
    let audit = ctx.audit("api_key.revoked", "api_key", Some(id.0), snapshot(&before), snapshot(&after));
    store.revoke_api_key(ctx.tenant_id(), id, at, &audit).await?;
    Ok(after)
}

pub async fn list_api_keys(store: &dyn Store, ctx: &Context) -> AppResult<Vec<ApiKey>> {
    ctx.require_admin()?;
    Ok(store.list_api_keys(ctx.tenant_id()).await?)
}

/// The active key this secret belongs to, or `Unauthenticated` for an unknown or revoked one.
pub async fn authenticate(store: &dyn Store, secret: &str) -> AppResult<ApiKey> {
    if !secret.starts_with(KEY_PREFIX) || secret.len() > 200 {
        return Err(AppError::Unauthenticated);
    }
    let key = store.api_key_by_hash(&hash_token(secret)).await?.ok_or(AppError::Unauthenticated)?;
    if !key.is_active() {
        return Err(AppError::Unauthenticated);
    }
    let now = now_millis();
    if key.last_used_at.is_none_or(|last| now - last > TOUCH_INTERVAL_MS)
        && let Err(err) = store.touch_api_key(key.id, now).await
    {
        // Losing a last-used time must not fail the caller's request.
        tracing::warn!(%err, "could not record API key use");
    }
    Ok(key)
}
