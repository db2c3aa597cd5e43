set -e
cd /tmp/big
/work/main/build/labctl-sandbox --port 18700 --scale 118 > sb.out 2>&1 &
sleep 2
. ./env.sh
L=/work/main/build/labctl
$L projects create "Big" -o json > proj.json
P=$(python3 -c 'import json;print(json.load(open("proj.json"))["project"]["id"])')
echo $P > p
ACCT=$(curl -s http://127.0.0.1:18700/sandbox/tenants | python3 -c 'import json,sys;print(json.load(sys.stdin)["tenants"][0]["chatwoot"]["account_id"])')
$L sources bind chatwoot $ACCT --project $P
time $L sync chatwoot --full --project $P -o json > sync.json
time $L embeddings run --project $P -o json > embed.json
echo done
