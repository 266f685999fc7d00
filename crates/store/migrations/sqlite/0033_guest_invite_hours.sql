-- The outside-guest quotas read the last day's invitations on every booking that invites someone
-- from outside. Adding up the day's `booking.guests_invited` audit entries grew with the day's
-- invitations (one API key inviting 5,000 guests a day made every create read 5,000 entries):
-- these counters, kept per hour by a trigger in the audit entry's own transaction, make it at
-- most 25 rows. Each entry counts for its inviter (`actor_type`, `actor_id`; the tenant's id when
-- the actor has none) and for the whole organization (`actor_type` '*').
CREATE TABLE guest_invite_hours (
    tenant_id  BLOB NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id   BLOB NOT NULL,
    hour       INTEGER NOT NULL,
    guests     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, actor_type, actor_id, hour)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER audit_log_guest_invites AFTER INSERT ON audit_log
WHEN NEW.action = 'booking.guests_invited'
BEGIN
    INSERT INTO guest_invite_hours (tenant_id, actor_type, actor_id, hour, guests)
    VALUES (NEW.tenant_id, NEW.actor_type, coalesce(NEW.actor_id, NEW.tenant_id), NEW.at / 3600000,
            coalesce(json_extract(NEW.after_state, '$.count'), 0)),
           (NEW.tenant_id, '*', NEW.tenant_id, NEW.at / 3600000,
            coalesce(json_extract(NEW.after_state, '$.count'), 0))
    ON CONFLICT (tenant_id, actor_type, actor_id, hour) DO UPDATE SET guests = guests + excluded.guests;
END;

-- The last two days' invitations, so the quotas hold across the upgrade.
INSERT INTO guest_invite_hours (tenant_id, actor_type, actor_id, hour, guests)
SELECT tenant_id, actor_type, coalesce(actor_id, tenant_id), at / 3600000, sum(coalesce(json_extract(after_state, '$.count'), 0))
FROM audit_log WHERE action = 'booking.guests_invited' AND at >= (unixepoch() - 2 * 86400) * 1000
GROUP BY 1, 2, 3, 4;
INSERT INTO guest_invite_hours (tenant_id, actor_type, actor_id, hour, guests)
SELECT tenant_id, '*', tenant_id, at / 3600000, sum(coalesce(json_extract(after_state, '$.count'), 0))
FROM audit_log WHERE action = 'booking.guests_invited' AND at >= (unixepoch() - 2 * 86400) * 1000
GROUP BY 1, 2, 3, 4;

-- The count no longer reads the audit log.
DROP INDEX audit_log_guests_invited;
