-- 0005 RAG chunks, LightRAG runs and feedback, search analytics, provider usage.
-- Spec: data-model.md §3.4, §4 (embedding storage without pgvector), §1.4 (rag_chunks
--       autovacuum), §6 (labctl additions); rag.md §2, §4, §5.7, §5.8, §5.11.
-- The LightRAG canonical layer (source_documents, entities, ...) is not created, so
-- rag_chunks.document_ref is a plain text column without its foreign key.

CREATE TABLE IF NOT EXISTS rag_chunks (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_global_id text,
  message_global_id      text,
  chunk_index            int,
  text                   text NOT NULL,
  embedding              real[],
  embedding_status       text NOT NULL DEFAULT 'pending'
                         CHECK (embedding_status IN ('pending', 'processing', 'ready', 'failed')),
  embedding_model        text,
  created_at             timestamptz NOT NULL DEFAULT now(),
  text_hash              text,
  content_tokens         int,
  updated_at             timestamptz NOT NULL DEFAULT now(),
  last_embedded_at       timestamptz,
  embedding_attempts     int NOT NULL DEFAULT 0,
  embedding_error        text,
  project_id             uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id       uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  document_ref           text,
  chunk_ref              text UNIQUE,
  chunk_hash             text,
  token_count            int,
  start_offset           int,
  end_offset             int,
  acl_tags               text[] NOT NULL DEFAULT '{}'::text[],
  embedding_dim          int CHECK (embedding_dim > 0),
  source_created_at      timestamptz,
  UNIQUE (message_global_id, chunk_index),
  CONSTRAINT rag_chunks_embedding_length_check CHECK (
    embedding IS NULL
    OR COALESCE(array_ndims(embedding) = 1 AND array_length(embedding, 1) = embedding_dim, false)
  )
);

CREATE INDEX IF NOT EXISTS rag_chunks_conversation_idx
  ON rag_chunks (conversation_global_id);
CREATE INDEX IF NOT EXISTS rag_chunks_message_idx
  ON rag_chunks (message_global_id);
CREATE INDEX IF NOT EXISTS rag_chunks_text_hash_idx
  ON rag_chunks (text_hash);
CREATE INDEX IF NOT EXISTS rag_chunks_status_created_idx
  ON rag_chunks (embedding_status, created_at DESC);
CREATE INDEX IF NOT EXISTS rag_chunks_project_status_created_idx
  ON rag_chunks (project_id, embedding_status, created_at DESC);
CREATE INDEX IF NOT EXISTS rag_chunks_document_chunk_idx
  ON rag_chunks (document_ref, chunk_index);
CREATE INDEX IF NOT EXISTS rag_chunks_chunk_hash_idx
  ON rag_chunks (chunk_hash) WHERE chunk_hash IS NOT NULL;
CREATE INDEX IF NOT EXISTS rag_chunks_acl_tags_idx
  ON rag_chunks USING gin (acl_tags);
CREATE INDEX IF NOT EXISTS rag_chunks_pending_queue_idx
  ON rag_chunks (project_id, created_at) WHERE embedding_status = 'pending';
CREATE INDEX IF NOT EXISTS rag_chunks_project_source_created_idx
  ON rag_chunks (project_id, source_created_at);

ALTER TABLE rag_chunks SET (
  autovacuum_vacuum_scale_factor = 0.02,
  autovacuum_analyze_scale_factor = 0.01
);

CREATE TABLE IF NOT EXISTS lightrag_query_runs (
  id               bigserial PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  query_text       text NOT NULL,
  top_k            int NOT NULL DEFAULT 10,
  chunk_hits       int NOT NULL DEFAULT 0,
  source_hits      int NOT NULL DEFAULT 0,
  evidence         jsonb NOT NULL DEFAULT '[]'::jsonb,
  answer           text NOT NULL DEFAULT '',
  created_by       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  quality_score    numeric(5,2) CHECK (quality_score BETWEEN 0 AND 100),
  source_diversity int NOT NULL DEFAULT 0
);

CREATE INDEX IF NOT EXISTS lightrag_query_runs_project_created_idx
  ON lightrag_query_runs (project_id, created_at DESC);
CREATE INDEX IF NOT EXISTS lightrag_query_runs_scope_created_idx
  ON lightrag_query_runs (account_scope_id, created_at DESC);

CREATE TABLE IF NOT EXISTS lightrag_feedback (
  id               bigserial PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  query_run_id     bigint NOT NULL REFERENCES lightrag_query_runs (id) ON DELETE CASCADE,
  rating           smallint NOT NULL CHECK (rating IN (-1, 0, 1)),
  comment          text,
  created_by       text,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS lightrag_feedback_run_created_idx
  ON lightrag_feedback (query_run_id, created_at DESC);
CREATE INDEX IF NOT EXISTS lightrag_feedback_project_created_idx
  ON lightrag_feedback (project_id, created_at DESC);

-- rag.md §5.11; column order follows the reference table (0032/0035).
CREATE TABLE IF NOT EXISTS search_analytics (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  query               text NOT NULL,
  result_count        int NOT NULL DEFAULT 0,
  filters             jsonb NOT NULL DEFAULT '{}'::jsonb,
  user_id             uuid REFERENCES app_users (id) ON DELETE SET NULL,
  project_id          uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id    uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  clicked_result_id   text,
  clicked_source_type text,
  event_type          text NOT NULL DEFAULT 'search'
                      CHECK (event_type IN ('search', 'click', 'suggestion')),
  duration_ms         int,
  created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS search_analytics_created_idx
  ON search_analytics (created_at DESC);
CREATE INDEX IF NOT EXISTS search_analytics_user_idx
  ON search_analytics (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS search_analytics_project_scope_created_idx
  ON search_analytics (project_id, account_scope_id, created_at DESC);
CREATE INDEX IF NOT EXISTS search_analytics_scope_event_created_idx
  ON search_analytics (account_scope_id, event_type, created_at DESC);

-- labctl addition (data-model.md §6): per-project provider cost ledger for `labctl usage`.
CREATE TABLE IF NOT EXISTS provider_usage (
  id               bigserial PRIMARY KEY,
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  provider         text NOT NULL,
  model            text NOT NULL,
  operation        text NOT NULL,
  inputs           int NOT NULL DEFAULT 0,
  tokens           int NOT NULL DEFAULT 0,
  cost_usd         numeric(12,6) NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS provider_usage_project_created_idx
  ON provider_usage (project_id, created_at);

CREATE OR REPLACE TRIGGER rag_chunks_scope_guard
  BEFORE INSERT OR UPDATE ON rag_chunks
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER lightrag_query_runs_scope_guard
  BEFORE INSERT OR UPDATE ON lightrag_query_runs
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER lightrag_feedback_scope_guard
  BEFORE INSERT OR UPDATE ON lightrag_feedback
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER search_analytics_scope_guard
  BEFORE INSERT OR UPDATE ON search_analytics
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
CREATE OR REPLACE TRIGGER provider_usage_scope_guard
  BEFORE INSERT OR UPDATE ON provider_usage
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
