//! Whose tokens a provider's ID tokens must be: one issuer exactly, or (Microsoft's multi-tenant
//! authorities) the issuer template with each token's own tenant put in.

use super::failure::Failure;

/// Where Microsoft's issuer template takes the tenant id.
const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// How a verified ID token's `iss` is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum IssuerCheck {
    /// `iss` equals the discovered issuer (openidconnect checks it while verifying).
    Exact,
    /// `iss` equals this template with the token's `tid` in place of `{tenantid}`, and `tid` is a
    /// GUID: any directory may sign in, but only for itself.
    PerTenant(String),
}

impl IssuerCheck {
    /// The check for a discovery document fetched from `configured` that names `discovered` as
    /// its issuer. A differing issuer is refused (OpenID Connect Discovery 1.0, section 4.3),
    /// except Microsoft's template when the provider may publish one.
    pub(super) fn for_discovery(configured: &str, discovered: &str, templates: bool) -> Result<Self, Failure> {
        if discovered == configured {
            return Ok(Self::Exact);
        }
        if templates && discovered.contains(TENANT_PLACEHOLDER) {
            return Ok(Self::PerTenant(discovered.to_owned()));
        }
        Err(Failure::Unreachable(format!(
            "the discovery document names the issuer {discovered:?}, not the configured {configured:?}"
        )))
    }

    /// Does openidconnect compare `iss` with the discovered issuer itself?
    pub(super) fn exact(&self) -> bool {
        *self == Self::Exact
    }

    /// The per-tenant check of a token's `iss` against its `tid` (already signature-verified).
    pub(super) fn check(&self, iss: &str, tid: Option<&str>) -> Result<(), Failure> {
        let Self::PerTenant(template) = self else {
            return Ok(());
        };
        let tid = tid.filter(|t| is_guid(t)).ok_or_else(|| invalid("the ID token has no tenant id (tid)"))?;
        if iss != template.replace(TENANT_PLACEHOLDER, tid) {
            return Err(invalid("the ID token's issuer is not its own tenant's"));
        }
        Ok(())
    }
}

/// A GUID as Microsoft writes them in tokens: hyphenated, lowercase.
pub(super) fn is_guid(raw: &str) -> bool {
    uuid::Uuid::parse_str(raw).is_ok_and(|id| id.hyphenated().to_string() == raw)
}

fn invalid(why: &str) -> Failure {
    Failure::InvalidToken(format!("ID token rejected: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
    const TID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

    #[test]
    fn only_a_provider_that_may_publish_a_template_gets_one() {
        let organizations = "https://login.microsoftonline.com/organizations/v2.0";
        assert_eq!(IssuerCheck::for_discovery(organizations, organizations, true).ok(), Some(IssuerCheck::Exact));
        assert_eq!(
            IssuerCheck::for_discovery(organizations, TEMPLATE, true).ok(),
            Some(IssuerCheck::PerTenant(TEMPLATE.to_owned()))
        );
        assert!(IssuerCheck::for_discovery("https://accounts.google.com", TEMPLATE, false).is_err());
        assert!(IssuerCheck::for_discovery(organizations, "https://evil.test/v2.0", true).is_err());
    }

    #[test]
    fn a_token_must_be_issued_by_its_own_tenant() {
        let check = IssuerCheck::PerTenant(TEMPLATE.to_owned());
        let own = format!("https://login.microsoftonline.com/{TID}/v2.0");
        assert!(check.check(&own, Some(TID)).is_ok());
        let other = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";
        assert!(check.check(other, Some(TID)).is_err());
        assert!(check.check(&own, None).is_err());
        assert!(check.check(&own, Some("not-a-guid")).is_err());
        assert!(check.check(&own, Some(&TID.to_uppercase())).is_err());
        assert!(IssuerCheck::Exact.check("anything", None).is_ok());
    }
}
