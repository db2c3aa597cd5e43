-- 0012 Chunk counts by embedding status (rag.md §7, `lightrag status`, GET /lightrag/status).
-- Chunk rows carry their vectors inline (384 floats fit under the TOAST threshold), so counting a
-- scope's chunks by status read the whole table: 470 ms at 100k chunks; 12 ms as an index-only scan.
CREATE INDEX IF NOT EXISTS rag_chunks_scope_status_idx ON rag_chunks (project_id, account_scope_id, embedding_status);
