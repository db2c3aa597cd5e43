-- 0002 ingestion raw layer, Chatwoot.
-- Spec: data-model.md §3.2 (cw_* tables), §1.4 (cw_messages autovacuum), §6 (keyword-search trgm);
--       connectors.md §2 (Chatwoot mapping); rag.md §5.3 (cw_messages.content keyword search).

CREATE TABLE IF NOT EXISTS cw_contacts (
  id                text PRIMARY KEY,
  account_id        bigint NOT NULL,
  contact_id        bigint NOT NULL,
  name              text,
  email             text,
  phone_number      text,
  identifier        text,
  custom_attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
  data              jsonb NOT NULL,
  updated_at        timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  project_id        uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id  uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT
);

CREATE UNIQUE INDEX IF NOT EXISTS cw_contacts_account_contact_uidx
  ON cw_contacts (account_id, contact_id);
CREATE INDEX IF NOT EXISTS cw_contacts_updated_idx
  ON cw_contacts (updated_at DESC NULLS LAST);
CREATE INDEX IF NOT EXISTS cw_contacts_project_updated_idx
  ON cw_contacts (project_id, updated_at DESC NULLS LAST);
CREATE INDEX IF NOT EXISTS cw_contacts_name_trgm_idx
  ON cw_contacts USING gin (name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS cw_contacts_email_trgm_idx
  ON cw_contacts USING gin (email gin_trgm_ops);
CREATE INDEX IF NOT EXISTS cw_contacts_scope_ts_idx
  ON cw_contacts (project_id, account_scope_id, (COALESCE(updated_at, created_at)));

CREATE TABLE IF NOT EXISTS cw_conversations (
  id                text PRIMARY KEY,
  account_id        bigint,
  conversation_id   bigint,
  data              jsonb NOT NULL,
  updated_at        timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  contact_global_id text,
  inbox_id          bigint,
  status            text,
  assignee_id       bigint,
  project_id        uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id  uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT
);

CREATE INDEX IF NOT EXISTS cw_conversations_project_ts_idx
  ON cw_conversations (project_id, (COALESCE(updated_at, created_at)) DESC);

CREATE TABLE IF NOT EXISTS cw_messages (
  id                     text PRIMARY KEY,
  account_id             bigint,
  message_id             bigint,
  conversation_id        bigint,
  content                text,
  data                   jsonb NOT NULL,
  created_at             timestamptz,
  conversation_global_id text,
  contact_global_id      text,
  sender_type            text,
  sender_id              bigint,
  private                boolean NOT NULL DEFAULT false,
  message_type           text,
  updated_at             timestamptz,
  project_id             uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id       uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT
);

CREATE INDEX IF NOT EXISTS cw_messages_conversation_idx
  ON cw_messages (conversation_id);
CREATE INDEX IF NOT EXISTS cw_messages_conversation_global_idx
  ON cw_messages (conversation_global_id);
CREATE INDEX IF NOT EXISTS cw_messages_contact_global_idx
  ON cw_messages (contact_global_id);
CREATE INDEX IF NOT EXISTS cw_messages_created_idx
  ON cw_messages (created_at DESC);
CREATE INDEX IF NOT EXISTS cw_messages_account_created_idx
  ON cw_messages (account_id, created_at DESC);
CREATE INDEX IF NOT EXISTS cw_messages_project_created_idx
  ON cw_messages (project_id, created_at DESC NULLS LAST);
CREATE INDEX IF NOT EXISTS cw_messages_content_trgm_idx
  ON cw_messages USING gin (content gin_trgm_ops);
CREATE INDEX IF NOT EXISTS cw_messages_scope_ts_idx
  ON cw_messages (project_id, account_scope_id, (COALESCE(updated_at, created_at)));

ALTER TABLE cw_messages SET (
  autovacuum_vacuum_scale_factor = 0.05,
  autovacuum_analyze_scale_factor = 0.02
);

CREATE TABLE IF NOT EXISTS cw_inboxes_raw (
  id               text PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  account_id       bigint NOT NULL,
  inbox_id         bigint NOT NULL,
  name             text,
  channel_type     text,
  data             jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at       timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, account_id, inbox_id)
);

CREATE INDEX IF NOT EXISTS cw_inboxes_raw_project_updated_idx
  ON cw_inboxes_raw (project_id, updated_at DESC NULLS LAST);

CREATE TABLE IF NOT EXISTS cw_attachments_raw (
  id                     text PRIMARY KEY,
  project_id             uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id       uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  account_id             bigint NOT NULL,
  message_global_id      text NOT NULL REFERENCES cw_messages (id) ON DELETE CASCADE,
  conversation_global_id text REFERENCES cw_conversations (id) ON DELETE SET NULL,
  content_type           text,
  file_size              bigint,
  file_url               text,
  thumb_url              text,
  payload                jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz
);

CREATE INDEX IF NOT EXISTS cw_attachments_raw_project_message_updated_idx
  ON cw_attachments_raw (project_id, message_global_id, updated_at DESC NULLS LAST);

CREATE OR REPLACE TRIGGER cw_contacts_scope_guard
  BEFORE INSERT OR UPDATE ON cw_contacts
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER cw_conversations_scope_guard
  BEFORE INSERT OR UPDATE ON cw_conversations
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER cw_messages_scope_guard
  BEFORE INSERT OR UPDATE ON cw_messages
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER cw_inboxes_raw_scope_guard
  BEFORE INSERT OR UPDATE ON cw_inboxes_raw
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER cw_attachments_raw_scope_guard
  BEFORE INSERT OR UPDATE ON cw_attachments_raw
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
