//! The weekly summary emails: who asked for them, and each person's week scheduled once, never
//! backwards, also when many instances try at once.

use super::{T0, add_tenant, entry, ok, user};
use sala_domain::jobs::{JobPayload, WeeklyReportPayload};
use sala_domain::{Job, JobKind, Role, TenantId, User, UserId};
use sala_store::Store;
use std::sync::Arc;

async fn person(store: &dyn Store, tenant: TenantId, address: &str, role: Role, asked: bool, active: bool) -> User {
    let mut u = user(tenant, address, address);
    u.role = role;
    u.weekly_report = asked;
    u.active = active;
    ok(store.insert_user(&u, &entry(tenant, "user.created", Some(u.id.0))).await);
    u
}

fn job(tenant: TenantId, user: UserId, week: &str) -> Job {
    let payload = WeeklyReportPayload { user_id: user, week: week.parse().unwrap_or_default() };
    Job::for_tenant(tenant, JobPayload::WeeklyReport(payload), T0, T0)
}

async fn weekly_jobs(store: &dyn Store, tenant: TenantId) -> usize {
    let jobs = ok(store.list_jobs(tenant, None, None, 100).await);
    jobs.iter().filter(|j| j.kind == JobKind::WeeklyReport).count()
}

async fn case_weekly_report_admins_and_marks(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let ana = person(store, acme.id, "ana@acme.test", Role::Admin, true, true).await;
    let luis = person(store, acme.id, "luis@acme.test", Role::Admin, false, true).await;
    let maria = person(store, acme.id, "maria@acme.test", Role::Member, true, true).await;
    person(store, acme.id, "gone@acme.test", Role::Admin, true, false).await;
    let bea = person(store, beta.id, "bea@beta.test", Role::Admin, true, true).await;

    // The choice is kept and read back.
    assert!(ok(store.get_user(acme.id, ana.id).await).is_some_and(|u| u.weekly_report));
    assert_eq!(ok(store.weekly_report_admins(acme.id).await), vec![ana.clone()]);
    assert_eq!(ok(store.weekly_report_admins(beta.id).await), vec![bea.clone()]);

    let week = "2026-11-23";
    assert!(ok(store.schedule_weekly_report(acme.id, ana.id, week, &job(acme.id, ana.id, week)).await));
    assert!(!ok(store.schedule_weekly_report(acme.id, ana.id, week, &job(acme.id, ana.id, week)).await), "once");
    let earlier = "2026-11-16";
    assert!(!ok(store.schedule_weekly_report(acme.id, ana.id, earlier, &job(acme.id, ana.id, earlier)).await));
    // Only admins who asked, active, of that organization.
    for who in [luis.id, maria.id, bea.id] {
        assert!(!ok(store.schedule_weekly_report(acme.id, who, week, &job(acme.id, who, week)).await));
    }
    assert_eq!(weekly_jobs(store, acme.id).await, 1, "nothing written when nothing was marked");
    let later = "2026-11-30";
    assert!(ok(store.schedule_weekly_report(acme.id, ana.id, later, &job(acme.id, ana.id, later)).await));
    assert_eq!(weekly_jobs(store, acme.id).await, 2);
    // The other organization's admin has their own mark.
    assert!(ok(store.schedule_weekly_report(beta.id, bea.id, week, &job(beta.id, bea.id, week)).await));
}

async fn case_weekly_report_scheduled_once_by_many(store: Arc<dyn Store>) {
    let acme = add_tenant(store.as_ref(), "Acme", &["acme.test"]).await;
    let ana = person(store.as_ref(), acme.id, "ana@acme.test", Role::Admin, true, true).await;
    let week = "2026-11-23";
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let store = Arc::clone(&store);
        tasks.spawn(
            async move { store.schedule_weekly_report(acme.id, ana.id, week, &job(acme.id, ana.id, week)).await },
        );
    }
    let mut written = 0;
    while let Some(done) = tasks.join_next().await {
        written += usize::from(ok(ok(done)));
    }
    assert_eq!(written, 1);
    assert_eq!(weekly_jobs(store.as_ref(), acme.id).await, 1);
}

conformance!(
    borrowed: [case_weekly_report_admins_and_marks],
    shared: [case_weekly_report_scheduled_once_by_many],
);
