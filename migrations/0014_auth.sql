-- 0014 Authentication state the reference kept in memory or lost.
-- Spec: api.md §2.2–2.3 ([Δ] counters in PostgreSQL, so that the login limit holds across several
-- `serve` processes on one database; auth events recorded instead of silently rejected).

-- Failed logins per (client ip, normalised username): a fixed window opened by the first failure.
CREATE TABLE IF NOT EXISTS login_failures (
  attempt_key       text PRIMARY KEY,
  failures          int NOT NULL DEFAULT 0,
  window_started_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS login_failures_window_idx ON login_failures (window_started_at);

-- auth.login, auth.login_failed, auth.logout: no project, so not audit_events rows.
CREATE TABLE IF NOT EXISTS auth_events (
  id         bigserial PRIMARY KEY,
  action     text NOT NULL,
  username   text,
  user_id    uuid REFERENCES app_users (id) ON DELETE SET NULL,
  client_ip  text,
  status     text NOT NULL DEFAULT 'ok',
  request_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS auth_events_created_idx ON auth_events (created_at DESC);
