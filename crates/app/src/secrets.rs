//! Secrets kept at rest (a tenant's WhatsApp token, later Google refresh tokens): sealed with
//! AES-256-GCM under a key derived from the server's secret key, so a copy of the database alone
//! does not reveal them.
//!
//! A sealed value is `v1.` + base64url(nonce ‖ ciphertext ‖ tag), with a fresh random 96-bit nonce
//! each time. The caller names what the secret belongs to (e.g. `whatsapp_token:<tenant id>`) as
//! associated data: a sealed value copied to another tenant's row, or another purpose, does not
//! open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

const VERSION: &str = "v1.";
const NONCE_LEN: usize = 12;

/// Seals and opens secrets with the installation's key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

/// A sealed value that does not open: another key, another owner, or altered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the stored secret cannot be opened: was SALA_SECRET_KEY changed, or the value altered?")]
pub struct SealError;

impl SecretBox {
    /// The box for the server's 32-byte secret key. The encryption key is derived from it for this
    /// one purpose, so the same secret key can also sign sessions without the two uses meeting.
    pub fn new(server_key: &[u8; 32]) -> Self {
        let key = Sha256::new().chain_update(b"sala secret box v1\0").chain_update(server_key).finalize();
        Self { cipher: Aes256Gcm::new(&key) }
    }

    /// `secret` sealed for `owner`.
    pub fn seal(&self, owner: &str, secret: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload { msg: secret.as_bytes(), aad: owner.as_bytes() };
        // Encrypting into a Vec fails only for messages of many gigabytes.
        let sealed = self.cipher.encrypt(Nonce::from_slice(&nonce), payload).unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        format!("{VERSION}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The secret `sealed` holds, if it was sealed by this key for `owner` and is intact.
    pub fn open(&self, owner: &str, sealed: &str) -> Result<String, SealError> {
        let bytes = sealed.strip_prefix(VERSION).and_then(|b| URL_SAFE_NO_PAD.decode(b).ok()).ok_or(SealError)?;
        if bytes.len() <= NONCE_LEN {
            return Err(SealError);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: owner.as_bytes() })
            .map_err(|_| SealError)?;
        String::from_utf8(plain).map_err(|_| SealError)
    }
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "EAAG-very-secret-token";

    #[test]
    fn a_sealed_secret_opens_only_for_its_key_and_owner() {
        let sealer = SecretBox::new(&[7; 32]);
        let sealed = sealer.seal("whatsapp_token:a", TOKEN);
        assert!(sealed.starts_with("v1.") && !sealed.contains(TOKEN));
        assert_eq!(sealer.open("whatsapp_token:a", &sealed), Ok(TOKEN.to_owned()));
        assert_ne!(sealer.seal("whatsapp_token:a", TOKEN), sealed, "a fresh nonce every time");
        assert_eq!(sealer.open("whatsapp_token:b", &sealed), Err(SealError), "another owner");
        assert_eq!(SecretBox::new(&[8; 32]).open("whatsapp_token:a", &sealed), Err(SealError), "another key");
    }

    #[test]
    fn altered_or_malformed_values_do_not_open() {
        let sealer = SecretBox::new(&[7; 32]);
        let sealed = sealer.seal("o", TOKEN);
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed[3..]).unwrap_or_default();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let altered = format!("v1.{}", URL_SAFE_NO_PAD.encode(bytes));
        for bad in [altered.as_str(), "", "v1.", "v1.AAAA", "v2.abc", &sealed[3..], "v1.!!!"] {
            assert_eq!(sealer.open("o", bad), Err(SealError), "{bad:?}");
        }
    }
}
