-- 0007 CRM, offers, campaigns, identity, upsell, continuity and digests.
-- Spec: data-model.md §3.6 (incl. the owner-sync trigger pair of 0038);
--       scheduler-and-intelligence.md §2.5–2.6, §4, §6, §7.

CREATE TABLE IF NOT EXISTS crm_accounts (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  name             text NOT NULL,
  domain           text,
  external_ref     text,
  stage            text NOT NULL DEFAULT 'active'
                   CHECK (stage IN ('active', 'inactive', 'prospect')),
  owner_username   text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  source_system    text NOT NULL DEFAULT 'manual'
                   CHECK (source_system IN ('manual', 'attio', 'linear', 'chatwoot', 'system')),
  owner_user_id    uuid REFERENCES app_users (id) ON DELETE SET NULL,
  UNIQUE (project_id, name)
);

CREATE UNIQUE INDEX IF NOT EXISTS crm_accounts_project_external_ref_uidx
  ON crm_accounts (project_id, external_ref);
CREATE INDEX IF NOT EXISTS crm_accounts_project_stage_updated_idx
  ON crm_accounts (project_id, stage, updated_at DESC);
CREATE INDEX IF NOT EXISTS crm_accounts_project_source_updated_idx
  ON crm_accounts (project_id, source_system, updated_at DESC);
CREATE INDEX IF NOT EXISTS crm_accounts_owner_user_idx
  ON crm_accounts (owner_user_id) WHERE owner_user_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS owner_backfill_errors (
  id               bigserial PRIMARY KEY,
  entity_type      text NOT NULL CHECK (entity_type IN ('crm_account', 'crm_opportunity')),
  entity_id        uuid NOT NULL,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  owner_username   text NOT NULL,
  reason           text NOT NULL CHECK (reason IN ('username_not_found')),
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS owner_backfill_errors_entity_uidx
  ON owner_backfill_errors (entity_type, entity_id, owner_username, reason);
CREATE INDEX IF NOT EXISTS owner_backfill_errors_scope_created_idx
  ON owner_backfill_errors (account_scope_id, created_at DESC);

CREATE TABLE IF NOT EXISTS crm_account_contacts (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id        uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id  uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  account_id        uuid NOT NULL REFERENCES crm_accounts (id) ON DELETE CASCADE,
  contact_global_id text NOT NULL,
  role              text,
  is_primary        boolean NOT NULL DEFAULT false,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, account_id, contact_global_id)
);

CREATE INDEX IF NOT EXISTS crm_account_contacts_project_account_idx
  ON crm_account_contacts (project_id, account_id);

CREATE TABLE IF NOT EXISTS crm_opportunities (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id          uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id    uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  account_id          uuid NOT NULL REFERENCES crm_accounts (id) ON DELETE CASCADE,
  title               text NOT NULL,
  stage               text NOT NULL CHECK (stage IN (
                        'discovery', 'qualified', 'proposal', 'negotiation', 'won', 'lost')),
  amount_estimate     numeric(14,2) NOT NULL DEFAULT 0,
  probability         numeric(5,4) NOT NULL DEFAULT 0.1 CHECK (probability BETWEEN 0 AND 1),
  expected_close_date date,
  next_step           text NOT NULL,
  owner_username      text,
  evidence_refs       jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  external_ref        text,
  source_system       text NOT NULL DEFAULT 'manual'
                      CHECK (source_system IN ('manual', 'attio', 'linear', 'chatwoot', 'system')),
  owner_user_id       uuid REFERENCES app_users (id) ON DELETE SET NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS crm_opportunities_project_external_ref_uidx
  ON crm_opportunities (project_id, external_ref);
CREATE INDEX IF NOT EXISTS crm_opportunities_project_stage_close_idx
  ON crm_opportunities (project_id, stage, expected_close_date);
CREATE INDEX IF NOT EXISTS crm_opportunities_project_source_stage_close_idx
  ON crm_opportunities (project_id, source_system, stage, expected_close_date);
CREATE INDEX IF NOT EXISTS crm_opportunities_evidence_refs_idx
  ON crm_opportunities USING gin (evidence_refs jsonb_path_ops);
CREATE INDEX IF NOT EXISTS crm_opportunities_owner_user_idx
  ON crm_opportunities (owner_user_id) WHERE owner_user_id IS NOT NULL;

-- Owner sync (§3.6): BEFORE keeps owner_user_id and owner_username consistent;
-- AFTER logs a username that resolves to no user.
CREATE OR REPLACE FUNCTION sync_owner_reference_fields()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  resolved_user_id  uuid;
  resolved_username text;
BEGIN
  IF NEW.owner_user_id IS NOT NULL THEN
    SELECT u.id, u.username INTO resolved_user_id, resolved_username
    FROM app_users AS u
    WHERE u.id = NEW.owner_user_id;

    IF resolved_user_id IS NULL THEN
      RAISE EXCEPTION 'owner_user_id % not found for table %', NEW.owner_user_id, TG_TABLE_NAME;
    END IF;

    NEW.owner_username := resolved_username;
    RETURN NEW;
  END IF;

  IF NEW.owner_username IS NULL OR btrim(NEW.owner_username) = '' THEN
    NEW.owner_username := NULL;
    RETURN NEW;
  END IF;

  SELECT u.id, u.username INTO resolved_user_id, resolved_username
  FROM app_users AS u
  WHERE lower(u.username) = lower(NEW.owner_username)
  ORDER BY u.created_at, u.id
  LIMIT 1;

  IF resolved_user_id IS NOT NULL THEN
    NEW.owner_user_id := resolved_user_id;
    NEW.owner_username := resolved_username;
  END IF;

  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION log_unresolved_owner_reference()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  entity_name text;
BEGIN
  IF NEW.owner_user_id IS NOT NULL
     OR NEW.owner_username IS NULL OR btrim(NEW.owner_username) = '' THEN
    RETURN NEW;
  END IF;

  entity_name := CASE TG_TABLE_NAME
                   WHEN 'crm_accounts' THEN 'crm_account'
                   WHEN 'crm_opportunities' THEN 'crm_opportunity'
                 END;
  IF entity_name IS NULL THEN
    RETURN NEW;
  END IF;

  INSERT INTO owner_backfill_errors
    (entity_type, entity_id, project_id, account_scope_id, owner_username, reason)
  VALUES
    (entity_name, NEW.id, NEW.project_id, NEW.account_scope_id, NEW.owner_username,
     'username_not_found')
  ON CONFLICT (entity_type, entity_id, owner_username, reason) DO NOTHING;

  RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER crm_accounts_owner_sync_guard
  BEFORE INSERT OR UPDATE ON crm_accounts
  FOR EACH ROW EXECUTE FUNCTION sync_owner_reference_fields();
CREATE OR REPLACE TRIGGER crm_accounts_owner_log_guard
  AFTER INSERT OR UPDATE ON crm_accounts
  FOR EACH ROW EXECUTE FUNCTION log_unresolved_owner_reference();
CREATE OR REPLACE TRIGGER crm_opportunities_owner_sync_guard
  BEFORE INSERT OR UPDATE ON crm_opportunities
  FOR EACH ROW EXECUTE FUNCTION sync_owner_reference_fields();
CREATE OR REPLACE TRIGGER crm_opportunities_owner_log_guard
  AFTER INSERT OR UPDATE ON crm_opportunities
  FOR EACH ROW EXECUTE FUNCTION log_unresolved_owner_reference();

CREATE TABLE IF NOT EXISTS crm_opportunity_stage_events (
  id               bigserial PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  opportunity_id   uuid NOT NULL REFERENCES crm_opportunities (id) ON DELETE CASCADE,
  from_stage       text,
  to_stage         text NOT NULL,
  reason           text,
  actor_username   text NOT NULL,
  evidence_refs    jsonb NOT NULL DEFAULT '[]'::jsonb,
  audit_event_id   bigint REFERENCES audit_events (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS crm_opportunity_stage_events_project_created_idx
  ON crm_opportunity_stage_events (project_id, created_at DESC);

-- Offers ------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS offers (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id        uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id  uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  account_id        uuid REFERENCES crm_accounts (id) ON DELETE SET NULL,
  opportunity_id    uuid REFERENCES crm_opportunities (id) ON DELETE SET NULL,
  title             text NOT NULL,
  currency          text NOT NULL DEFAULT 'USD',
  subtotal          numeric(14,2) NOT NULL DEFAULT 0,
  discount_pct      numeric(5,2) NOT NULL DEFAULT 0 CHECK (discount_pct BETWEEN 0 AND 100),
  total             numeric(14,2) NOT NULL DEFAULT 0,
  status            text NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'approved', 'sent', 'signed', 'rejected')),
  generated_doc_url text,
  evidence_refs     jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_by        text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS offers_project_status_updated_idx
  ON offers (project_id, status, updated_at DESC);

CREATE TABLE IF NOT EXISTS offer_items (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  offer_id         uuid NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
  item_kind        text NOT NULL CHECK (item_kind IN ('package', 'addon', 'discount')),
  item_code        text NOT NULL,
  name             text NOT NULL,
  quantity         numeric(12,2) NOT NULL DEFAULT 1,
  unit_price       numeric(14,2) NOT NULL DEFAULT 0,
  line_total       numeric(14,2) NOT NULL DEFAULT 0,
  meta             jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS offer_items_project_offer_idx
  ON offer_items (project_id, offer_id);

CREATE TABLE IF NOT EXISTS offer_approvals (
  id               bigserial PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  offer_id         uuid NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
  action           text NOT NULL CHECK (action IN ('approve_discount', 'approve_send', 'reject')),
  actor_username   text NOT NULL,
  comment          text,
  evidence_refs    jsonb NOT NULL DEFAULT '[]'::jsonb,
  audit_event_id   bigint REFERENCES audit_events (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);

-- Campaigns (schema only) -------------------------------------------------------------

CREATE TABLE IF NOT EXISTS campaigns (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id             uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id       uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  name                   text NOT NULL,
  channel                text NOT NULL CHECK (channel IN ('email', 'chatwoot', 'telegram')),
  status                 text NOT NULL DEFAULT 'draft' CHECK (status IN (
                           'draft', 'approved', 'running', 'paused', 'completed', 'failed')),
  frequency_cap          int NOT NULL DEFAULT 3,
  frequency_window_hours int NOT NULL DEFAULT 24,
  stop_on_reply          boolean NOT NULL DEFAULT true,
  default_template       jsonb NOT NULL DEFAULT '{}'::jsonb,
  approved_by            text,
  approved_at            timestamptz,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS campaigns_project_status_updated_idx
  ON campaigns (project_id, status, updated_at DESC);

CREATE TABLE IF NOT EXISTS campaign_segments (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  campaign_id      uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  name             text NOT NULL,
  filter_spec      jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS campaign_members (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id        uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id  uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  campaign_id       uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  contact_global_id text NOT NULL,
  status            text NOT NULL DEFAULT 'pending' CHECK (status IN (
                      'pending', 'active', 'paused', 'completed', 'opted_out')),
  next_send_at      timestamptz,
  last_sent_at      timestamptz,
  sent_count        int NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, campaign_id, contact_global_id)
);

CREATE INDEX IF NOT EXISTS campaign_members_project_status_next_idx
  ON campaign_members (project_id, status, next_send_at);

CREATE TABLE IF NOT EXISTS campaign_events (
  id               bigserial PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  campaign_id      uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  member_id        uuid REFERENCES campaign_members (id) ON DELETE CASCADE,
  event_type       text NOT NULL CHECK (event_type IN (
                     'approved', 'sent', 'failed', 'reply_detected', 'opt_out', 'frequency_block')),
  payload          jsonb NOT NULL DEFAULT '{}'::jsonb,
  evidence_refs    jsonb NOT NULL DEFAULT '[]'::jsonb,
  audit_event_id   bigint REFERENCES audit_events (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS campaign_events_project_created_idx
  ON campaign_events (project_id, created_at DESC);

-- Identity graph ---------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS identity_link_suggestions (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id        uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id  uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  left_entity_type  text NOT NULL,
  left_entity_id    text NOT NULL,
  right_entity_type text NOT NULL,
  right_entity_id   text NOT NULL,
  confidence        numeric(5,4) NOT NULL DEFAULT 0.5 CHECK (confidence BETWEEN 0 AND 1),
  reason            text,
  status            text NOT NULL DEFAULT 'proposed'
                    CHECK (status IN ('proposed', 'applied', 'dismissed')),
  dedupe_key        text NOT NULL,
  evidence_refs     jsonb NOT NULL DEFAULT '[]'::jsonb,
  meta              jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, dedupe_key)
);

CREATE INDEX IF NOT EXISTS identity_link_suggestions_project_status_conf_idx
  ON identity_link_suggestions (project_id, status, confidence DESC);

CREATE TABLE IF NOT EXISTS identity_links (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id        uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id  uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  left_entity_type  text NOT NULL,
  left_entity_id    text NOT NULL,
  right_entity_type text NOT NULL,
  right_entity_id   text NOT NULL,
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
  source            text NOT NULL DEFAULT 'manual'
                    CHECK (source IN ('manual', 'suggestion', 'system')),
  evidence_refs     jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_by        text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, left_entity_type, left_entity_id, right_entity_type, right_entity_id)
);

CREATE INDEX IF NOT EXISTS identity_links_project_status_created_idx
  ON identity_links (project_id, status, created_at DESC);

-- Upsell and continuity --------------------------------------------------------------

CREATE TABLE IF NOT EXISTS upsell_opportunities (
  id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id                 uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id           uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  account_external_id        text,
  source_ref                 text,
  title                      text NOT NULL,
  rationale                  text,
  score                      numeric(5,4) NOT NULL DEFAULT 0.5 CHECK (score BETWEEN 0 AND 1),
  status                     text NOT NULL DEFAULT 'proposed'
                             CHECK (status IN ('proposed', 'accepted', 'dismissed', 'converted')),
  suggested_offer_payload    jsonb NOT NULL DEFAULT '{}'::jsonb,
  suggested_outbound_payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  evidence_refs              jsonb NOT NULL DEFAULT '[]'::jsonb,
  dedupe_key                 text NOT NULL,
  created_at                 timestamptz NOT NULL DEFAULT now(),
  updated_at                 timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, dedupe_key)
);

CREATE INDEX IF NOT EXISTS upsell_opportunities_project_status_score_idx
  ON upsell_opportunities (project_id, status, score DESC);

CREATE TABLE IF NOT EXISTS continuity_actions (
  id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id               uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id         uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  source_type              text NOT NULL CHECK (source_type IN ('attio', 'chatwoot', 'hybrid')),
  source_ref               text NOT NULL,
  title                    text NOT NULL,
  description              text,
  preview_payload          jsonb NOT NULL DEFAULT '{}'::jsonb,
  linear_issue_external_id text,
  status                   text NOT NULL DEFAULT 'previewed'
                           CHECK (status IN ('previewed', 'applied', 'dismissed', 'failed')),
  evidence_refs            jsonb NOT NULL DEFAULT '[]'::jsonb,
  dedupe_key               text NOT NULL,
  created_by               text,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, dedupe_key)
);

CREATE INDEX IF NOT EXISTS continuity_actions_project_status_created_idx
  ON continuity_actions (project_id, status, created_at DESC);

-- Digests ----------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS daily_digests (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  digest_date      date NOT NULL,
  summary          jsonb NOT NULL DEFAULT '{}'::jsonb,
  evidence_refs    jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, digest_date)
);

CREATE TABLE IF NOT EXISTS weekly_digests (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  week_start       date NOT NULL,
  summary          jsonb NOT NULL DEFAULT '{}'::jsonb,
  evidence_refs    jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, week_start)
);

-- Scope guards -------------------------------------------------------------------------

CREATE OR REPLACE TRIGGER crm_accounts_scope_guard
  BEFORE INSERT OR UPDATE ON crm_accounts
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER owner_backfill_errors_scope_guard
  BEFORE INSERT OR UPDATE ON owner_backfill_errors
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER crm_account_contacts_scope_guard
  BEFORE INSERT OR UPDATE ON crm_account_contacts
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER crm_opportunities_scope_guard
  BEFORE INSERT OR UPDATE ON crm_opportunities
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER crm_opportunity_stage_events_scope_guard
  BEFORE INSERT OR UPDATE ON crm_opportunity_stage_events
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER offers_scope_guard
  BEFORE INSERT OR UPDATE ON offers
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER offer_items_scope_guard
  BEFORE INSERT OR UPDATE ON offer_items
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER offer_approvals_scope_guard
  BEFORE INSERT OR UPDATE ON offer_approvals
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER campaigns_scope_guard
  BEFORE INSERT OR UPDATE ON campaigns
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER campaign_segments_scope_guard
  BEFORE INSERT OR UPDATE ON campaign_segments
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER campaign_members_scope_guard
  BEFORE INSERT OR UPDATE ON campaign_members
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER campaign_events_scope_guard
  BEFORE INSERT OR UPDATE ON campaign_events
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER identity_link_suggestions_scope_guard
  BEFORE INSERT OR UPDATE ON identity_link_suggestions
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER identity_links_scope_guard
  BEFORE INSERT OR UPDATE ON identity_links
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER upsell_opportunities_scope_guard
  BEFORE INSERT OR UPDATE ON upsell_opportunities
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER continuity_actions_scope_guard
  BEFORE INSERT OR UPDATE ON continuity_actions
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER daily_digests_scope_guard
  BEFORE INSERT OR UPDATE ON daily_digests
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER weekly_digests_scope_guard
  BEFORE INSERT OR UPDATE ON weekly_digests
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
