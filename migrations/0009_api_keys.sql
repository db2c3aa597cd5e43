-- 0009 API keys and idempotency keys.
-- Spec: data-model.md §3.8, §2.2 (labctl adds the account-scope FK and the guard to api_keys);
--       api.md §2.6, §7.3.

CREATE TABLE IF NOT EXISTS api_keys (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  key_hash         text NOT NULL,
  key_prefix       text NOT NULL,
  name             text NOT NULL DEFAULT '',
  scopes           text[] NOT NULL DEFAULT '{read}'::text[]
                   CHECK (scopes <@ ARRAY['read', 'write', 'admin']::text[]),
  expires_at       timestamptz,
  last_used_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS api_keys_key_hash_idx ON api_keys (key_hash);
CREATE INDEX IF NOT EXISTS api_keys_project_idx ON api_keys (project_id);

CREATE OR REPLACE TRIGGER api_keys_scope_guard
  BEFORE INSERT OR UPDATE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();

-- No foreign key and no scope column, as in the reference.
CREATE TABLE IF NOT EXISTS idempotency_keys (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id      uuid NOT NULL,
  idempotency_key text NOT NULL,
  route           text NOT NULL,
  status_code     int NOT NULL DEFAULT 200,
  response_body   jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL DEFAULT (now() + interval '24 hours')
);

CREATE UNIQUE INDEX IF NOT EXISTS idempotency_keys_project_key_uidx
  ON idempotency_keys (project_id, idempotency_key);
CREATE INDEX IF NOT EXISTS idempotency_keys_expires_idx
  ON idempotency_keys (expires_at);
