-- 0015 A scheduled run's two records, linked.
-- Spec: scheduler-and-intelligence.md §1.4, §1.8, §9 ("scheduled runs absent from job_runs" →
-- written there too). Each worker run names its job_runs row, so whatever settles a worker run —
-- success, failure, the lease, a forced shutdown — settles that row with it.
ALTER TABLE worker_runs ADD COLUMN IF NOT EXISTS job_run_id bigint REFERENCES job_runs (id) ON DELETE SET NULL;
