-- 0010 portfolio dashboard materialized view (one row per project).
-- Spec: data-model.md §3.7 (mv_portfolio_dashboard); scheduler-and-intelligence.md §2.2, §5.
-- Refreshed with REFRESH MATERIALIZED VIEW CONCURRENTLY, which needs the unique index.

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_portfolio_dashboard AS
SELECT
  p.id                                               AS project_id,
  p.account_scope_id,
  p.name                                             AS project_name,
  COALESCE(msg.messages_7d, 0)::int                  AS messages_7d,
  COALESCE(lin.open_issues, 0)::int                  AS linear_open_issues,
  COALESCE(att.pipeline_amount, 0)::numeric(14,2)    AS attio_pipeline_amount,
  COALESCE(att.expected_revenue, 0)::numeric(14,2)   AS attio_expected_revenue,
  COALESCE(crm.pipeline_amount, 0)::numeric(14,2)    AS crm_pipeline_amount,
  COALESCE(crm.expected_revenue, 0)::numeric(14,2)   AS expected_revenue,
  COALESCE(hs.score, 0)::numeric(6,2)                AS health_score,
  COALESCE(risk.risks_open, 0)::int                  AS risks_open
FROM projects AS p
LEFT JOIN (
  SELECT project_id, account_scope_id,
         count(*) FILTER (WHERE created_at > now() - interval '7 days') AS messages_7d
  FROM cw_messages
  GROUP BY project_id, account_scope_id
) AS msg ON msg.project_id = p.id AND msg.account_scope_id = p.account_scope_id
LEFT JOIN (
  SELECT project_id, account_scope_id,
         count(*) FILTER (WHERE completed_at IS NULL) AS open_issues
  FROM linear_issues_raw
  GROUP BY project_id, account_scope_id
) AS lin ON lin.project_id = p.id AND lin.account_scope_id = p.account_scope_id
LEFT JOIN (
  SELECT project_id, account_scope_id,
         sum(amount)               AS pipeline_amount,
         sum(amount * probability) AS expected_revenue
  FROM attio_opportunities_raw
  WHERE lower(COALESCE(stage, '')) NOT IN ('won', 'lost', 'closed-won', 'closed-lost')
  GROUP BY project_id, account_scope_id
) AS att ON att.project_id = p.id AND att.account_scope_id = p.account_scope_id
LEFT JOIN (
  SELECT project_id, account_scope_id,
         sum(amount_estimate)               AS pipeline_amount,
         sum(amount_estimate * probability) AS expected_revenue
  FROM crm_opportunities
  WHERE source_system <> 'attio'
    AND stage NOT IN ('won', 'lost')
  GROUP BY project_id, account_scope_id
) AS crm ON crm.project_id = p.id AND crm.account_scope_id = p.account_scope_id
LEFT JOIN (
  SELECT DISTINCT ON (project_id, account_scope_id)
         project_id, account_scope_id, score
  FROM health_scores
  ORDER BY project_id, account_scope_id, generated_at DESC, id
) AS hs ON hs.project_id = p.id AND hs.account_scope_id = p.account_scope_id
LEFT JOIN (
  SELECT project_id, account_scope_id, count(*) AS risks_open
  FROM risk_radar_items
  WHERE status <> 'closed'
  GROUP BY project_id, account_scope_id
) AS risk ON risk.project_id = p.id AND risk.account_scope_id = p.account_scope_id
WITH DATA;

CREATE UNIQUE INDEX IF NOT EXISTS mv_portfolio_dashboard_project_uidx
  ON mv_portfolio_dashboard (project_id);
CREATE INDEX IF NOT EXISTS mv_portfolio_dashboard_scope_idx
  ON mv_portfolio_dashboard (account_scope_id, project_id);
