-- 0008 legacy intelligence and analytics layer.
-- Spec: data-model.md §3.7 (NBA key: labctl declares a plain UNIQUE (project_id, dedupe_key));
--       scheduler-and-intelligence.md §2, §3.

CREATE TABLE IF NOT EXISTS signals (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  account_id       uuid REFERENCES crm_accounts (id) ON DELETE SET NULL,
  opportunity_id   uuid REFERENCES crm_opportunities (id) ON DELETE SET NULL,
  signal_type      text NOT NULL,
  severity         int NOT NULL DEFAULT 2 CHECK (severity BETWEEN 1 AND 5),
  confidence       numeric(5,4) NOT NULL DEFAULT 0.5 CHECK (confidence BETWEEN 0 AND 1),
  summary          text NOT NULL,
  dedupe_key       text NOT NULL,
  evidence_refs    jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  status           text NOT NULL DEFAULT 'proposed'
                   CHECK (status IN ('proposed', 'accepted', 'dismissed', 'done')),
  source_kind      text NOT NULL DEFAULT 'conversation'
                   CHECK (source_kind IN ('conversation', 'crm', 'linear', 'campaign', 'system')),
  UNIQUE (project_id, dedupe_key)
);

CREATE INDEX IF NOT EXISTS signals_project_created_idx
  ON signals (project_id, created_at DESC);
CREATE INDEX IF NOT EXISTS signals_project_severity_conf_idx
  ON signals (project_id, severity DESC, confidence DESC);

CREATE TABLE IF NOT EXISTS next_best_actions (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  signal_id        uuid REFERENCES signals (id) ON DELETE SET NULL,
  account_id       uuid REFERENCES crm_accounts (id) ON DELETE SET NULL,
  opportunity_id   uuid REFERENCES crm_opportunities (id) ON DELETE SET NULL,
  action_type      text NOT NULL,
  priority         int NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
  status           text NOT NULL DEFAULT 'proposed'
                   CHECK (status IN ('proposed', 'accepted', 'dismissed', 'done', 'cancelled')),
  summary          text NOT NULL,
  evidence_refs    jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  due_date         date,
  owner_username   text,
  dedupe_key       text,
  UNIQUE (project_id, dedupe_key)
);

CREATE INDEX IF NOT EXISTS next_best_actions_project_status_priority_idx
  ON next_best_actions (project_id, status, priority DESC);

CREATE TABLE IF NOT EXISTS health_scores (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  account_id       uuid REFERENCES crm_accounts (id) ON DELETE CASCADE,
  score            numeric(6,2) NOT NULL CHECK (score BETWEEN 0 AND 100),
  factors          jsonb NOT NULL DEFAULT '[]'::jsonb,
  generated_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, account_id, generated_at)
);

CREATE INDEX IF NOT EXISTS health_scores_project_generated_idx
  ON health_scores (project_id, generated_at DESC);

CREATE TABLE IF NOT EXISTS risk_radar_items (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id        uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id  uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  account_id        uuid REFERENCES crm_accounts (id) ON DELETE SET NULL,
  opportunity_id    uuid REFERENCES crm_opportunities (id) ON DELETE SET NULL,
  severity          int NOT NULL CHECK (severity BETWEEN 1 AND 5),
  probability       numeric(5,4) NOT NULL CHECK (probability BETWEEN 0 AND 1),
  title             text NOT NULL,
  mitigation_action text,
  status            text NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'mitigating', 'closed')),
  evidence_refs     jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS risk_radar_items_project_status_severity_idx
  ON risk_radar_items (project_id, status, severity DESC);

CREATE TABLE IF NOT EXISTS case_library_entries (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  title            text NOT NULL,
  summary          text NOT NULL,
  content          text NOT NULL,
  status           text NOT NULL DEFAULT 'draft'
                   CHECK (status IN ('draft', 'approved', 'archived')),
  privacy_level    text NOT NULL DEFAULT 'internal'
                   CHECK (privacy_level IN ('internal', 'restricted', 'public')),
  visibility_scope text NOT NULL DEFAULT 'project'
                   CHECK (visibility_scope IN ('project', 'account_scope')),
  tags             text[] NOT NULL DEFAULT '{}'::text[],
  retention_until  timestamptz,
  approved_by      text,
  approved_at      timestamptz,
  created_by       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS case_library_entries_project_status_updated_idx
  ON case_library_entries (project_id, status, updated_at DESC);

CREATE TABLE IF NOT EXISTS case_evidence_refs (
  id               bigserial PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  case_id          uuid NOT NULL REFERENCES case_library_entries (id) ON DELETE CASCADE,
  evidence_ref     jsonb NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS case_evidence_refs_project_case_idx
  ON case_evidence_refs (project_id, case_id);

CREATE TABLE IF NOT EXISTS risk_pattern_events (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id          uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id    uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  pattern_key         text NOT NULL,
  title               text NOT NULL,
  weight              numeric(5,4) NOT NULL DEFAULT 0.5 CHECK (weight BETWEEN 0 AND 1),
  status              text NOT NULL DEFAULT 'open'
                      CHECK (status IN ('open', 'mitigated', 'ignored')),
  mitigation_playbook jsonb NOT NULL DEFAULT '{}'::jsonb,
  evidence_refs       jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS risk_pattern_events_project_status_weight_idx
  ON risk_pattern_events (project_id, status, weight DESC);

CREATE TABLE IF NOT EXISTS analytics_revenue_snapshots (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  period_start     date NOT NULL,
  horizon_days     int NOT NULL CHECK (horizon_days IN (30, 60, 90)),
  pipeline_amount  numeric(14,2) NOT NULL DEFAULT 0,
  commit_amount    numeric(14,2) NOT NULL DEFAULT 0,
  won_amount       numeric(14,2) NOT NULL DEFAULT 0,
  expected_revenue numeric(14,2) NOT NULL DEFAULT 0,
  costs_amount     numeric(14,2) NOT NULL DEFAULT 0,
  gross_margin     numeric(14,2) NOT NULL DEFAULT 0,
  attribution      jsonb NOT NULL DEFAULT '{}'::jsonb,
  generated_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, period_start, horizon_days)
);

CREATE INDEX IF NOT EXISTS analytics_revenue_snapshots_project_generated_idx
  ON analytics_revenue_snapshots (project_id, generated_at DESC);

CREATE TABLE IF NOT EXISTS analytics_delivery_snapshots (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  period_start     date NOT NULL,
  period_end       date NOT NULL,
  open_issues      int NOT NULL DEFAULT 0,
  overdue_issues   int NOT NULL DEFAULT 0,
  completed_issues int NOT NULL DEFAULT 0,
  lead_time_days   numeric(8,2) NOT NULL DEFAULT 0,
  throughput       int NOT NULL DEFAULT 0,
  payload          jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, period_start, period_end)
);

CREATE TABLE IF NOT EXISTS analytics_comms_snapshots (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id           uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id     uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  period_start         date NOT NULL,
  period_end           date NOT NULL,
  inbound_messages     int NOT NULL DEFAULT 0,
  outbound_messages    int NOT NULL DEFAULT 0,
  unique_contacts      int NOT NULL DEFAULT 0,
  avg_response_minutes numeric(10,2) NOT NULL DEFAULT 0,
  payload              jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, period_start, period_end)
);

CREATE OR REPLACE TRIGGER signals_scope_guard
  BEFORE INSERT OR UPDATE ON signals
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER next_best_actions_scope_guard
  BEFORE INSERT OR UPDATE ON next_best_actions
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER health_scores_scope_guard
  BEFORE INSERT OR UPDATE ON health_scores
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER risk_radar_items_scope_guard
  BEFORE INSERT OR UPDATE ON risk_radar_items
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER case_library_entries_scope_guard
  BEFORE INSERT OR UPDATE ON case_library_entries
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER case_evidence_refs_scope_guard
  BEFORE INSERT OR UPDATE ON case_evidence_refs
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER risk_pattern_events_scope_guard
  BEFORE INSERT OR UPDATE ON risk_pattern_events
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER analytics_revenue_snapshots_scope_guard
  BEFORE INSERT OR UPDATE ON analytics_revenue_snapshots
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER analytics_delivery_snapshots_scope_guard
  BEFORE INSERT OR UPDATE ON analytics_delivery_snapshots
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER analytics_comms_snapshots_scope_guard
  BEFORE INSERT OR UPDATE ON analytics_comms_snapshots
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
