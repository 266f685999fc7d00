-- The audit log never keeps a secret: organization snapshots written before kept the sealed
-- WhatsApp token and service account key (readable by a `read` API key, and kept after the secret
-- was removed). They are scrubbed here; new entries never have them (`sala_app` snapshots).
UPDATE audit_log SET before_state = json_remove(before_state, '$.whatsapp.token_sealed', '$.google_service_account.key_sealed')
 WHERE subject_type = 'tenant' AND before_state IS NOT NULL AND json_valid(before_state);
UPDATE audit_log SET after_state = json_remove(after_state, '$.whatsapp.token_sealed', '$.google_service_account.key_sealed')
 WHERE subject_type = 'tenant' AND after_state IS NOT NULL AND json_valid(after_state);
