//! `sala doctor`: checks what Sala needs, the settings and the outside world (the database, SMTP,
//! WhatsApp, Google, Microsoft), and prints what to fix. It changes nothing: no migration, no
//! file created, no message sent.

use crate::config::{Settings, redact_url};
use sala_channels::email::SmtpMailer;
use std::time::Duration;

/// How long a service has to answer.
const TIMEOUT: Duration = Duration::from_secs(5);

/// One check's outcome.
enum Outcome {
    Ok(String),
    /// Worth knowing, not wrong.
    Note(String),
    /// Wrong: what to do about it.
    Fix(String),
}

#[derive(Default)]
struct Report {
    lines: Vec<(&'static str, Outcome)>,
}

impl Report {
    fn add(&mut self, what: &'static str, outcome: Outcome) {
        let (mark, text) = match &outcome {
            Outcome::Ok(text) => ("ok  ", text),
            Outcome::Note(text) => ("note", text),
            Outcome::Fix(text) => ("FIX ", text),
        };
        println!("  {mark}  {what:<10} {text}");
        self.lines.push((what, outcome));
    }

    fn fixes(&self) -> usize {
        self.lines.iter().filter(|(_, o)| matches!(o, Outcome::Fix(_))).count()
    }
}

/// Runs every check, printing one line each; an error when something needs fixing.
pub async fn doctor(settings: &Settings) -> anyhow::Result<()> {
    println!("sala doctor: checking the settings and what Sala talks to");
    // Sala's own outbound client (its TLS stack, no redirects followed), as the jobs use it.
    let http = crate::config::outbound_client()?;
    let mut report = Report::default();
    check_settings(settings, &mut report);
    report.add("database", database(&settings.database_url()).await);
    report.add("smtp", smtp(settings).await);
    let whatsapp_on = settings.whatsapp_phone_number_id.is_some() && settings.whatsapp_token.is_some();
    if whatsapp_on {
        report.add("whatsapp", reachable(&http, &settings.whatsapp_api_base, "SALA_WHATSAPP_API_BASE").await);
    }
    if settings.google_client_id.is_some() {
        report.add("google", reachable(&http, &settings.google_api_base, "SALA_GOOGLE_API_BASE").await);
    }
    if settings.microsoft_client_id.is_some() {
        report.add("microsoft", reachable(&http, &settings.microsoft_graph_base, "SALA_MICROSOFT_GRAPH_BASE").await);
    }
    match report.fixes() {
        0 => {
            println!("everything Sala needs is in place");
            Ok(())
        }
        n => anyhow::bail!("{n} {} to fix (the lines marked FIX)", if n == 1 { "thing" } else { "things" }),
    }
}

fn check_settings(settings: &Settings, report: &mut Report) {
    report.add("base url", base_url(settings));
    report.add(
        "secret key",
        match &settings.secret_key {
            Some(_) => Outcome::Ok("SALA_SECRET_KEY is set".to_owned()),
            None if settings.data_dir.join("secret.key").exists() => {
                Outcome::Ok(format!("{} (keep it with your backups)", settings.data_dir.join("secret.key").display()))
            }
            None => Outcome::Note(format!(
                "none yet: the first start writes {}; keep it with your backups (it opens the stored secrets)",
                settings.data_dir.join("secret.key").display()
            )),
        },
    );
    if settings.google_client_id.is_some() != settings.google_client_secret.is_some() {
        report.add(
            "google",
            Outcome::Fix("set both SALA_GOOGLE_CLIENT_ID and SALA_GOOGLE_CLIENT_SECRET, or neither".into()),
        );
    }
    if settings.microsoft_client_id.is_some() != settings.microsoft_client_secret.is_some() {
        report.add(
            "microsoft",
            Outcome::Fix("set both SALA_MICROSOFT_CLIENT_ID and SALA_MICROSOFT_CLIENT_SECRET, or neither".into()),
        );
    }
    if settings.whatsapp_phone_number_id.is_some() != settings.whatsapp_token.is_some() {
        report.add(
            "whatsapp",
            Outcome::Fix("set both SALA_WHATSAPP_PHONE_NUMBER_ID and SALA_WHATSAPP_TOKEN, or neither".into()),
        );
    }
}

fn base_url(settings: &Settings) -> Outcome {
    match url::Url::parse(&settings.base_url) {
        Err(err) => Outcome::Fix(format!("SALA_BASE_URL {:?} is not a URL ({err})", settings.base_url)),
        Ok(url) if url.scheme() == "https" => Outcome::Ok(settings.base_url.clone()),
        Ok(_) if settings.dev => Outcome::Note(format!("{} (dev mode; people need https)", settings.base_url)),
        Ok(_) => Outcome::Fix(format!(
            "SALA_BASE_URL is {}: set the https:// address people use (sign-in cookies are only secure over https)",
            settings.base_url
        )),
    }
}

async fn database(url: &str) -> Outcome {
    if let Some(path) = sqlite_path(url).filter(|p| !std::path::Path::new(p).exists()) {
        return Outcome::Fix(format!(
            "no database at {path} yet: `sala migrate` (or the first `sala serve`) creates it"
        ));
    }
    match sala_store::schema_status(url).await {
        Err(err) => Outcome::Fix(format!("cannot open {}: {err}", redact_url(url))),
        Ok(s) if s.applied == s.known => Outcome::Ok(format!("{}, schema up to date ({})", redact_url(url), s.known)),
        Ok(s) if s.applied < s.known => Outcome::Fix(format!(
            "{}: schema at migration {} of {}; run `sala migrate` (or start the server, which migrates)",
            redact_url(url),
            s.applied,
            s.known
        )),
        Ok(s) => Outcome::Fix(format!(
            "{}: schema at migration {}, newer than this build's {}; run the newer Sala",
            redact_url(url),
            s.applied,
            s.known
        )),
    }
}

/// The file of a `sqlite:` URL (`sqlite:path`, `sqlite://path`, with or without `?options`).
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    rest.split('?').next().filter(|p| !p.is_empty() && *p != ":memory:")
}

async fn smtp(settings: &Settings) -> Outcome {
    let Some(url) = &settings.smtp_url else {
        return if settings.dev {
            Outcome::Note("no SALA_SMTP_URL: emails go to the dev outbox only".into())
        } else {
            Outcome::Fix("no SALA_SMTP_URL: nobody gets an email; set it (smtp://user:pass@host:587)".into())
        };
    };
    let mailer = match SmtpMailer::from_url(url.expose()) {
        Ok(mailer) => mailer,
        Err(err) => return Outcome::Fix(format!("SALA_SMTP_URL: {err}")),
    };
    match tokio::time::timeout(TIMEOUT * 2, mailer.check()).await {
        Ok(Ok(())) => Outcome::Ok(format!("{} answers", redact_url(url.expose()))),
        Ok(Err(err)) => {
            Outcome::Fix(format!("{}: {err}; check the host, port, TLS and login", redact_url(url.expose())))
        }
        Err(_) => Outcome::Fix(format!("{}: no answer within {:?}", redact_url(url.expose()), TIMEOUT * 2)),
    }
}

/// Any HTTP answer means the service is reachable (an answer without credentials is a 4xx).
async fn reachable(http: &reqwest::Client, base: &str, setting: &str) -> Outcome {
    match http.get(base).timeout(TIMEOUT).send().await {
        Ok(response) => Outcome::Ok(format!("{base} answers (HTTP {})", response.status().as_u16())),
        Err(err) => Outcome::Fix(format!("cannot reach {base} ({err}); check {setting}, DNS and the firewall")),
    }
}

#[cfg(test)]
mod tests {
    use super::sqlite_path;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(sqlite_path("sqlite:data/sala.db"), Some("data/sala.db"));
        assert_eq!(sqlite_path("sqlite:///var/lib/sala.db?mode=rwc"), Some("/var/lib/sala.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://db/sala"), None);
    }
}
