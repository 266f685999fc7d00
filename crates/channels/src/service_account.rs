//! A Google service account's key: the organization's own credential, with which Sala acts as
//! its people (Workspace domain-wide delegation) through the RFC 7523 JWT bearer grant.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

/// A service account's key, from the JSON key file Google hands out (what the grant needs of it).
/// With domain-wide delegation in Google Workspace, it may act as any person of the domain.
#[derive(Clone, Deserialize)]
pub struct ServiceAccountKey {
    pub client_email: String,
    /// PEM, PKCS#8 (as Google writes it) or PKCS#1.
    pub private_key: String,
    #[serde(default)]
    pub private_key_id: Option<String>,
}

impl std::fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccountKey").field("client_email", &self.client_email).finish_non_exhaustive()
    }
}

impl ServiceAccountKey {
    /// Reads a key file: `type` must be `service_account`, with an email and an RSA key.
    pub fn parse(json: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(json).map_err(|e| format!("not a JSON key file: {e}"))?;
        if value["type"] != "service_account" {
            return Err("the key file's type is not service_account".into());
        }
        let key: Self = serde_json::from_value(value).map_err(|e| format!("the key file lacks {e}"))?;
        if !key.client_email.contains('@') {
            return Err("the key file's client_email is not an address".into());
        }
        key.signing_key()?;
        Ok(key)
    }

    fn signing_key(&self) -> Result<rsa::pkcs1v15::SigningKey<sha2::Sha256>, String> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::pkcs8::DecodePrivateKey;
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(&self.private_key)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(&self.private_key))
            .map_err(|_| "the private key is not an RSA key in PEM".to_owned())?;
        Ok(rsa::pkcs1v15::SigningKey::new(key))
    }

    /// The signed JWT of the JWT bearer grant (RFC 7523), as Google's server-to-server OAuth
    /// documents it: issued by the account, for `subject`, with `scope`, to the token endpoint.
    pub fn assertion(&self, subject: &str, scope: &str, token_url: &str, now: Timestamp) -> Result<String, String> {
        use base64::Engine;
        use rsa::signature::{SignatureEncoding, Signer};
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let mut header = serde_json::json!({"alg": "RS256", "typ": "JWT"});
        if let Some(kid) = &self.private_key_id {
            header["kid"] = serde_json::json!(kid);
        }
        let iat = now.as_second();
        let claims = serde_json::json!({"iss": self.client_email, "sub": subject, "scope": scope,
                                        "aud": token_url, "iat": iat, "exp": iat + 3600});
        let signing_input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let signature = self.signing_key()?.sign(signing_input.as_bytes()).to_vec();
        Ok(format!("{signing_input}.{}", b64(&signature)))
    }
}
