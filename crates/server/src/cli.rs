//! The command line: `sala serve`, `sala migrate`, `sala backup` and `sala restore`, and the
//! operator's `tenant`, `user`, `room` and `api-key` commands. Every command reads the same
//! settings as the server.

use crate::app::{App, shutdown_signal};
use crate::config::{LogFormat, Settings, redact_url};
use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use sala_app::Context;
use sala_domain::{BookableHours, Locale, Role, RoomKind};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "sala",
    version,
    about = "Sala: meeting-room booking for companies.",
    long_about = "Sala: meeting-room booking for companies.\n\n\
        Settings come from SALA_* environment variables and an optional TOML file (--config); \
        the README lists every one. With no settings at all, `sala serve --dev` runs on SQLite \
        under ./sala-data with a demo organization and a dev login at http://127.0.0.1:8080."
)]
struct Cli {
    /// A TOML file with settings (keys as the SALA_* variables, lower-case, without the prefix).
    #[arg(long, global = true, env = "SALA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (pages and API) and, unless SALA_JOBS=false, the job runner that sends
    /// notifications and reminders.
    Serve(ServeArgs),
    /// Run only the job runner (notifications, reminders), for a process of its own. Several may
    /// run against one PostgreSQL: each job is claimed by one of them at a time.
    Worker,
    /// See and replay background jobs (the dead ones are those that failed for good).
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Apply database migrations and exit (serve also applies them at start).
    Migrate,
    /// Copy the SQLite database to a file while the server keeps running.
    ///
    /// The copy is one consistent moment of the database (SQLite's VACUUM INTO), checked with
    /// PRAGMA integrity_check before it takes the name you give. Keep the secret key with it.
    /// On PostgreSQL this refuses and names the pg_dump command to use instead.
    Backup {
        /// The backup file to write, e.g. /backups/sala-2026-12-05.db.
        path: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Replace the SQLite database with a backup made by `sala backup`. Stop the server first.
    ///
    /// The backup is checked first (it opens, PRAGMA integrity_check is ok, it is Sala's); the
    /// current database is kept aside as <database>.before-restore-<time>, and an older backup
    /// is migrated. On PostgreSQL this refuses and names the pg_restore command to use instead.
    Restore {
        /// The backup file to restore.
        path: PathBuf,
    },
    /// Check the settings, the database, SMTP, WhatsApp, Google and Microsoft, and print what to fix.
    ///
    /// Changes nothing: no migration, no file created, no message sent. Exits with 1 when
    /// something needs fixing, so a deployment script can stop there.
    Doctor,
    /// Manage organizations (tenants).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage people of an organization.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage rooms of an organization.
    #[command(subcommand)]
    Room(RoomCommand),
    /// Manage API keys for other systems (CRM, attendance).
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Measure the job runner: notifications and a burst of reminders delivered to a fake SMTP
    /// server and a fake WhatsApp API started in this process on 127.0.0.1.
    ///
    /// Creates a throw-away tenant in the configured database (SALA_DATABASE_URL) and prints jobs
    /// and messages per second for each run.
    #[cfg(feature = "bench")]
    #[command(name = "bench-jobs")]
    BenchJobs {
        /// Bookings whose notifications are delivered (2 emails + 1 WhatsApp message each).
        #[arg(long, default_value_t = 2000)]
        notifications: usize,
        /// Reminders due at once (1 WhatsApp message each).
        #[arg(long, default_value_t = 10000)]
        reminders: usize,
        /// Rooms the bookings spread over.
        #[arg(long, default_value_t = 50)]
        rooms: usize,
        /// Jobs running at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Jobs claimed per round.
        #[arg(long, default_value_t = 64)]
        batch: u32,
    },
    /// Measure a room's ICS feed with a year of bookings, against reading the same bookings from
    /// the store alone (the ceiling).
    ///
    /// Creates a throw-away tenant with one room in the configured database (SALA_DATABASE_URL)
    /// and prints the median time of each and their ratio.
    #[cfg(feature = "bench")]
    #[command(name = "bench-feeds")]
    BenchFeeds {
        /// Days of bookings in the room.
        #[arg(long, default_value_t = 365)]
        days: usize,
        /// One-hour meetings a day.
        #[arg(long, default_value_t = 8)]
        per_day: usize,
        /// Times each measurement is repeated (the median is printed).
        #[arg(long, default_value_t = 9)]
        rounds: usize,
    },
    /// Measure two-way calendar sync: the work per change pushed from Google Calendar (or
    /// Outlook, with `--provider microsoft`), against a full read of the calendar.
    ///
    /// Starts a fake Google Calendar (or Microsoft Graph) on 127.0.0.1, creates a throw-away tenant whose organizer has
    /// `events` meetings in their calendar (in the configured database, SALA_DATABASE_URL), and
    /// prints the median time and API calls of a full read, of one pushed change (read and the
    /// booking moved), and of Sala's write back with its echo.
    #[cfg(feature = "bench")]
    #[command(name = "bench-sync")]
    BenchSync {
        /// Meetings in the organizer's calendar.
        #[arg(long, default_value_t = 500)]
        events: usize,
        /// Times each measurement is repeated (the median is printed).
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// Whose calendar: `google` or `microsoft`.
        #[arg(long, default_value = "google", value_parser = ["google", "microsoft"])]
        provider: String,
    },
    /// Measure reports over years of history: utilization by room, location, weekday x hour and
    /// day, and the per-room-per-day CSV, through the HTTP API.
    ///
    /// Creates a throw-away tenant with `rooms` rooms in the configured database
    /// (SALA_DATABASE_URL), writes `days` days of bookings up to yesterday (about 1.5 million with
    /// the defaults: it takes minutes, with progress), builds the report rollups, and prints p50
    /// and p95 of each report beside the database's ceiling and the time before rollups.
    #[cfg(feature = "bench")]
    #[command(name = "bench-reports")]
    BenchReports {
        #[arg(long, default_value_t = 200)]
        rooms: usize,
        /// Days of history, ending yesterday.
        #[arg(long, default_value_t = 730)]
        days: usize,
        /// Meetings a room has on a working day, at most.
        #[arg(long, default_value_t = 14)]
        per_room_day: usize,
        /// People who organize and attend them.
        #[arg(long, default_value_t = 2000)]
        people: usize,
        /// Requests per measurement.
        #[arg(long, default_value_t = 40)]
        rounds: usize,
    },
    /// Measure a mixed workload against a realistic organization: 70% reads (a room's day view,
    /// the rooms' availability for a day), 20% creates (some conflicting), 10% edits and cancels.
    ///
    /// Creates a throw-away tenant with `rooms` rooms and `people` people in the configured
    /// database (SALA_DATABASE_URL), writes `days` days of bookings up to yesterday, measures the
    /// store's single-insert ceiling, then runs the mix through a server on 127.0.0.1 in this
    /// process with the bench's API key (its rate limit raised), and prints throughput and
    /// p50/p95/p99 per operation, errors by status and code, and the peak memory.
    #[cfg(feature = "bench")]
    #[command(name = "bench-mixed")]
    BenchMixed {
        #[command(flatten)]
        organization: BenchOrganization,
        /// How long the mix runs.
        #[arg(long, default_value_t = 30)]
        duration_seconds: u64,
        /// Stop after this many requests instead of at the duration.
        #[arg(long)]
        requests: Option<usize>,
        /// Concurrent clients.
        #[arg(long, default_value_t = 32)]
        clients: usize,
        /// Bookings written straight to the store for the ceiling.
        #[arg(long, default_value_t = 2000)]
        ceiling: usize,
    },
    /// Measure the rooms' availability for one day (every room of the organization) on a history
    /// of bookings, at each client count, with the resident memory; and the start time.
    ///
    /// Creates a throw-away tenant in the configured database (SALA_DATABASE_URL), writes the
    /// history, then opens the database again and starts a server on 127.0.0.1 in this process
    /// (timed until the first /readyz answers), and prints answers/s, p50/p95/p99, VmRSS and
    /// VmHWM beside issue 21's goals.
    #[cfg(feature = "bench")]
    #[command(name = "bench-availability")]
    BenchAvailability {
        #[command(flatten)]
        organization: BenchOrganization,
        /// How long each run lasts.
        #[arg(long, default_value_t = 10)]
        duration_seconds: u64,
        /// Concurrent clients of each run.
        #[arg(long, value_delimiter = ',', default_values_t = [8, 32])]
        clients: Vec<usize>,
    },
    /// Measure booking creation: through the HTTP API, and straight into the store (the ceiling).
    ///
    /// Creates a throw-away tenant in the configured database (SALA_DATABASE_URL), starts a server
    /// on 127.0.0.1 in this process, and prints throughput and p50/p90/p99 latency.
    #[cfg(feature = "bench")]
    Bench {
        /// Bookings to create in each of the two runs.
        #[arg(long, default_value_t = 5000)]
        bookings: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 32)]
        clients: usize,
        /// Rooms the bookings spread over.
        #[arg(long, default_value_t = 50)]
        rooms: usize,
    },
}

/// The organization the mixed and availability benchmarks run against.
#[cfg(feature = "bench")]
#[derive(Args)]
struct BenchOrganization {
    #[arg(long, default_value_t = 200)]
    rooms: usize,
    /// Days of history, ending yesterday.
    #[arg(long, default_value_t = 365)]
    days: usize,
    /// Meetings a room has on a working day, at most.
    #[arg(long, default_value_t = 8)]
    per_room_day: usize,
    /// People who organize and attend them.
    #[arg(long, default_value_t = 2000)]
    people: usize,
}

#[cfg(feature = "bench")]
impl BenchOrganization {
    fn history(&self) -> crate::bench::history::HistoryPlan {
        crate::bench::history::HistoryPlan {
            days: self.days,
            per_room_day: self.per_room_day,
            people: self.people.max(1),
        }
    }
}

#[derive(Args)]
struct ServeArgs {
    /// Dev mode: dev login, a demo organization (Acme, acme.test), messages to the dev outbox.
    #[arg(long)]
    dev: bool,
    /// Address to listen on (overrides SALA_LISTEN).
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create an organization.
    Create {
        #[arg(long)]
        name: String,
        /// An email domain whose people sign in here; repeat for several.
        #[arg(long = "domain", required = true)]
        domains: Vec<String>,
        /// Short name for URLs; derived from the name when absent.
        #[arg(long)]
        slug: Option<String>,
        /// IANA time zone [default: Europe/Madrid].
        #[arg(long)]
        time_zone: Option<String>,
        /// es or en [default: es].
        #[arg(long, value_parser = locale)]
        locale: Option<Locale>,
    },
    /// List organizations.
    List,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a person to an organization.
    Create {
        /// The organization's slug or id.
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin or member.
        #[arg(long, default_value = "member", value_parser = role)]
        role: Role,
        /// Phone in international format, for WhatsApp.
        #[arg(long)]
        phone: Option<String>,
        /// The person agreed to WhatsApp messages (needs --phone).
        #[arg(long)]
        whatsapp: bool,
        /// es or en; absent: the organization's language.
        #[arg(long, value_parser = locale)]
        locale: Option<Locale>,
    },
}

#[derive(Subcommand)]
enum RoomCommand {
    /// Add a room.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        capacity: i64,
        /// Building and floor, e.g. "Planta 2".
        #[arg(long)]
        location: Option<String>,
        /// Comma-separated tags, e.g. projector,whiteboard.
        #[arg(long, value_delimiter = ',')]
        equipment: Vec<String>,
        /// A virtual room: several meetings at once, each with a video link.
        #[arg(long = "virtual")]
        is_virtual: bool,
        /// A virtual room's limit of meetings at once (absent: no limit).
        #[arg(long, requires = "is_virtual")]
        max_meetings: Option<i64>,
        /// A virtual room's standing https video link (absent: a Google Meet link per meeting).
        #[arg(long, requires = "is_virtual")]
        video_link: Option<String>,
        /// The room's Google resource calendar email.
        #[arg(long)]
        google_calendar: Option<String>,
        /// When it may be booked, e.g. "mon-fri 08:00-20:00" (absent: any time).
        #[arg(long)]
        hours: Option<String>,
    },
    /// List rooms.
    List {
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// List an organization's jobs, newest first.
    List {
        #[arg(long)]
        tenant: String,
        /// Only jobs in this state: pending, running, done or dead.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Make a dead job due again now; it sends only what was not delivered before.
    Replay {
        #[arg(long)]
        tenant: String,
        /// The job's id (from `sala jobs list`).
        id: String,
    },
}

#[derive(Subcommand)]
enum ApiKeyCommand {
    /// Create a key; it is printed once and only its hash is stored.
    Create {
        #[arg(long)]
        tenant: String,
        /// What the key is for, e.g. "CRM".
        #[arg(long)]
        name: String,
        /// What it may do: any of read, write, webhooks, comma-separated (default: all).
        #[arg(long)]
        scopes: Option<String>,
    },
    /// List keys (never the secrets).
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Revoke a key: it stops working at once.
    Revoke {
        #[arg(long)]
        tenant: String,
        /// The key's id (from `api-key list`).
        id: String,
    },
}

/// Parses arguments, loads settings, runs the command; errors are printed for people.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::from(2);
        }
    };
    if let Command::Serve(args) = &cli.command {
        settings.dev |= args.dev;
        settings.listen = args.listen.unwrap_or(settings.listen);
    }
    let settings = match settings.finish() {
        Ok(s) => s,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::from(2);
        }
    };
    init_tracing(settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SALA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    // These work on the database file: they must not open (and migrate) it as a store first.
    match &command {
        Command::Backup { path, force } => {
            return crate::ops::backup::backup(&settings.database_url(), path, *force).await;
        }
        Command::Restore { path } => return crate::ops::restore::restore(&settings.database_url(), path).await,
        Command::Doctor => return crate::ops::doctor::doctor(&settings).await,
        _ => {}
    }
    if settings.database_url.is_none() {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("cannot create data folder {}", settings.data_dir.display()))?;
    }
    let store = sala_store::connect(&settings.database_url())
        .await
        .with_context(|| "cannot open the database (SALA_DATABASE_URL)".to_owned())?;
    let s = store.as_ref();
    match command {
        Command::Serve(_) => serve(store, settings).await,
        Command::Worker => worker(store, settings).await,
        Command::Jobs(JobsCommand::List { tenant, status, limit }) => {
            let ctx = tenant_context(s, &tenant).await?;
            let status = status
                .map(|raw| {
                    sala_domain::JobStatus::parse(&raw)
                        .ok_or_else(|| anyhow::anyhow!("--status: '{raw}' is not one of pending, running, done, dead"))
                })
                .transpose()?;
            for j in sala_app::jobs::admin::list_jobs(s, &ctx, status, None, limit).await.map_err(explain)?.items {
                let booking = j.booking_id.map(|b| b.to_string()).unwrap_or_else(|| "-".to_owned());
                let error = j.last_error.unwrap_or_default();
                println!(
                    "{}\t{}\t{}\tattempts={}\tbooking={booking}\t{error}",
                    j.id,
                    j.kind.as_str(),
                    j.status.as_str(),
                    j.attempts
                );
            }
            Ok(())
        }
        Command::Jobs(JobsCommand::Replay { tenant, id }) => {
            let ctx = tenant_context(s, &tenant).await?;
            let id = id.parse().map_err(|_| anyhow::anyhow!("'{id}' is not a job id (see `sala jobs list`)"))?;
            sala_app::jobs::admin::replay_job(s, &ctx, id).await.map_err(explain)?;
            println!("job {id} is due again");
            Ok(())
        }
        #[cfg(feature = "bench")]
        Command::Bench { bookings, clients, rooms } => {
            crate::bench::bookings(settings, store.clone(), crate::bench::BenchPlan { bookings, clients, rooms }).await
        }
        #[cfg(feature = "bench")]
        Command::BenchReports { rooms, days, per_room_day, people, rounds } => {
            let history = crate::bench::history::HistoryPlan { days, per_room_day, people: people.max(1) };
            crate::bench::reports(settings, store.clone(), crate::bench::ReportsBenchPlan { rooms, history, rounds })
                .await
        }
        #[cfg(feature = "bench")]
        Command::BenchFeeds { days, per_day, rounds } => {
            crate::bench::feeds(settings, store.clone(), crate::bench::FeedsBenchPlan { days, per_day, rounds }).await
        }
        #[cfg(feature = "bench")]
        Command::BenchSync { events, rounds, provider } => {
            let microsoft = provider == "microsoft";
            crate::bench::sync(settings, store.clone(), crate::bench::SyncBenchPlan { events, rounds, microsoft }).await
        }
        #[cfg(feature = "bench")]
        Command::BenchMixed { organization, duration_seconds, requests, clients, ceiling } => {
            let limit = crate::bench::Limit {
                total: requests.unwrap_or(usize::MAX),
                duration: requests.is_none().then(|| std::time::Duration::from_secs(duration_seconds)),
            };
            let history = organization.history();
            let plan = crate::bench::MixedBenchPlan { rooms: organization.rooms, history, clients, limit, ceiling };
            crate::bench::mixed(settings, store.clone(), plan).await
        }
        #[cfg(feature = "bench")]
        Command::BenchAvailability { organization, duration_seconds, clients } => {
            let plan = crate::bench::AvailabilityBenchPlan {
                rooms: organization.rooms,
                history: organization.history(),
                clients,
                duration: std::time::Duration::from_secs(duration_seconds),
            };
            crate::bench::availability(settings, store.clone(), plan).await
        }
        #[cfg(feature = "bench")]
        Command::BenchJobs { notifications, reminders, rooms, concurrency, batch } => {
            let plan = crate::bench::JobsBenchPlan { notifications, reminders, rooms, concurrency, batch };
            crate::bench::jobs(settings, store.clone(), plan).await
        }
        // Handled above, before the store is opened.
        Command::Backup { .. } | Command::Restore { .. } | Command::Doctor => Ok(()),
        Command::Migrate => {
            println!("database is up to date");
            Ok(())
        }
        Command::Tenant(TenantCommand::Create { name, domains, slug, time_zone, locale }) => {
            let input = sala_app::tenants::NewTenant { name, slug, domains, time_zone, locale };
            let t = sala_app::tenants::create_tenant(s, input).await.map_err(explain)?;
            println!("created tenant {} ({}) id={}", t.name, t.slug, t.id);
            Ok(())
        }
        Command::Tenant(TenantCommand::List) => {
            for t in s.list_tenants().await? {
                let domains: Vec<&str> = t.email_domains.iter().map(|d| d.as_str()).collect();
                println!("{}\t{}\t{}\t{}", t.id, t.slug, t.name, domains.join(","));
            }
            Ok(())
        }
        Command::User(UserCommand::Create { tenant, email, name, role, phone, whatsapp, locale }) => {
            let ctx = tenant_context(s, &tenant).await?;
            let input = sala_app::users::NewUser {
                email,
                name,
                role: Some(role),
                phone,
                whatsapp_opt_in: whatsapp,
                locale,
                whatsapp_consent_at: None,
                time_zone: None,
            };
            let u = sala_app::users::create_user(s, &ctx, input).await.map_err(explain)?;
            println!("created {} {} <{}> id={}", u.role.as_str(), u.name, u.email, u.id);
            Ok(())
        }
        Command::Room(RoomCommand::Create {
            tenant,
            name,
            capacity,
            location,
            equipment,
            is_virtual,
            max_meetings,
            video_link,
            google_calendar,
            hours,
        }) => {
            let ctx = tenant_context(s, &tenant).await?;
            let bookable_hours = hours
                .map(|h| BookableHours::parse_compact(&h))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--hours: {e}"))?;
            let input = sala_app::rooms::NewRoom {
                name,
                capacity,
                location,
                equipment,
                kind: Some(if is_virtual { RoomKind::Virtual } else { RoomKind::Physical }),
                max_meetings,
                video_link,
                google_calendar,
                bookable_hours,
                rules: Default::default(),
            };
            let r = sala_app::rooms::create_room(s, &ctx, input).await.map_err(explain)?;
            println!("created room {} (capacity {}) id={}", r.name, r.capacity, r.id);
            Ok(())
        }
        Command::Room(RoomCommand::List { tenant }) => {
            let ctx = tenant_context(s, &tenant).await?;
            for r in sala_app::rooms::list_rooms(s, &ctx, true).await.map_err(explain)? {
                let state = if r.active { "active" } else { "inactive" };
                println!("{}\t{}\t{}\t{}", r.id, r.name, r.capacity, state);
            }
            Ok(())
        }
        Command::ApiKey(ApiKeyCommand::Create { tenant, name, scopes }) => {
            let ctx = tenant_context(s, &tenant).await?;
            let created =
                sala_app::api_keys::create_api_key(s, &ctx, &name, scopes.as_deref()).await.map_err(explain)?;
            let scopes: Vec<&str> = created.key.scopes.iter().map(|s| s.as_str()).collect();
            eprintln!(
                "created API key {} id={} scopes={}; copy it now, it is not shown again:",
                created.key.name,
                created.key.id,
                scopes.join(",")
            );
            println!("{}", created.secret);
            Ok(())
        }
        Command::ApiKey(ApiKeyCommand::List { tenant }) => {
            let ctx = tenant_context(s, &tenant).await?;
            for k in sala_app::api_keys::list_api_keys(s, &ctx).await.map_err(explain)? {
                let state = if k.is_active() { "active" } else { "revoked" };
                let scopes: Vec<&str> = k.scopes.iter().map(|s| s.as_str()).collect();
                let used = k
                    .last_used_at
                    .map_or_else(|| "never used".to_owned(), |at| format!("last used {}", sala_domain::rfc3339(at)));
                println!("{}\t{}…\t{}\t{}\t{}\t{used}", k.id, k.prefix, k.name, state, scopes.join(","));
            }
            Ok(())
        }
        Command::ApiKey(ApiKeyCommand::Revoke { tenant, id }) => {
            let ctx = tenant_context(s, &tenant).await?;
            let id = id.parse().map_err(|_| anyhow::anyhow!("'{id}' is not a key id (see `sala api-key list`)"))?;
            let k = sala_app::api_keys::revoke_api_key(s, &ctx, id).await.map_err(explain)?;
            println!("revoked API key {} ({})", k.name, k.id);
            Ok(())
        }
    }
}

async fn serve(store: std::sync::Arc<dyn sala_app::Store>, settings: Settings) -> anyhow::Result<()> {
    if settings.dev {
        sala_app::demo::seed_demo(store.as_ref()).await.map_err(explain)?;
        tracing::warn!("dev mode: dev login is on and anyone can sign in as a demo person");
    }
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    tracing::info!(url = %settings.base_url, database = %redact_url(&settings.database_url()), dev = settings.dev, "sala is listening");
    App::build(settings, store)?.run(listener, shutdown_signal()).await
}

async fn worker(store: std::sync::Arc<dyn sala_app::Store>, settings: Settings) -> anyhow::Result<()> {
    tracing::info!(database = %redact_url(&settings.database_url()), "sala worker started");
    App::build(settings, store)?.work(shutdown_signal()).await;
    Ok(())
}

/// `--locale`: es or en, refused at once otherwise.
fn locale(raw: &str) -> Result<Locale, String> {
    Locale::parse(raw).map_err(|e| e.message)
}

/// `--role`: admin or member, refused at once otherwise.
fn role(raw: &str) -> Result<Role, String> {
    Role::parse(raw).map_err(|e| e.message)
}

/// The tenant named on the command line, as an operator context.
async fn tenant_context(store: &dyn sala_app::Store, slug_or_id: &str) -> anyhow::Result<Context> {
    let tenant = sala_app::tenants::find_tenant(store, slug_or_id)
        .await
        .map_err(|_| anyhow::anyhow!("no tenant '{slug_or_id}' (see `sala tenant list`)"))?;
    Ok(Context::system(tenant.id))
}

/// Use-case errors as a person at a terminal wants them: every invalid field on its own line.
fn explain(err: sala_app::AppError) -> anyhow::Error {
    match err {
        sala_app::AppError::Invalid(fields) => {
            let lines: Vec<String> = fields.iter().map(|f| format!("  {}: {}", f.field, f.message)).collect();
            anyhow::anyhow!("invalid input:\n{}", lines.join("\n"))
        }
        other => anyhow::anyhow!("{other}"),
    }
}
