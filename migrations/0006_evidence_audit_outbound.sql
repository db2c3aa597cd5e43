-- 0006 evidence, audit and outbound messaging.
-- Spec: data-model.md §3.5, §5.6; api.md §7.1; scheduler-and-intelligence.md §8.

CREATE TABLE IF NOT EXISTS audit_events (
  id               bigserial PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  actor_username   text,
  action           text NOT NULL,
  entity_type      text,
  entity_id        text,
  status           text NOT NULL DEFAULT 'ok',
  request_id       text,
  idempotency_key  text,
  payload          jsonb NOT NULL DEFAULT '{}'::jsonb,
  evidence_refs    jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  actor_user_id    uuid REFERENCES app_users (id) ON DELETE SET NULL
);

CREATE INDEX IF NOT EXISTS audit_events_project_created_idx
  ON audit_events (project_id, created_at DESC);
CREATE INDEX IF NOT EXISTS audit_events_action_created_idx
  ON audit_events (action, created_at DESC);
CREATE INDEX IF NOT EXISTS audit_events_scope_project_created_idx
  ON audit_events (account_scope_id, project_id, created_at DESC);
CREATE INDEX IF NOT EXISTS audit_events_evidence_refs_idx
  ON audit_events USING gin (evidence_refs jsonb_path_ops);
CREATE INDEX IF NOT EXISTS audit_events_actor_user_idx
  ON audit_events (actor_user_id) WHERE actor_user_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS evidence_items (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id             uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id       uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  source_type            text NOT NULL,
  source_table           text NOT NULL,
  source_pk              text NOT NULL,
  conversation_global_id text,
  message_global_id      text,
  contact_global_id      text,
  snippet                text,
  payload                jsonb NOT NULL DEFAULT '{}'::jsonb,
  search_text            tsvector GENERATED ALWAYS AS (
                           to_tsvector('simple',
                             COALESCE(snippet, '') || ' ' ||
                             COALESCE(source_pk, '') || ' ' ||
                             COALESCE(conversation_global_id, '') || ' ' ||
                             COALESCE(message_global_id, ''))
                         ) STORED,
  created_at             timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, source_table, source_pk)
);

CREATE INDEX IF NOT EXISTS evidence_items_project_created_idx
  ON evidence_items (project_id, created_at DESC);
CREATE INDEX IF NOT EXISTS evidence_items_project_message_idx
  ON evidence_items (project_id, message_global_id);
CREATE INDEX IF NOT EXISTS evidence_items_project_conversation_idx
  ON evidence_items (project_id, conversation_global_id);
CREATE INDEX IF NOT EXISTS evidence_items_search_text_idx
  ON evidence_items USING gin (search_text);
CREATE INDEX IF NOT EXISTS evidence_items_snippet_trgm_idx
  ON evidence_items USING gin (snippet gin_trgm_ops);

CREATE TABLE IF NOT EXISTS outbound_messages (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  channel          text NOT NULL CHECK (channel IN ('email', 'chatwoot', 'telegram')),
  recipient_ref    text NOT NULL,
  payload          jsonb NOT NULL DEFAULT '{}'::jsonb,
  evidence_refs    jsonb NOT NULL DEFAULT '[]'::jsonb,
  status           text NOT NULL DEFAULT 'draft' CHECK (status IN (
                     'draft', 'approved', 'sent', 'failed', 'cancelled', 'blocked_opt_out')),
  idempotency_key  text NOT NULL,
  dedupe_key       text,
  retry_count      int NOT NULL DEFAULT 0,
  max_retries      int NOT NULL DEFAULT 5,
  next_attempt_at  timestamptz,
  approved_by      text,
  approved_at      timestamptz,
  sent_at          timestamptz,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, idempotency_key),
  UNIQUE (project_id, dedupe_key)
);

CREATE INDEX IF NOT EXISTS outbound_messages_project_status_next_idx
  ON outbound_messages (project_id, status, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbound_messages_project_created_idx
  ON outbound_messages (project_id, created_at DESC);
CREATE INDEX IF NOT EXISTS outbound_messages_evidence_refs_idx
  ON outbound_messages USING gin (evidence_refs jsonb_path_ops);

CREATE TABLE IF NOT EXISTS outbound_attempts (
  id                  bigserial PRIMARY KEY,
  outbound_id         uuid NOT NULL REFERENCES outbound_messages (id) ON DELETE CASCADE,
  project_id          uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id    uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  attempt_no          int NOT NULL,
  status              text NOT NULL CHECK (status IN ('sent', 'failed')),
  provider_message_id text,
  error               text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (outbound_id, attempt_no)
);

CREATE INDEX IF NOT EXISTS outbound_attempts_project_created_idx
  ON outbound_attempts (project_id, created_at DESC);

CREATE TABLE IF NOT EXISTS contact_channel_policies (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id             uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id       uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  contact_global_id      text NOT NULL,
  channel                text NOT NULL CHECK (channel IN ('email', 'chatwoot', 'telegram')),
  opted_out              boolean NOT NULL DEFAULT false,
  stop_on_reply          boolean NOT NULL DEFAULT true,
  frequency_window_hours int NOT NULL DEFAULT 24,
  frequency_cap          int NOT NULL DEFAULT 3,
  sent_in_window         int NOT NULL DEFAULT 0,
  window_started_at      timestamptz,
  last_outbound_at       timestamptz,
  last_inbound_at        timestamptz,
  updated_at             timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, contact_global_id, channel)
);

CREATE OR REPLACE TRIGGER audit_events_scope_guard
  BEFORE INSERT OR UPDATE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER evidence_items_scope_guard
  BEFORE INSERT OR UPDATE ON evidence_items
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER outbound_messages_scope_guard
  BEFORE INSERT OR UPDATE ON outbound_messages
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER outbound_attempts_scope_guard
  BEFORE INSERT OR UPDATE ON outbound_attempts
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER contact_channel_policies_scope_guard
  BEFORE INSERT OR UPDATE ON contact_channel_policies
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
