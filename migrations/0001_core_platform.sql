-- 0001 core platform: extensions, migration tracking, scope model, core tables.
-- Spec: data-model.md §1.1, §1.4, §2 (scope guard, seeds), §3.1, §6;
--       scheduler-and-intelligence.md §1.2 (scheduled_jobs statuses and started_at).

CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE IF NOT EXISTS schema_migrations (
  filename   text PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now(),
  checksum   text NOT NULL
);

DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE t.typname = 'project_phase' AND n.nspname = current_schema()
  ) THEN
    CREATE TYPE project_phase AS ENUM
      ('kickoff', 'active', 'review', 'handoff', 'warranty', 'completed');
  END IF;
END $$;

-- Scope model ---------------------------------------------------------------

CREATE TABLE IF NOT EXISTS account_scopes (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  scope_key  text NOT NULL UNIQUE,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS projects (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name             text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  phase            project_phase NOT NULL DEFAULT 'active'
);

CREATE INDEX IF NOT EXISTS projects_account_scope_idx ON projects (account_scope_id);
CREATE INDEX IF NOT EXISTS projects_phase_open_idx ON projects (phase) WHERE phase <> 'completed';

-- Scope guard (§2.3): BEFORE INSERT OR UPDATE row trigger on every table with the scope pair.
--   1. project_id must be set;  2. the project must exist;
--   3. a NULL account_scope_id is filled from the project;  4. a different one is rejected.
CREATE OR REPLACE FUNCTION enforce_project_scope_match()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  expected_scope uuid;
BEGIN
  IF NEW.project_id IS NULL THEN
    RAISE EXCEPTION 'project_id is required for %', TG_TABLE_NAME;
  END IF;

  SELECT p.account_scope_id INTO expected_scope
  FROM projects AS p
  WHERE p.id = NEW.project_id;

  IF expected_scope IS NULL THEN
    RAISE EXCEPTION 'project % not found for table %', NEW.project_id, TG_TABLE_NAME;
  END IF;

  IF NEW.account_scope_id IS NULL THEN
    NEW.account_scope_id := expected_scope;
  END IF;

  IF NEW.account_scope_id IS DISTINCT FROM expected_scope THEN
    RAISE EXCEPTION 'cross-scope write rejected on %. expected scope %, got %',
      TG_TABLE_NAME, expected_scope, NEW.account_scope_id;
  END IF;

  RETURN NEW;
END $$;

-- Users and sessions ----------------------------------------------------------

CREATE TABLE IF NOT EXISTS app_users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username      text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  role          text NOT NULL DEFAULT 'pm'
                CHECK (role IN ('owner', 'pm', 'delivery_lead', 'executor', 'viewer')),
  email         text,
  disabled_at   timestamptz
);

CREATE UNIQUE INDEX IF NOT EXISTS app_users_email_lower_uidx
  ON app_users (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE IF NOT EXISTS sessions (
  session_id        text PRIMARY KEY,
  username          text NOT NULL,
  active_project_id uuid REFERENCES projects (id) ON DELETE SET NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  last_seen_at      timestamptz NOT NULL DEFAULT now(),
  csrf_token        text NOT NULL,
  user_id           uuid REFERENCES app_users (id) ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS sessions_last_seen_idx ON sessions (last_seen_at);
CREATE INDEX IF NOT EXISTS sessions_user_idx ON sessions (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS app_settings (
  key        text PRIMARY KEY,
  value      text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS project_assignments (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES app_users (id) ON DELETE CASCADE,
  project_id  uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  assigned_at timestamptz NOT NULL DEFAULT now(),
  assigned_by uuid REFERENCES app_users (id) ON DELETE SET NULL,
  UNIQUE (user_id, project_id)
);

CREATE INDEX IF NOT EXISTS project_assignments_project_idx ON project_assignments (project_id);
CREATE INDEX IF NOT EXISTS project_assignments_user_idx ON project_assignments (user_id);

-- Source bindings -------------------------------------------------------------

CREATE TABLE IF NOT EXISTS project_sources (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  source_kind      text NOT NULL
                   CHECK (source_kind IN ('chatwoot_account', 'attio_workspace', 'linear_workspace')),
  external_id      text NOT NULL,
  meta             jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_kind, external_id),
  UNIQUE (project_id, source_kind)
);

-- Jobs ----------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS job_runs (
  id               bigserial PRIMARY KEY,
  job_name         text NOT NULL,
  status           text NOT NULL,
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  processed_count  int NOT NULL DEFAULT 0,
  error            text,
  meta             jsonb NOT NULL DEFAULT '{}'::jsonb,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT
);

CREATE INDEX IF NOT EXISTS job_runs_project_job_started_idx
  ON job_runs (project_id, job_name, started_at DESC);

-- Statuses running/suspended and started_at follow scheduler-and-intelligence.md §1.2.
CREATE TABLE IF NOT EXISTS scheduled_jobs (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  job_type         text NOT NULL,
  status           text NOT NULL DEFAULT 'active'
                   CHECK (status IN ('active', 'paused', 'running', 'suspended')),
  payload          jsonb NOT NULL DEFAULT '{}'::jsonb,
  cadence_seconds  int NOT NULL DEFAULT 900,
  next_run_at      timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  last_run_at      timestamptz,
  last_status      text,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, job_type)
);

CREATE INDEX IF NOT EXISTS scheduled_jobs_status_next_run_idx
  ON scheduled_jobs (status, next_run_at);

CREATE TABLE IF NOT EXISTS worker_runs (
  id               bigserial PRIMARY KEY,
  scheduled_job_id uuid REFERENCES scheduled_jobs (id) ON DELETE SET NULL,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  job_type         text NOT NULL,
  status           text NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  details          jsonb NOT NULL DEFAULT '{}'::jsonb,
  error            text
);

CREATE INDEX IF NOT EXISTS worker_runs_project_started_idx
  ON worker_runs (project_id, started_at DESC);

-- Scope guards -----------------------------------------------------------------------

CREATE OR REPLACE TRIGGER project_sources_scope_guard
  BEFORE INSERT OR UPDATE ON project_sources
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER job_runs_scope_guard
  BEFORE INSERT OR UPDATE ON job_runs
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER scheduled_jobs_scope_guard
  BEFORE INSERT OR UPDATE ON scheduled_jobs
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER worker_runs_scope_guard
  BEFORE INSERT OR UPDATE ON worker_runs
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();

-- Seeds (§2.2) ---------------------------------------------------------------------------

INSERT INTO account_scopes (scope_key, name)
VALUES ('default', 'Default account scope')
ON CONFLICT (scope_key) DO NOTHING;

INSERT INTO projects (name, account_scope_id)
SELECT '__legacy_scope__', s.id
FROM account_scopes AS s
WHERE s.scope_key = 'default'
  AND NOT EXISTS (
    SELECT 1 FROM projects AS p WHERE lower(btrim(p.name)) = '__legacy_scope__'
  );
