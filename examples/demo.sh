#!/bin/sh
# The main job on embedded defaults (`make demo`, the README's first command): the private
# database, migrations, one project per data source, a sync of everything, reconciliation, the
# synced messages embedded (offline, without an API key) and one LightRAG query per project with
# its ranked evidence; signals, risk, analytics and the daily digest of every project, the
# portfolio, one digest as Markdown; and serve answering /health. With no API keys configured, labctl-sandbox
# serves realistic Chatwoot, Linear and Attio data over HTTP and labctl syncs from it like from
# the real thing. Everything the demo starts is stopped when it ends, but the private cluster.
set -eu
BUILD=${BUILD:-build}
LABCTL="$BUILD/labctl"
QUERY=${DEMO_QUERY:-approval deadline}
tmp=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT

# start VAR COMMAND…: runs a server in the background of this shell (so the trap above knows
# it), waits for its "listening on http://HOST:PORT" line and puts the URL in VAR.
start() {
  var=$1
  shift
  out="$tmp/$(basename "$1").out"
  "$@" > "$out" 2> "$tmp/$(basename "$1").err" &
  pids="$pids $!"
  for _ in $(seq 100); do grep -q '^listening on ' "$out" && break; sleep 0.1; done
  eval "$var=\$(sed -n 's/^listening on //p' \"\$out\")"
}

# The id of the project with this name, created if missing.
project() {
  id=$("$LABCTL" projects list --output csv | awk -F, -v n="$1" '$2 == n { print $1; exit }')
  [ -n "$id" ] || id=$("$LABCTL" projects create "$1" --output csv | awk -F, 'NR == 2 { print $1 }')
  echo "$id"
}

"$LABCTL" db up

if [ -z "${CHATWOOT_API_TOKEN:-}${LINEAR_API_TOKEN:-}${ATTIO_API_TOKEN:-}" ]; then
  start sandbox "$BUILD/labctl-sandbox" --port 0
  echo "no API keys configured: syncing from labctl-sandbox at $sandbox"
  env_lines=$("$BUILD/labctl-sandbox" --port "${sandbox##*:}" --print-env)
  eval "$env_lines"
  # "# tenant 1 (Northwind Coffee): chatwoot_account=101 linear_workspace=… attio_workspace=…"
  echo "$env_lines" | sed -n 's/^# tenant [0-9]* (\(.*\)): chatwoot_account=\([^ ]*\) linear_workspace=\([^ ]*\) attio_workspace=\([^ ]*\)$/\1|\2|\3|\4/p' |
    while IFS='|' read -r name account linear attio; do
      id=$(project "$name")
      "$LABCTL" sources bind chatwoot "$account" --project "$id" > /dev/null
      "$LABCTL" sources bind linear "$linear" --project "$id" > /dev/null
      "$LABCTL" sources bind attio "$attio" --project "$id" > /dev/null
    done
  "$LABCTL" sources list
  "$LABCTL" sync all --all-projects
  projects=$("$LABCTL" sources list --output csv | awk -F, 'NR > 1 && !seen[$4]++ { print $4 }')
else
  # Real sources: the configured account and workspaces bind to the project on its first sync.
  projects=$(project 'Demo project')
  "$LABCTL" sync all --project "$projects"
fi
first=$(echo "$projects" | head -n 1)
"$LABCTL" connectors state --project "$first"
"$LABCTL" reconcile --project "$first" || [ $? -eq 9 ]

# Search: the synced messages embedded (the offline provider unless OPENAI_API_KEY is set), then
# one hybrid query per project, its evidence ranked.
for id in $projects; do
  name=$("$LABCTL" projects show "$id" --output csv | awk -F, 'NR == 2 { print $2 }')
  "$LABCTL" embeddings run --project "$id" --output csv |
    awk -F, -v n="$name" '$1 == "processed" { print "embedded " $2 " chunks of " n }'
  echo "lightrag query '$QUERY' in $name:"
  "$LABCTL" lightrag query "$QUERY" -k 3 --project "$id"
  echo
done

# Intelligence: every project's signals and next best actions, health and risk, analytics and
# daily digest (what cron runs each morning); the portfolio side by side; the first project's
# digest as the Markdown a person reads.
for id in $projects; do
  for step in "signals extract" "risk refresh" "analytics refresh"; do
    # shellcheck disable=SC2086 # the step is two words on purpose
    "$LABCTL" $step --project "$id" > /dev/null
  done
done
"$LABCTL" digest daily --all-projects
echo "portfolio:"
"$LABCTL" portfolio overview --project-ids "$(echo $projects | tr ' ' ,)"
echo
"$LABCTL" digest show daily --project "$first" --limit 1 --output markdown
echo

# serve: the web UI's API. Its login is the environment owner unless one is configured.
: "${AUTH_CREDENTIALS:=demo:demo-password}"
export AUTH_CREDENTIALS
start api "$LABCTL" serve --port 0
echo "GET $api/health"
curl -fsS "$api/health"
echo
jar="$tmp/cookies"
hide_token() { sed 's/"csrf_token":"[0-9a-f]*"/"csrf_token":"(hidden)"/'; }
echo "POST $api/auth/login as ${AUTH_CREDENTIALS%%:*}, then GET $api/auth/me and GET $api/projects with the session cookie"
curl -fsS -c "$jar" -H 'content-type: application/json' \
  -d "{\"username\":\"${AUTH_CREDENTIALS%%:*}\",\"password\":\"${AUTH_CREDENTIALS#*:}\"}" "$api/auth/login" > /dev/null
curl -fsS -b "$jar" "$api/auth/me" | hide_token
echo
curl -fsS -b "$jar" "$api/projects"
echo
echo "done: the sandbox and serve are stopped; labctl's private PostgreSQL keeps running with the data"
echo "(stop it with: $LABCTL db down)"
