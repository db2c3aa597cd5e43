-- 0013 One index entry per distinct chunk text (rag.md §6; issue 4).
-- The same text embedded by the same model is the same vector, and chat data repeats itself
-- ("Thanks!", templates, quoted replies): in the sandbox 101k chunks hold 20k distinct texts.
-- Identical vectors fill each other's neighbour lists and starve the HNSW graph (recall@10 stayed
-- at 0.85–0.93 from ef 40 to ef 400), so an index holds each distinct text once:
--   * vector_key: the index label, the first 64 bits of md5(text), shared by every chunk with
--     that text; a search hit expands to the scope's first ready chunks with the key;
--   * rag_vector_removals now records keys: a deleted chunk, or one whose text (or scope) changed
--     while it had a vector, leaves its old key, which the index drops unless another ready chunk
--     still has it.
-- Index files of the label era are not read again (their file name differs); they are rebuilt.

ALTER TABLE rag_chunks ADD COLUMN IF NOT EXISTS vector_key bigint
  GENERATED ALWAYS AS (('x' || left(md5(text), 16))::bit(64)::bigint) STORED;
-- A hit reads the first chunks of its key in id order and stops: a common text ("Thanks!") has
-- thousands of chunks, and the same text in other projects has the same key.
CREATE INDEX IF NOT EXISTS rag_chunks_project_vector_key_idx ON rag_chunks (project_id, vector_key, id);

DROP TRIGGER IF EXISTS rag_chunks_vector_removal ON rag_chunks;
DROP INDEX IF EXISTS rag_chunks_vector_label_idx;
ALTER TABLE rag_chunks DROP COLUMN IF EXISTS vector_label;

TRUNCATE rag_vector_removals;
ALTER TABLE rag_vector_removals DROP COLUMN IF EXISTS vector_label;
ALTER TABLE rag_vector_removals ADD COLUMN IF NOT EXISTS vector_key bigint NOT NULL;

CREATE OR REPLACE FUNCTION record_rag_vector_removal()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  INSERT INTO rag_vector_removals (vector_key, project_id, account_scope_id)
  VALUES (OLD.vector_key, OLD.project_id, OLD.account_scope_id);
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER rag_chunks_vector_removal
  AFTER DELETE ON rag_chunks
  FOR EACH ROW WHEN (OLD.embedding IS NOT NULL)
  EXECUTE FUNCTION record_rag_vector_removal();

CREATE OR REPLACE TRIGGER rag_chunks_vector_rekey
  AFTER UPDATE OF text, project_id, account_scope_id ON rag_chunks
  FOR EACH ROW WHEN (OLD.embedding IS NOT NULL AND (OLD.vector_key, OLD.project_id, OLD.account_scope_id)
                     IS DISTINCT FROM (NEW.vector_key, NEW.project_id, NEW.account_scope_id))
  EXECUTE FUNCTION record_rag_vector_removal();
