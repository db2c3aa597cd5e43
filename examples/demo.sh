#!/bin/sh
# The main job on embedded defaults (`make demo`, the README's first command): the private
# database, migrations, one project per data source, a sync of everything, reconciliation,
# and serve answering /health. With no API keys configured, labctl-sandbox serves realistic
# Chatwoot, Linear and Attio data over HTTP and labctl syncs from it like from the real thing.
set -eu
BUILD=${BUILD:-build}
LABCTL="$BUILD/labctl"
tmp=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT

# Starts a server printing "listening on http://HOST:PORT" and echoes that URL.
start() {
  out="$tmp/$(basename "$1").out"
  "$@" > "$out" 2> "$tmp/err" &
  pids="$pids $!"
  for _ in $(seq 100); do grep -q '^listening on ' "$out" && break; sleep 0.1; done
  sed -n 's/^listening on //p' "$out"
}

# The id of the project with this name, created if missing.
project() {
  id=$("$LABCTL" projects list --output csv | awk -F, -v n="$1" '$2 == n { print $1; exit }')
  [ -n "$id" ] || id=$("$LABCTL" projects create "$1" --output csv | awk -F, 'NR == 2 { print $1 }')
  echo "$id"
}

"$LABCTL" db up

if [ -z "${CHATWOOT_API_TOKEN:-}${LINEAR_API_TOKEN:-}${ATTIO_API_TOKEN:-}" ]; then
  url=$(start "$BUILD/labctl-sandbox" --port 0)
  echo "no API keys configured: syncing from labctl-sandbox at $url"
  env_lines=$("$BUILD/labctl-sandbox" --port "${url##*:}" --print-env)
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
  first=$("$LABCTL" sources list --output csv | awk -F, 'NR == 2 { print $4 }')
else
  # Real sources: the configured account and workspaces bind to the project on its first sync.
  first=$(project 'Demo project')
  "$LABCTL" sync all --project "$first"
fi
"$LABCTL" connectors state --project "$first"
"$LABCTL" reconcile --project "$first" || [ $? -eq 9 ]

url=$(start "$LABCTL" serve --port 0)
echo "GET $url/health"
curl -fsS "$url/health"
echo
