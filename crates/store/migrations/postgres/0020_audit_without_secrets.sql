-- The audit log never keeps a secret: organization snapshots written before kept the sealed
-- WhatsApp token and service account key (readable by a `read` API key, and kept after the secret
-- was removed). They are scrubbed here; new entries never have them (`sala_app` snapshots).
UPDATE audit_log SET before_state = ((before_state::jsonb) #- '{whatsapp,token_sealed}' #- '{google_service_account,key_sealed}')::text
 WHERE subject_type = 'tenant' AND before_state IS NOT NULL;
UPDATE audit_log SET after_state = ((after_state::jsonb) #- '{whatsapp,token_sealed}' #- '{google_service_account,key_sealed}')::text
 WHERE subject_type = 'tenant' AND after_state IS NOT NULL;
