-- The outside-guest quotas read the last day's invitations on every booking that invites someone
-- from outside. Adding up the day's `booking.guests_invited` audit entries grew with the day's
-- invitations (one API key inviting 5,000 guests a day made every create read 5,000 entries):
-- these counters, kept per hour by a trigger in the audit entry's own transaction, make it at
-- most 25 rows. Each entry counts for its inviter (`actor_type`, `actor_id`; the tenant's id when
-- the actor has none) and for the whole organization (`actor_type` '*').
CREATE TABLE guest_invite_hours (
    tenant_id  uuid NOT NULL,
    actor_type text NOT NULL,
    actor_id   uuid NOT NULL,
    hour       bigint NOT NULL,
    guests     bigint NOT NULL,
    PRIMARY KEY (tenant_id, actor_type, actor_id, hour)
);

CREATE FUNCTION audit_log_count_guest_invites() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    invited bigint := coalesce((NEW.after_state::jsonb ->> 'count')::bigint, 0);
BEGIN
    INSERT INTO guest_invite_hours (tenant_id, actor_type, actor_id, hour, guests)
    VALUES (NEW.tenant_id, NEW.actor_type, coalesce(NEW.actor_id, NEW.tenant_id), NEW.at / 3600000, invited),
           (NEW.tenant_id, '*', NEW.tenant_id, NEW.at / 3600000, invited)
    ON CONFLICT (tenant_id, actor_type, actor_id, hour)
    DO UPDATE SET guests = guest_invite_hours.guests + excluded.guests;
    RETURN NULL;
END
$$;

CREATE TRIGGER audit_log_guest_invites AFTER INSERT ON audit_log
FOR EACH ROW WHEN (NEW.action = 'booking.guests_invited')
EXECUTE FUNCTION audit_log_count_guest_invites();

-- The last two days' invitations, so the quotas hold across the upgrade.
INSERT INTO guest_invite_hours (tenant_id, actor_type, actor_id, hour, guests)
SELECT tenant_id, actor_type, coalesce(actor_id, tenant_id), at / 3600000,
       sum(coalesce((after_state::jsonb ->> 'count')::bigint, 0))
FROM audit_log
WHERE action = 'booking.guests_invited' AND at >= (extract(epoch FROM now())::bigint - 2 * 86400) * 1000
GROUP BY 1, 2, 3, 4;
INSERT INTO guest_invite_hours (tenant_id, actor_type, actor_id, hour, guests)
SELECT tenant_id, '*', tenant_id, at / 3600000, sum(coalesce((after_state::jsonb ->> 'count')::bigint, 0))
FROM audit_log
WHERE action = 'booking.guests_invited' AND at >= (extract(epoch FROM now())::bigint - 2 * 86400) * 1000
GROUP BY 1, 2, 3, 4;

-- The count no longer reads the audit log.
DROP INDEX audit_log_guests_invited;
