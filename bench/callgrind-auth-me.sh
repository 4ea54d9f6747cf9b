#!/bin/bash
# Instructions the built service (dist/src/main.js) spends per GET /api/auth/me, counted by callgrind: load-insensitive,
# unlike requests/s on a shared VM. Counting is switched on after WARM requests and off after N more, one connection.
#   bench/callgrind-auth-me.sh on|off|log|metrics     (after npm run bench or npm run build; TREE=<dir> for another build)
# on: request log and METRICS_TOKEN; off: LOG_LEVEL=silent, no METRICS_TOKEN; log: the log alone; metrics: the timer alone.
set -euo pipefail
mode=$1
WARM=${WARM:-1500}
N=${N:-1000}
cd "${TREE:-$(dirname "$0")/..}"
dir=$(mktemp -d -t "callgrind-$mode-XXXX")
trap 'rm -rf "$dir"' EXIT
port=$((20000 + RANDOM % 20000))
base=http://127.0.0.1:$port
password=callgrind-admin-password-123
envs=(PORT=$port DATA_DIR=$dir ADMIN_PASSWORD=$password TIMER_POLL_MS=0 AUDIT_CHECKPOINT_POLL_MS=0 MAIL_POLL_MS=0 WORKFLOWS_DIR=workflows)
case $mode in
  on) envs+=(METRICS_TOKEN=callgrind-metrics-token-0123456789) ;;
  off) envs+=(LOG_LEVEL=silent) ;;
  log) ;;
  metrics) envs+=(METRICS_TOKEN=callgrind-metrics-token-0123456789 LOG_LEVEL=silent) ;;
  *) echo "usage: $0 on|off|log|metrics" >&2; exit 2 ;;
esac
env -u DATABASE_URL -u DATABASE_SCHEMA "${envs[@]}" valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$dir/cg.out" \
  node dist/src/main.js >"$dir/service.log" 2>"$dir/valgrind.log" &
service=$!
until curl -sf "$base/api/health/live" >/dev/null; do sleep 2; done
token=$(curl -sf -X POST -H 'content-type: application/json' -d "{\"username\":\"admin\",\"password\":\"$password\"}" "$base/api/auth/login" |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).accessToken))')
npx autocannon -c 1 -a "$WARM" -H "authorization=Bearer $token" "$base/api/auth/me" >/dev/null 2>&1
callgrind_control -i on $service >/dev/null
npx autocannon -c 1 -a "$N" -H "authorization=Bearer $token" "$base/api/auth/me" >/dev/null 2>&1
callgrind_control -i off $service >/dev/null
kill -TERM $service
wait $service || true
instructions=$(grep -hE '^(summary|totals):' "$dir"/cg.out* | awk '{print $2}' | sort -n | tail -1)
lines=$(grep -c '"msg":"request"' "$dir/service.log" || true)
echo "$mode: $(node -e "console.log(($instructions / $N / 1e6).toFixed(3))") M instructions per GET /api/auth/me ($instructions over $N); request lines logged: $lines"
