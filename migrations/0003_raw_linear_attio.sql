-- 0003 ingestion raw layer, Linear and Attio.
-- Spec: data-model.md §3.2 (linear_*_raw, attio_*_raw), §6 (keyword-search trgm);
--       connectors.md §3–4; rag.md §5.3 (keyword search over issue and deal columns).

CREATE TABLE IF NOT EXISTS linear_projects_raw (
  id               text PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  workspace_id     text NOT NULL,
  external_id      text NOT NULL,
  name             text NOT NULL,
  state            text,
  lead_name        text,
  data             jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at       timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, external_id)
);

CREATE INDEX IF NOT EXISTS linear_projects_raw_project_updated_idx
  ON linear_projects_raw (project_id, updated_at DESC NULLS LAST);

CREATE TABLE IF NOT EXISTS linear_issues_raw (
  id                         text PRIMARY KEY,
  project_id                 uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id           uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  workspace_id               text NOT NULL,
  external_id                text NOT NULL,
  linear_project_external_id text,
  title                      text NOT NULL,
  state                      text,
  priority                   int,
  assignee_name              text,
  due_date                   date,
  completed_at               timestamptz,
  data                       jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at                 timestamptz,
  created_at                 timestamptz NOT NULL DEFAULT now(),
  state_external_id          text,
  state_type                 text,
  cycle_external_id          text,
  cycle_name                 text,
  labels                     text[] NOT NULL DEFAULT '{}'::text[],
  blocked                    boolean NOT NULL DEFAULT false,
  blocked_by_count           int NOT NULL DEFAULT 0,
  UNIQUE (project_id, external_id)
);

CREATE INDEX IF NOT EXISTS linear_issues_raw_project_state_due_idx
  ON linear_issues_raw (project_id, state, due_date);
CREATE INDEX IF NOT EXISTS linear_issues_raw_project_blocked_idx
  ON linear_issues_raw (project_id, blocked, due_date, updated_at DESC NULLS LAST);
CREATE INDEX IF NOT EXISTS linear_issues_raw_title_trgm_idx
  ON linear_issues_raw USING gin (title gin_trgm_ops);
CREATE INDEX IF NOT EXISTS linear_issues_raw_next_step_trgm_idx
  ON linear_issues_raw USING gin ((data ->> 'next_step') gin_trgm_ops);
CREATE INDEX IF NOT EXISTS linear_issues_raw_scope_ts_idx
  ON linear_issues_raw (project_id, account_scope_id, (COALESCE(updated_at, created_at)));

CREATE TABLE IF NOT EXISTS linear_states_raw (
  id               text PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  workspace_id     text NOT NULL,
  external_id      text NOT NULL,
  team_external_id text,
  name             text NOT NULL,
  type             text,
  position         int,
  data             jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at       timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, external_id)
);

CREATE INDEX IF NOT EXISTS linear_states_raw_project_updated_idx
  ON linear_states_raw (project_id, updated_at DESC NULLS LAST);

CREATE TABLE IF NOT EXISTS linear_cycles_raw (
  id               text PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  workspace_id     text NOT NULL,
  external_id      text NOT NULL,
  team_external_id text,
  number           int,
  starts_at        timestamptz,
  ends_at          timestamptz,
  completed_at     timestamptz,
  progress         numeric(6,3),
  data             jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at       timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, external_id)
);

CREATE INDEX IF NOT EXISTS linear_cycles_raw_project_updated_idx
  ON linear_cycles_raw (project_id, updated_at DESC NULLS LAST);

CREATE TABLE IF NOT EXISTS attio_accounts_raw (
  id               text PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  workspace_id     text NOT NULL,
  external_id      text NOT NULL,
  name             text,
  domain           text,
  annual_revenue   numeric(14,2) NOT NULL DEFAULT 0,
  stage            text,
  data             jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at       timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, external_id)
);

CREATE INDEX IF NOT EXISTS attio_accounts_raw_project_updated_idx
  ON attio_accounts_raw (project_id, updated_at DESC NULLS LAST);

CREATE TABLE IF NOT EXISTS attio_opportunities_raw (
  id                  text PRIMARY KEY,
  project_id          uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id    uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  workspace_id        text NOT NULL,
  external_id         text NOT NULL,
  account_external_id text,
  title               text,
  stage               text,
  amount              numeric(14,2) NOT NULL DEFAULT 0,
  probability         numeric(5,4) NOT NULL DEFAULT 0.1 CHECK (probability BETWEEN 0 AND 1),
  expected_close_date date,
  next_step           text,
  data                jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at          timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, external_id)
);

CREATE INDEX IF NOT EXISTS attio_opportunities_raw_project_stage_close_idx
  ON attio_opportunities_raw (project_id, stage, expected_close_date);
CREATE INDEX IF NOT EXISTS attio_opportunities_raw_title_trgm_idx
  ON attio_opportunities_raw USING gin (title gin_trgm_ops);
CREATE INDEX IF NOT EXISTS attio_opportunities_raw_next_step_trgm_idx
  ON attio_opportunities_raw USING gin (next_step gin_trgm_ops);
CREATE INDEX IF NOT EXISTS attio_opportunities_raw_stage_trgm_idx
  ON attio_opportunities_raw USING gin (stage gin_trgm_ops);
CREATE INDEX IF NOT EXISTS attio_opportunities_raw_scope_ts_idx
  ON attio_opportunities_raw (project_id, account_scope_id, (COALESCE(updated_at, created_at)));

CREATE TABLE IF NOT EXISTS attio_people_raw (
  id                  text PRIMARY KEY,
  project_id          uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id    uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  workspace_id        text NOT NULL,
  external_id         text NOT NULL,
  account_external_id text,
  full_name           text,
  email               text,
  role                text,
  data                jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at          timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, external_id)
);

CREATE INDEX IF NOT EXISTS attio_people_raw_project_updated_idx
  ON attio_people_raw (project_id, updated_at DESC NULLS LAST);

CREATE TABLE IF NOT EXISTS attio_activities_raw (
  id                 text PRIMARY KEY,
  project_id         uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id   uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  workspace_id       text NOT NULL,
  external_id        text NOT NULL,
  record_external_id text,
  activity_type      text,
  note               text,
  actor_name         text,
  occurred_at        timestamptz,
  data               jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at         timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, external_id)
);

CREATE INDEX IF NOT EXISTS attio_activities_raw_project_occurred_idx
  ON attio_activities_raw (project_id, occurred_at DESC NULLS LAST);
CREATE INDEX IF NOT EXISTS attio_activities_raw_scope_ts_idx
  ON attio_activities_raw (project_id, account_scope_id, (COALESCE(updated_at, created_at)));

CREATE OR REPLACE TRIGGER linear_projects_raw_scope_guard
  BEFORE INSERT OR UPDATE ON linear_projects_raw
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER linear_issues_raw_scope_guard
  BEFORE INSERT OR UPDATE ON linear_issues_raw
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER linear_states_raw_scope_guard
  BEFORE INSERT OR UPDATE ON linear_states_raw
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER linear_cycles_raw_scope_guard
  BEFORE INSERT OR UPDATE ON linear_cycles_raw
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER attio_accounts_raw_scope_guard
  BEFORE INSERT OR UPDATE ON attio_accounts_raw
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER attio_opportunities_raw_scope_guard
  BEFORE INSERT OR UPDATE ON attio_opportunities_raw
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER attio_people_raw_scope_guard
  BEFORE INSERT OR UPDATE ON attio_people_raw
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER attio_activities_raw_scope_guard
  BEFORE INSERT OR UPDATE ON attio_activities_raw
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
