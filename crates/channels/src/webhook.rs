//! Webhooks as the Standard Webhooks specification defines them: a signing secret
//! (`whsec_` + base64), the `webhook-id`, `webhook-timestamp` and `webhook-signature`
//! (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`) headers, and a delivery that refuses to
//! reach private networks (SSRF) and follows no redirects.
//!
//! The destination's address is resolved once per delivery, checked, and then used for the
//! connection itself (pinned), so a name that resolves to a public address for the check and to
//! `127.0.0.1` a moment later (DNS rebinding) cannot slip through.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// An endpoint's signing secret: 24 to 64 random bytes, written `whsec_<base64>`.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret(Vec<u8>);

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret(..)")
    }
}

impl SigningSecret {
    /// A fresh secret of 32 random bytes.
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A secret a caller supplies, in the form Svix and the spec use.
    pub fn parse(text: &str) -> Result<Self, String> {
        let encoded = text.trim().strip_prefix("whsec_").ok_or("a signing secret starts with whsec_")?;
        let bytes = STANDARD.decode(encoded).map_err(|_| "the part after whsec_ must be base64".to_owned())?;
        if !(24..=64).contains(&bytes.len()) {
            return Err(format!("a signing secret holds 24 to 64 bytes, not {}", bytes.len()));
        }
        Ok(Self(bytes))
    }

    /// The `webhook-signature` value for one message: `v1,<base64 HMAC-SHA256>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC takes a key of any length: new_from_slice cannot fail for it.
        let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(&self.0) else { return String::new() };
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

impl std::fmt::Display for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "whsec_{}", STANDARD.encode(&self.0))
    }
}

/// Why an endpoint's URL may not be called.
pub fn url_problem(url: &str, allow_private: bool) -> Option<String> {
    let Ok(parsed) = url::Url::parse(url) else { return Some("not a URL".into()) };
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Some("the URL must use https".into()),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some("the URL must not carry credentials".into());
    }
    let Some(host) = parsed.host_str() else { return Some("the URL has no host".into()) };
    if url.len() > 2000 {
        return Some("the URL is longer than 2000 characters".into());
    }
    let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>();
    match literal {
        Ok(ip) if !allow_private && !is_public(ip) => Some(format!("{ip} is not a public address")),
        _ if !allow_private && (host == "localhost" || host.ends_with(".localhost") || host.ends_with(".internal")) => {
            Some(format!("{host} is not a public host"))
        }
        _ => None,
    }
}

/// Is this an address on the public internet (not loopback, private, link-local, CGNAT, ...)?
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // 100.64.0.0/10, carrier-grade NAT
                || (a == 198 && (b == 18 || b == 19)) // benchmarking
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped().or_else(|| embedded_ipv4(v6)) {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80) // link-local
        }
    }
}

/// The IPv4 address an IPv6 one reaches through a translator: NAT64 (`64:ff9b::/96`, RFC 6052;
/// and the local-use `64:ff9b:1::/48`, RFC 8215) and 6to4 (`2002::/16`, RFC 3056). Judged as
/// that IPv4 address, so `64:ff9b::7f00:1` is loopback, not a public address.
fn embedded_ipv4(v6: std::net::Ipv6Addr) -> Option<std::net::Ipv4Addr> {
    let s = v6.segments();
    let from = |hi: u16, lo: u16| std::net::Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(from(hi, lo)),
        [0x64, 0xff9b, 1, ..] => Some(from(s[6], s[7])),
        [0x2002, hi, lo, ..] => Some(from(hi, lo)),
        _ => None,
    }
}

/// The address a delivery connects to: the first the name resolved to, provided none of them
/// is private (a name with one public and one private address is refused: it could be either).
pub fn pinned_address(host: &str, addrs: &[SocketAddr], allow_private: bool) -> Result<SocketAddr, DeliveryError> {
    let Some(addr) = addrs.first().copied() else {
        return Err(DeliveryError::Unreachable(format!("{host} has no address")));
    };
    if !allow_private && let Some(private) = addrs.iter().find(|a| !is_public(a.ip())) {
        return Err(DeliveryError::Refused(format!("{host} resolves to {}, not a public address", private.ip())));
    }
    Ok(addr)
}

/// A delivery's outcome as the receiver answered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub latency: Duration,
    /// The start of the response body, for the delivery log.
    pub excerpt: String,
    pub retry_after: Option<Duration>,
}

/// Why a delivery did not reach a receiver's answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The URL (or what its name resolves to) is not allowed: no retry will change that.
    #[error("refused: {0}")]
    Refused(String),
    /// Could not connect, timed out, or the name did not resolve: try again later.
    #[error("{0}")]
    Unreachable(String),
}

/// One delivery: where, signed with which secrets, and how long to wait.
pub struct Outgoing<'a> {
    pub url: &'a str,
    /// Every secret that signs: the current one, and during a rotation's grace the previous
    /// one too (the header then carries both signatures, space-separated).
    pub secrets: &'a [SigningSecret],
    pub message_id: &'a str,
    pub timestamp: i64,
    pub body: &'a [u8],
    pub allow_private: bool,
    pub timeout: Duration,
}

/// POSTs the body with the Standard Webhooks headers, to the address checked and pinned.
pub async fn deliver(out: &Outgoing<'_>) -> Result<Answer, DeliveryError> {
    let Outgoing { url, secrets, message_id, timestamp, body, allow_private, timeout } = *out;
    if let Some(problem) = url_problem(url, allow_private) {
        return Err(DeliveryError::Refused(problem));
    }
    let parsed = url::Url::parse(url).map_err(|e| DeliveryError::Refused(e.to_string()))?;
    let host = parsed.host_str().unwrap_or_default().to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.trim_start_matches('[').trim_end_matches(']'), port))
        .await
        .map_err(|e| DeliveryError::Unreachable(format!("{host} does not resolve: {e}")))?
        .collect();
    let addr = pinned_address(&host, &addrs, allow_private)?;
    // No proxy from the environment: a proxy would resolve the name itself, around the check and
    // the pinned address above.
    let client = reqwest::Client::builder()
        .no_proxy()
        .resolve(&host, addr)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .user_agent(concat!("sala-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| DeliveryError::Unreachable(format!("no HTTP client: {e}")))?;
    let started = Instant::now();
    let response = client
        .post(parsed)
        .header("content-type", "application/json")
        .header("webhook-id", message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            secrets.iter().map(|s| s.sign(message_id, timestamp, body)).collect::<Vec<_>>().join(" "),
        )
        .body(body.to_vec())
        .send()
        .await
        .map_err(|e| DeliveryError::Unreachable(if e.is_timeout() { "timed out".into() } else { format!("{e}") }))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok()?.trim().parse().ok())
        .map(Duration::from_secs);
    let text = crate::bounded::text_bounded(response).await;
    // Control characters become spaces: a receiver's answer cannot forge lines in logs or pages.
    let excerpt = text.chars().take(200).map(|c| if c.is_control() { ' ' } else { c }).collect();
    Ok(Answer { status, latency: started.elapsed(), excerpt, retry_after })
}

/// A receiver's address as jobs and logs show it: its origin only, since paths and queries often
/// carry the receiver's own token (`https://hooks.example.com/…`).
pub fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) if parsed.path() == "/" && parsed.query().is_none() => parsed.origin().ascii_serialization(),
        Ok(parsed) => format!("{}/…", parsed.origin().ascii_serialization()),
        Err(_) => "(an address that does not parse)".to_owned(),
    }
}

#[cfg(test)]
mod shown_url_tests {
    use super::shown_url;

    #[test]
    fn tokens_in_receivers_addresses_stay_out_of_jobs_and_logs() {
        assert_eq!(shown_url("https://hooks.example.com/T0K3N/abc?key=s3cret"), "https://hooks.example.com/…");
        assert_eq!(shown_url("https://crm.example.com:8443/"), "https://crm.example.com:8443");
        assert_eq!(shown_url("not a url"), "(an address that does not parse)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_the_specification_example() {
        // The example of the Standard Webhooks specification (and Svix's libraries).
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap_or_else(|e| panic!("{e}"));
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_are_24_to_64_bytes_of_base64_after_whsec() {
        assert!(SigningSecret::parse(&SigningSecret::generate().to_string()).is_ok());
        assert!(SigningSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err(), "no prefix");
        assert!(SigningSecret::parse("whsec_c2hvcnQ=").is_err(), "too short");
        assert!(SigningSecret::parse("whsec_not base64!").is_err());
    }

    #[test]
    fn a_name_that_resolves_to_a_private_address_is_refused_at_delivery() {
        let addr = |s: &str| s.parse::<SocketAddr>().unwrap_or_else(|e| panic!("{e}"));
        let public = addr("93.184.216.34:443");
        assert_eq!(pinned_address("crm.example.com", &[public], false), Ok(public));
        // A rebinding name: one public answer and one pointing inside.
        let rebinding = [public, addr("127.0.0.1:443")];
        assert!(
            matches!(pinned_address("evil.example", &rebinding, false), Err(DeliveryError::Refused(r)) if r.contains("127.0.0.1"))
        );
        let metadata = [addr("169.254.169.254:80")];
        assert!(matches!(pinned_address("meta.example", &metadata, false), Err(DeliveryError::Refused(_))));
        assert!(matches!(pinned_address("gone.example", &[], false), Err(DeliveryError::Unreachable(_))));
        assert_eq!(pinned_address("dev.local", &rebinding, true), Ok(public), "allowed in dev");
    }

    #[test]
    fn private_and_odd_destinations_are_refused() {
        for url in [
            "http://example.com/hook",
            "https://127.0.0.1/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.7/x",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://[::ffff:192.168.1.1]/x",
            // Through NAT64 and 6to4 translators, to loopback, the metadata service, a private net.
            "https://[64:ff9b::7f00:1]/x",
            "https://[64:ff9b::a9fe:a9fe]/x",
            "https://[64:ff9b:1::c0a8:101]/x",
            "https://[2002:a00:7::1]/x",
            "https://100.64.0.1/x",
            "https://localhost/x",
            "https://user:pass@example.com/x",
            "ftp://example.com/x",
            "not a url",
        ] {
            assert!(url_problem(url, false).is_some(), "{url} should be refused");
        }
        assert_eq!(url_problem("https://crm.example.com/sala/hooks?x=1", false), None);
        assert_eq!(url_problem("https://[64:ff9b::808:808]/x", false), None, "NAT64 to a public address");
        assert_eq!(url_problem("https://[2002:808:808::1]/x", false), None, "6to4 of a public address");
        assert_eq!(url_problem("http://127.0.0.1:9999/hook", true), None, "allowed in dev");
    }
}
