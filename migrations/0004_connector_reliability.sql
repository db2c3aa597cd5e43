-- 0004 connector reliability, events, reconciliation and the Chatwoot cursor.
-- Spec: data-model.md §3.3, §3.4 (sync_watermarks), §2.2 (guard on sync_reconciliation_metrics);
--       connectors.md §5, §6, §7, §8.

CREATE TABLE IF NOT EXISTS connector_sync_state (
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  connector        text NOT NULL CHECK (connector IN ('chatwoot', 'linear', 'attio')),
  mode             text NOT NULL DEFAULT 'http' CHECK (mode IN ('http', 'mcp')),
  cursor_ts        timestamptz,
  cursor_id        text,
  page_cursor      text,
  last_success_at  timestamptz,
  last_attempt_at  timestamptz,
  status           text NOT NULL DEFAULT 'idle'
                   CHECK (status IN ('idle', 'running', 'ok', 'partial', 'failed')),
  retry_count      int NOT NULL DEFAULT 0,
  last_error       text,
  meta             jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, connector)
);

CREATE INDEX IF NOT EXISTS connector_sync_state_status_updated_idx
  ON connector_sync_state (status, updated_at DESC);

CREATE TABLE IF NOT EXISTS connector_errors (
  id               bigserial PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  connector        text NOT NULL CHECK (connector IN ('chatwoot', 'linear', 'attio')),
  mode             text NOT NULL DEFAULT 'http' CHECK (mode IN ('http', 'mcp')),
  operation        text NOT NULL,
  source_ref       text,
  error_kind       text NOT NULL,
  error_message    text NOT NULL,
  payload_json     jsonb NOT NULL DEFAULT '{}'::jsonb,
  attempt          int NOT NULL DEFAULT 1,
  next_retry_at    timestamptz NOT NULL DEFAULT now(),
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'retrying', 'dead_letter', 'resolved')),
  dedupe_key       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  resolved_at      timestamptz
);

-- One open error per key; history may repeat it.
CREATE UNIQUE INDEX IF NOT EXISTS connector_errors_open_dedupe_uidx
  ON connector_errors (project_id, connector, dedupe_key)
  WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'retrying');
CREATE INDEX IF NOT EXISTS connector_errors_project_status_retry_idx
  ON connector_errors (project_id, status, next_retry_at);
CREATE INDEX IF NOT EXISTS connector_errors_connector_status_retry_idx
  ON connector_errors (connector, status, next_retry_at);
CREATE INDEX IF NOT EXISTS connector_errors_project_kind_status_idx
  ON connector_errors (project_id, error_kind, status);

CREATE TABLE IF NOT EXISTS connector_events (
  id                     bigserial PRIMARY KEY,
  project_id             uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id       uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  event_type             text NOT NULL CHECK (event_type IN (
                           'message_sent', 'client_silent_started',
                           'approval_requested', 'approval_approved',
                           'stage_started', 'stage_completed',
                           'issue_created', 'issue_blocked', 'issue_unblocked',
                           'scope_change_detected', 'deal_stage_changed',
                           'invoice_sent', 'invoice_paid',
                           'contact_updated', 'note_logged', 'activity_logged',
                           'process_started', 'process_finished', 'process_failed',
                           'process_warning')),
  occurred_at            timestamptz NOT NULL,
  actor                  text NOT NULL DEFAULT 'system'
                         CHECK (actor IN ('client', 'team', 'system')),
  source                 text NOT NULL CHECK (source IN ('chatwoot', 'linear', 'attio', 'system')),
  source_ref             text NOT NULL,
  source_url             text,
  source_message_id      text,
  source_linear_issue_id text,
  source_attio_record_id text,
  payload_json           jsonb NOT NULL DEFAULT '{}'::jsonb,
  dedupe_key             text NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, dedupe_key)
);

CREATE INDEX IF NOT EXISTS connector_events_project_occurred_idx
  ON connector_events (project_id, occurred_at DESC);
CREATE INDEX IF NOT EXISTS connector_events_project_source_ref_idx
  ON connector_events (project_id, source, source_ref);
CREATE INDEX IF NOT EXISTS connector_events_project_type_occurred_idx
  ON connector_events (project_id, event_type, occurred_at DESC);

CREATE TABLE IF NOT EXISTS sync_reconciliation_metrics (
  id               bigserial PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  connector        text NOT NULL CHECK (connector IN ('chatwoot', 'linear', 'attio', 'portfolio')),
  source           text NOT NULL DEFAULT 'manual'
                   CHECK (source IN ('manual', 'sync_cycle', 'daily_job', 'scheduler')),
  completeness_pct numeric(6,2) NOT NULL DEFAULT 0 CHECK (completeness_pct BETWEEN 0 AND 100),
  duplicate_count  int NOT NULL DEFAULT 0,
  missing_count    int NOT NULL DEFAULT 0,
  total_count      int NOT NULL DEFAULT 0,
  payload          jsonb NOT NULL DEFAULT '{}'::jsonb,
  captured_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS sync_reconciliation_metrics_project_captured_idx
  ON sync_reconciliation_metrics (project_id, captured_at DESC);
CREATE INDEX IF NOT EXISTS sync_reconciliation_metrics_scope_connector_captured_idx
  ON sync_reconciliation_metrics (account_scope_id, connector, captured_at DESC);

CREATE TABLE IF NOT EXISTS sync_watermarks (
  source           text NOT NULL,
  cursor_ts        timestamptz,
  cursor_id        text,
  meta             jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  PRIMARY KEY (project_id, source)
);

CREATE OR REPLACE TRIGGER connector_sync_state_scope_guard
  BEFORE INSERT OR UPDATE ON connector_sync_state
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER connector_errors_scope_guard
  BEFORE INSERT OR UPDATE ON connector_errors
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER connector_events_scope_guard
  BEFORE INSERT OR UPDATE ON connector_events
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER sync_reconciliation_metrics_scope_guard
  BEFORE INSERT OR UPDATE ON sync_reconciliation_metrics
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER sync_watermarks_scope_guard
  BEFORE INSERT OR UPDATE ON sync_watermarks
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
