//! `sala bench-mixed`: a realistic organization's day at the HTTP API. Writes a history (see
//! [`super::history`]), measures the store's single-insert ceiling, then runs a mixed workload
//! through a server on 127.0.0.1 in this process: 70% reads (a room's day view and the rooms'
//! availability for a day), 20% creates (a quarter of them aimed at a booking made earlier, so
//! they meet `409 booking_conflict`), 10% edits and cancels of bookings the run made. Prints the
//! throughput and p50/p95/p99 per operation, the errors by status and code, and the peak memory.

use super::bookings::{BenchPlan, direct_inserts, print_ceiling};
use super::history::{self, Dice, HistoryPlan, person_email};
use super::setup::{Figures, InProcess, Limit, P50_95_99, Setup, memory, race, reset_peak_memory};
use crate::config::{Settings, redact_url};
use anyhow::Context as _;
use sala_domain::{RoomId, TimeRange, rfc3339};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct MixedBenchPlan {
    pub rooms: usize,
    pub history: HistoryPlan,
    pub clients: usize,
    pub limit: Limit,
    /// Bookings written straight to the store for the ceiling.
    pub ceiling: usize,
}

/// The operations of the mix, in the order they are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    DayView,
    Availability,
    Create,
    Conflicting,
    Move,
    Retitle,
    Cancel,
}

impl Op {
    /// The operation for a roll of 0..100: the mix.
    fn of(roll: u64) -> Self {
        match roll {
            0..45 => Op::DayView,
            45..70 => Op::Availability,
            70..85 => Op::Create,
            85..90 => Op::Conflicting,
            90..94 => Op::Move,
            94..97 => Op::Retitle,
            _ => Op::Cancel,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Op::DayView => "day view (GET bookings)",
            Op::Availability => "availability (GET, a day)",
            Op::Create => "create (POST)",
            Op::Conflicting => "create, conflicting (POST)",
            Op::Move => "move (PATCH start/end)",
            Op::Retitle => "retitle (PATCH title)",
            Op::Cancel => "cancel (DELETE, reason)",
        }
    }
}

/// One answer: what was asked, the status (0: no answer) and the problem's `code` if it failed.
struct Outcome {
    op: Op,
    status: u16,
    code: Option<String>,
}

impl Outcome {
    /// A success, or the conflict a conflicting create is there to meet.
    fn expected(&self) -> bool {
        (200..300).contains(&self.status) || self.conflict_expected()
    }

    fn conflict_expected(&self) -> bool {
        self.op == Op::Conflicting && self.status == 409 && self.code.as_deref() == Some("booking_conflict")
    }
}

/// A booking the run made, which edits, cancels and conflicting creates pick.
#[derive(Clone)]
struct Made {
    id: String,
    room: RoomId,
    time: TimeRange,
}

/// Everything the clients share.
struct Workload {
    client: reqwest::Client,
    base_url: String,
    key: String,
    setup: Setup,
    people: usize,
    /// `from`/`to` of the days viewed: the history's and the ninety days after.
    days: Vec<(String, String)>,
    /// The next fresh slot (of [`Setup::slot`] run 1: weeks ahead, clear of the history).
    slots: AtomicUsize,
    made: Mutex<Vec<Made>>,
}

pub async fn run(mut settings: Settings, store: Arc<dyn sala_app::Store>, plan: MixedBenchPlan) -> anyhow::Result<()> {
    let database = redact_url(&settings.database_url());
    let setup = Setup::create(store.as_ref(), plan.rooms).await?;
    let started = Instant::now();
    let written = history::write(store.as_ref(), &setup, plan.history).await?;
    let rolled_up = history::roll_up(store.as_ref(), &setup).await?;
    println!(
        "database {database}  rooms {}  people {}  clients {}  {}",
        plan.rooms,
        plan.history.people,
        plan.clients,
        match plan.limit.duration {
            Some(d) => format!("for {} s", d.as_secs()),
            None => format!("{} requests", plan.limit.total),
        }
    );
    println!(
        "  history: {} bookings, {} to {}, written in {:.1} s (report rollups built in {rolled_up:.1} s)",
        written.bookings,
        written.first,
        written.last,
        started.elapsed().as_secs_f64() - rolled_up
    );
    raise_limits(&mut settings);

    let ceiling_plan = BenchPlan { bookings: plan.ceiling, clients: plan.clients, rooms: plan.rooms };
    let ceiling = direct_inserts(store.clone(), &setup, &ceiling_plan, 0).await;
    let database_url = settings.database_url();

    let peak_reset = reset_peak_memory();
    let server = InProcess::start(settings, store).await?;
    let workload = Arc::new(Workload {
        client: reqwest::Client::builder().pool_max_idle_per_host(plan.clients).build().context("http client")?,
        base_url: server.base_url.clone(),
        key: setup.key.clone(),
        days: days(&setup, written.first, written.last.checked_add(jiff::Span::new().days(90))?)?,
        setup,
        people: plan.history.people,
        slots: AtomicUsize::new(0),
        made: Mutex::new(Vec::new()),
    });
    let raced = race(plan.clients, plan.limit, move |i| {
        let workload = workload.clone();
        async move { workload.step(i).await }
    })
    .await;
    server.stop().await;
    let memory = memory();

    let answers = raced.results.len();
    println!(
        "mixed: {answers} answers in {:.1} s, {:.0}/s",
        raced.elapsed.as_secs_f64(),
        answers as f64 / raced.elapsed.as_secs_f64()
    );
    let mut by_op: BTreeMap<Op, Vec<(bool, Duration)>> = BTreeMap::new();
    let mut errors: BTreeMap<(u16, String, Op), usize> = BTreeMap::new();
    for (outcome, time) in &raced.results {
        by_op.entry(outcome.op).or_default().push((outcome.expected(), *time));
        if !(200..300).contains(&outcome.status) {
            let code = outcome.code.clone().unwrap_or_else(|| "-".to_owned());
            *errors.entry((outcome.status, code, outcome.op)).or_default() += 1;
        }
    }
    for (op, outcomes) in by_op {
        Figures::tally(raced.elapsed, outcomes).print(&format!("  {}", op.label()), P50_95_99);
    }
    println!("errors by status and code:{}", if errors.is_empty() { " none" } else { "" });
    for ((status, code, op), count) in errors {
        let outcome = Outcome { op, status, code: Some(code.clone()) };
        let why = if outcome.conflict_expected() { "expected" } else { "FAILED" };
        println!("  {status} {code:<24} {count:>6}  {} ({why})", op.label());
    }
    ceiling.print("store only (ceiling)", P50_95_99);
    print_ceiling(&database_url, plan.ceiling, &[plan.clients]).await?;
    println!(
        "peak memory (VmHWM) {:.0} MiB {}, resident at the end {:.0} MiB: the whole process, server and load generator (in-process)",
        memory.peak_mib,
        if peak_reset { "during the mixed run" } else { "since the start (history included)" },
        memory.resident_mib
    );
    Ok(())
}

/// The bench asks with one API key, for many organizers and their outside guests: the limits
/// meant for one integration or one person would refuse most of it.
pub(super) fn raise_limits(settings: &mut Settings) {
    const PLENTY: u32 = 100_000_000;
    settings.api_requests_per_minute = settings.api_requests_per_minute.max(PLENTY);
    settings.guests_per_person_per_day = settings.guests_per_person_per_day.max(PLENTY);
    settings.guests_per_organization_per_day = settings.guests_per_organization_per_day.max(PLENTY);
    println!(
        "  limits raised for this run: SALA_API_REQUESTS_PER_MINUTE, SALA_GUESTS_PER_PERSON_PER_DAY and \
         SALA_GUESTS_PER_ORGANIZATION_PER_DAY at least {PLENTY}"
    );
}

/// Each day from `first` to `last` as `from`/`to` instants of the tenant's zone.
pub(super) fn days(
    setup: &Setup,
    first: jiff::civil::Date,
    last: jiff::civil::Date,
) -> anyhow::Result<Vec<(String, String)>> {
    let zone = &setup.tenant.time_zone;
    let mut days = Vec::new();
    for date in first.series(jiff::ToSpan::day(1)).take_while(|d| *d <= last) {
        let start = sala_domain::dates::day_start(date, zone).context("a day's start")?;
        let end = sala_domain::dates::day_start(date.tomorrow()?, zone).context("a day's end")?;
        days.push((rfc3339(start), rfc3339(end)));
    }
    Ok(days)
}

impl Workload {
    /// The `i`-th request of the mix.
    async fn step(&self, i: usize) -> Outcome {
        let mut dice = Dice(i as u64 ^ 0x5A1A);
        let op = Op::of(dice.below(100));
        let picked = match op {
            Op::Conflicting => self.made.lock().ok().and_then(|made| pick(&mut dice, &made).cloned()),
            Op::Move | Op::Retitle | Op::Cancel => self.take(&mut dice),
            _ => None,
        };
        match (op, picked) {
            (Op::DayView, _) => self.day_view(&mut dice).await,
            (Op::Availability, _) => self.availability(&mut dice).await,
            (Op::Conflicting, Some(target)) => self.create(&mut dice, Op::Conflicting, target.room, target.time).await,
            (Op::Move, Some(mine)) => self.moved(mine).await,
            (Op::Retitle, Some(mine)) => self.retitled(mine, i).await,
            (Op::Cancel, Some(mine)) => self.cancel(mine).await,
            // Nothing made yet to aim at or edit: a fresh create instead.
            _ => {
                let (room, time) = self.fresh();
                self.create(&mut dice, Op::Create, room, time).await
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1/{path}", self.base_url)
    }

    fn fresh(&self) -> (RoomId, TimeRange) {
        self.setup.slot(1, self.slots.fetch_add(1, Ordering::Relaxed))
    }

    /// Takes a booking the run made out of the pool, so no one else edits it meanwhile.
    fn take(&self, dice: &mut Dice) -> Option<Made> {
        let mut made = self.made.lock().ok()?;
        let at = dice.below(made.len() as u64) as usize;
        (at < made.len()).then(|| made.swap_remove(at))
    }

    fn give_back(&self, made: Made) {
        if let Ok(mut pool) = self.made.lock() {
            pool.push(made);
        }
    }

    async fn day_view(&self, dice: &mut Dice) -> Outcome {
        let room = self.setup.rooms[dice.below(self.setup.rooms.len() as u64) as usize];
        let (from, to) = pick(dice, &self.days).cloned().unwrap_or_default();
        let query = [("room_id", room.to_string()), ("from", from), ("to", to)];
        let request = self.client.get(self.url("bookings")).query(&query);
        self.send(Op::DayView, request).await.0
    }

    async fn availability(&self, dice: &mut Dice) -> Outcome {
        let (start, end) = pick(dice, &self.days).cloned().unwrap_or_default();
        let request = self.client.get(self.url("rooms/availability")).query(&[("start", start), ("end", end)]);
        self.send(Op::Availability, request).await.0
    }

    /// A booking of one of the organization's people, with up to three colleagues; one in five
    /// also invites a client.
    async fn create(&self, dice: &mut Dice, op: Op, room: RoomId, time: TimeRange) -> Outcome {
        let mut emails: Vec<String> = Vec::new();
        for _ in 0..1 + dice.below(4) {
            let person = person_email(&self.setup, dice.below(self.people as u64) as usize);
            if !emails.contains(&person) {
                emails.push(person);
            }
        }
        if dice.below(5) == 0 {
            emails.push(format!("client{}@customer.test", dice.below(500)));
        }
        // The first organizes; the others attend.
        let organizer = emails.remove(0);
        let attendees: Vec<_> = emails.iter().map(|email| serde_json::json!({"email": email})).collect();
        let body = serde_json::json!({"room_id": room, "title": "Mixed bench", "start": rfc3339(time.start),
            "end": rfc3339(time.end), "organizer": organizer, "attendees": attendees});
        let (outcome, answer) = self.send(op, self.client.post(self.url("bookings")).json(&body)).await;
        // Only bookings in fresh slots join the pool: a conflicting create that got through
        // (its target moved away meanwhile) would have two of the pool in one slot.
        if let (Op::Create, Some(id)) = (op, answer.as_ref().and_then(|a| a["id"].as_str())) {
            self.give_back(Made { id: id.to_owned(), room, time });
        }
        outcome
    }

    async fn moved(&self, mine: Made) -> Outcome {
        let (room, time) = self.fresh();
        let body = serde_json::json!({"room_id": room, "start": rfc3339(time.start), "end": rfc3339(time.end)});
        let request = self.client.patch(self.url(&format!("bookings/{}", mine.id))).json(&body);
        let (outcome, answer) = self.send(Op::Move, request).await;
        self.give_back(if answer.is_some() { Made { room, time, ..mine } } else { mine });
        outcome
    }

    async fn retitled(&self, mine: Made, i: usize) -> Outcome {
        let body = serde_json::json!({"title": format!("Mixed bench, renamed {i}")});
        let request = self.client.patch(self.url(&format!("bookings/{}", mine.id))).json(&body);
        let (outcome, _) = self.send(Op::Retitle, request).await;
        self.give_back(mine);
        outcome
    }

    async fn cancel(&self, mine: Made) -> Outcome {
        let body = serde_json::json!({"reason": "Plans changed"});
        let request = self.client.delete(self.url(&format!("bookings/{}", mine.id))).json(&body);
        let (outcome, answer) = self.send(Op::Cancel, request).await;
        if answer.is_none() {
            self.give_back(mine);
        }
        outcome
    }

    /// Sends with the bench key and reads the whole answer; parses the JSON of a create (for its
    /// id) and the problem of a failure (for its `code`), and leaves the reads' unparsed.
    async fn send(&self, op: Op, request: reqwest::RequestBuilder) -> (Outcome, Option<serde_json::Value>) {
        let Ok(response) = request.bearer_auth(&self.key).send().await else {
            return (Outcome { op, status: 0, code: Some("no answer".to_owned()) }, None);
        };
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap_or_default();
        let json = || serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default();
        if !(200..300).contains(&status) {
            let problem = json();
            let code = problem["code"].as_str().unwrap_or("-").to_owned();
            if code != "booking_conflict" {
                tracing::warn!(?op, status, code, detail = %problem["detail"], "bench request refused");
            }
            return (Outcome { op, status, code: Some(code) }, None);
        }
        let answer = if matches!(op, Op::Create | Op::Conflicting) { json() } else { serde_json::Value::Null };
        (Outcome { op, status, code: None }, Some(answer))
    }
}

fn pick<'a, T>(dice: &mut Dice, items: &'a [T]) -> Option<&'a T> {
    items.get(dice.below(items.len() as u64) as usize)
}
