-- 0011 Vector search without pgvector (rag.md §6; issue 4).
-- labctl keeps one hnswlib index per (project, account scope, embedding model) in a file and
-- brings it up to date from PostgreSQL, which stays the source of truth:
--   * vector_label: the int64 label of a chunk in the index (hnswlib labels are integers);
--   * rag_chunks_project_updated_idx: catch-up reads the scope's rows changed since a watermark;
--   * rag_vector_removals: deleted chunks leave their label here, since a deleted row cannot be
--     found by its updated_at;
--   * rag_scope_models: the models (and dimensions) a scope has vectors of, so a query embeds
--     itself once per model without scanning the chunks.

ALTER TABLE rag_chunks ADD COLUMN IF NOT EXISTS vector_label bigint GENERATED ALWAYS AS IDENTITY;
CREATE UNIQUE INDEX IF NOT EXISTS rag_chunks_vector_label_idx ON rag_chunks (vector_label);
CREATE INDEX IF NOT EXISTS rag_chunks_project_updated_idx ON rag_chunks (project_id, updated_at);

CREATE TABLE IF NOT EXISTS rag_vector_removals (
  vector_label     bigint NOT NULL,
  project_id       uuid NOT NULL,
  account_scope_id uuid NOT NULL,
  removed_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS rag_vector_removals_project_removed_idx
  ON rag_vector_removals (project_id, removed_at);

CREATE OR REPLACE FUNCTION record_rag_vector_removal()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF OLD.embedding IS NOT NULL THEN
    INSERT INTO rag_vector_removals (vector_label, project_id, account_scope_id)
    VALUES (OLD.vector_label, OLD.project_id, OLD.account_scope_id);
  END IF;
  RETURN OLD;
END $$;

CREATE OR REPLACE TRIGGER rag_chunks_vector_removal
  AFTER DELETE ON rag_chunks
  FOR EACH ROW EXECUTE FUNCTION record_rag_vector_removal();

CREATE TABLE IF NOT EXISTS rag_scope_models (
  project_id       uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  account_scope_id uuid NOT NULL REFERENCES account_scopes (id) ON DELETE RESTRICT,
  embedding_model  text NOT NULL,
  embedding_dim    int NOT NULL CHECK (embedding_dim > 0),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, account_scope_id, embedding_model, embedding_dim)
);

CREATE OR REPLACE TRIGGER rag_scope_models_scope_guard
  BEFORE INSERT OR UPDATE ON rag_scope_models
  FOR EACH ROW EXECUTE FUNCTION enforce_project_scope_match();
