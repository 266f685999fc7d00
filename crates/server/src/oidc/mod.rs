//! Sign-in with OpenID Connect: one client ([`client::OidcClient`]) that any provider is described
//! to, and the two Sala speaks with: Google ([`GoogleSignIn`]) and Microsoft Entra ID
//! ([`MicrosoftSignIn`]). It talks to providers and knows no HTTP routes; the sign-in routes are
//! in `crate::auth::google` and `crate::auth::microsoft`.
//!
//! Authorization code flow with PKCE (S256), `state` and `nonce`, and an ID token verified against
//! the issuer's published keys (signature, issuer, audience, expiry, nonce). The discovery
//! document and the keys are fetched on first use and kept; a failed fetch is not kept, so the
//! next sign-in tries again. When a token names a key we do not know (providers rotate their
//! keys), the key set is fetched again once before the token is refused.
//!
//! Microsoft's multi-tenant authorities (`organizations`, `common`) publish an issuer template,
//! `https://login.microsoftonline.com/{tenantid}/v2.0`: each token's `iss` must be that template
//! with the token's own `tid` put in (`issuer`).

mod client;
mod discovery;
mod failure;
mod google;
mod http;
mod issuer;
mod microsoft;

pub use client::{ExtraClaims, OidcIdToken};
pub use failure::{Failure, error_chain};
pub use google::{CALLBACK_PATH, CONNECT_PATH, GoogleSignIn, domain_of as google_domain};
pub use microsoft::{MICROSOFT_CALLBACK_PATH, MicrosoftSignIn};

use std::time::Duration;

/// How long a browser has to come back from the provider.
pub const FLOW_LIFETIME: Duration = Duration::from_secs(600);
