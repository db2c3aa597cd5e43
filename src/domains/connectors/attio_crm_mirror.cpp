#include "labctl/domains/connectors/attio_crm_mirror.hpp"

namespace labctl::connectors {
namespace {

// The newest raw account per external id, with the CRM's name fallback and stage.
constexpr const char* kSources = R"(WITH src AS (
  SELECT DISTINCT ON (external_id)
         external_id AS ref,
         COALESCE(NULLIF(btrim(name), ''), external_id) AS name,
         NULLIF(btrim(domain), '') AS domain,
         CASE WHEN lower(stage) IN ('active', 'customer', 'won', 'closed-won') THEN 'active'
              WHEN lower(stage) IN ('inactive', 'churned', 'lost', 'closed-lost') THEN 'inactive'
              ELSE 'prospect' END AS stage
    FROM attio_accounts_raw
   WHERE project_id = $1
   ORDER BY external_id, updated_at DESC NULLS LAST
) )";

// 1. Rows already carrying the ref take the source's name (unless another row has it),
//    domain and stage.
constexpr const char* kUpdateByRef = R"(
UPDATE crm_accounts a
   SET name = t.name, domain = t.domain, stage = t.stage, source_system = 'attio', updated_at = now()
  FROM (SELECT c.id,
               CASE WHEN EXISTS (SELECT 1 FROM crm_accounts o
                                  WHERE o.project_id = $1 AND o.name = s.name AND o.id <> c.id)
                    THEN c.name ELSE s.name END AS name,
               s.domain, s.stage
          FROM crm_accounts c JOIN src s ON c.project_id = $1 AND c.external_ref = s.ref) t
 WHERE a.id = t.id
   AND (a.name, a.domain, a.stage, a.source_system) IS DISTINCT FROM (t.name, t.domain, t.stage, 'attio'))";

// 2. A manual row with the same name (case-insensitive) adopts the ref, unless it is taken.
constexpr const char* kAttachByName = R"(
UPDATE crm_accounts a
   SET external_ref = s.ref, domain = COALESCE(s.domain, a.domain), stage = s.stage,
       source_system = 'attio', updated_at = now()
  FROM (SELECT DISTINCT ON (lower(name)) * FROM src ORDER BY lower(name), ref) s
 WHERE a.project_id = $1 AND a.external_ref IS NULL AND lower(a.name) = lower(s.name)
   AND NOT EXISTS (SELECT 1 FROM crm_accounts o WHERE o.project_id = $1 AND o.external_ref = s.ref))";

// 3. The rest become new rows (one per name: UNIQUE(project_id, name)).
constexpr const char* kInsertRest = R"(
INSERT INTO crm_accounts (project_id, account_scope_id, name, domain, external_ref, stage, source_system)
SELECT DISTINCT ON (lower(s.name)) $1, $2, s.name, s.domain, s.ref, s.stage, 'attio'
  FROM src s
 WHERE NOT EXISTS (SELECT 1 FROM crm_accounts a
                    WHERE a.project_id = $1 AND (a.external_ref = s.ref OR lower(a.name) = lower(s.name)))
 ORDER BY lower(s.name), s.ref
ON CONFLICT (project_id, external_ref) DO UPDATE
   SET name = excluded.name, domain = excluded.domain, stage = excluded.stage,
       source_system = 'attio', updated_at = now())";

// 4. The newest deal per ref whose account resolves to a CRM account.
constexpr const char* kOpportunities = R"(
WITH deal AS (
  SELECT DISTINCT ON (external_id) *
    FROM attio_opportunities_raw
   WHERE project_id = $1
   ORDER BY external_id, updated_at DESC NULLS LAST
), mapped AS (
  SELECT a.id AS account_id,
         COALESCE(NULLIF(btrim(d.title), ''), d.external_id) AS title,
         CASE WHEN lower(d.stage) IN ('won', 'closed-won') THEN 'won'
              WHEN lower(d.stage) IN ('lost', 'closed-lost') THEN 'lost'
              WHEN lower(d.stage) IN ('proposal', 'proposal_sent') THEN 'proposal'
              WHEN lower(d.stage) IN ('negotiation', 'qualified') THEN lower(d.stage)
              ELSE 'discovery' END AS stage,
         COALESCE(d.amount, 0) AS amount_estimate,
         LEAST(1, GREATEST(0, COALESCE(d.probability, 0.1))) AS probability,
         d.expected_close_date,
         COALESCE(NULLIF(btrim(d.next_step), ''), 'Review next action') AS next_step,
         d.external_id AS external_ref
    FROM deal d
    JOIN crm_accounts a ON a.project_id = $1 AND a.external_ref = d.account_external_id
)
INSERT INTO crm_opportunities AS o (project_id, account_scope_id, account_id, title, stage, amount_estimate,
                                    probability, expected_close_date, next_step, evidence_refs, external_ref,
                                    source_system)
SELECT $1, $2, account_id, title, stage, amount_estimate, probability, expected_close_date, next_step, '[]'::jsonb,
       external_ref, 'attio'
  FROM mapped
ON CONFLICT (project_id, external_ref) DO UPDATE
   SET account_id = excluded.account_id, title = excluded.title, stage = excluded.stage,
       amount_estimate = excluded.amount_estimate, probability = excluded.probability,
       expected_close_date = excluded.expected_close_date, next_step = excluded.next_step,
       source_system = 'attio', updated_at = now()
 WHERE (o.account_id, o.title, o.stage, o.amount_estimate, o.probability, o.expected_close_date, o.next_step,
        o.source_system)
       IS DISTINCT FROM (excluded.account_id, excluded.title, excluded.stage, excluded.amount_estimate,
                         excluded.probability, excluded.expected_close_date, excluded.next_step, 'attio'))";

constexpr const char* kCoverage = R"(
SELECT (SELECT count(*) FROM attio_accounts_raw WHERE project_id = $1),
       (SELECT count(*) FROM crm_accounts
         WHERE project_id = $1 AND source_system = 'attio' AND external_ref IS NOT NULL),
       (SELECT count(*) FROM attio_opportunities_raw WHERE project_id = $1),
       (SELECT count(*) FROM crm_opportunities
         WHERE project_id = $1 AND source_system = 'attio' AND external_ref IS NOT NULL),
       (SELECT count(*) FROM attio_opportunities_raw
         WHERE project_id = $1 AND COALESCE(account_external_id, '') = ''),
       (SELECT count(*) FROM attio_opportunities_raw r
         WHERE project_id = $1 AND COALESCE(account_external_id, '') <> ''
           AND NOT EXISTS (SELECT 1 FROM crm_accounts a
                            WHERE a.project_id = $1 AND a.external_ref = r.account_external_id)))";

}  // namespace

CrmMirror mirror_attio_crm(pqxx::work& tx, const std::string& project_id, const std::string& account_scope_id) {
  const std::string sources = kSources;
  long long accounts = tx.exec_params(sources + kUpdateByRef, project_id).affected_rows();
  accounts += tx.exec_params(sources + kAttachByName, project_id).affected_rows();
  accounts += tx.exec_params(sources + kInsertRest, project_id, account_scope_id).affected_rows();
  long long opportunities = tx.exec_params(kOpportunities, project_id, account_scope_id).affected_rows();
  auto c = tx.exec_params1(kCoverage, project_id);
  auto n = [&](int i) { return c[i].as<long long>(); };
  return {accounts, opportunities, {n(0), n(1), n(2), n(3), n(4), n(5)}};
}

}  // namespace labctl::connectors
