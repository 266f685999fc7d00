//! Email: the SMTP server and the sender.

use super::Settings;
use anyhow::Context as _;
use sala_channels::email::{Address, Mailbox, Mailer, SmtpMailer};
use std::sync::Arc;

impl Settings {
    /// Is email configured?
    pub fn smtp_enabled(&self) -> bool {
        self.smtp_url.as_ref().is_some_and(|u| !u.expose().is_empty())
    }

    /// The mailer for `SALA_SMTP_URL`; `None` when email is not configured. Call inside the
    /// runtime: the SMTP pool starts a task.
    pub fn mailer(&self) -> anyhow::Result<Option<Arc<dyn Mailer>>> {
        match self.smtp_url.as_ref().filter(|_| self.smtp_enabled()) {
            Some(url) => {
                let mailer = SmtpMailer::from_url(url.expose()).context("SALA_SMTP_URL")?;
                Ok(Some(Arc::new(mailer) as Arc<dyn Mailer>))
            }
            None => Ok(None),
        }
    }

    /// `From:` of every email: `SALA_MAIL_FROM`, else `Sala <sala@<base host>>`.
    pub fn mail_from(&self) -> anyhow::Result<Mailbox> {
        match &self.mail_from {
            Some(from) => from.parse::<Mailbox>().with_context(|| format!("SALA_MAIL_FROM {from:?} is not an address")),
            None => match format!("Sala <sala@{}>", self.host()).parse::<Mailbox>() {
                Ok(from) => Ok(from),
                // An IP address as host makes no mail domain.
                Err(_) => Ok(Mailbox::new(Some("Sala".into()), Address::new("sala", "localhost")?)),
            },
        }
    }
}
