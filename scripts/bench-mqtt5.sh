#!/usr/bin/env bash
# MQTT 5.0 next to 3.1.1 on the same broker-node jar, in one run:
#   1. throughput: fan-in QoS 1 and pairs QoS 1, each case with 3.1.1 and 5.0 clients alternating
#      (scripts/bench-ab.sh with "JAR#--mqtt 5"), and
#   2. memory of idle connections: N clients of each level held open on a fresh node, the node's resident
#      memory (VmRSS) before and after, per connection.
#
#   scripts/bench-mqtt5.sh [--reps 3] [--warmup 20s] [--duration 15s] [--connections 10000] [JAR]
#
# JAR defaults to broker-node/target/broker-node.jar. Results in run/bench-mqtt5-<time>/ (summary.md).
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=3; WARMUP=20s; DURATION=15s; CONNS=10000; JAR=broker-node/target/broker-node.jar
while [ $# -gt 0 ]; do
  case $1 in
    --reps) REPS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) JAR=$1; shift ;;
  esac
done
[ -f "$JAR" ] || { echo "no such jar: $JAR (mvn -B -q package -DskipTests)" >&2; exit 2; }
BENCH_JAR=bench/target/bench.jar
[ -f "$BENCH_JAR" ] || mvn -B -q -DskipTests package -pl bench -am
OUT=${OUT:-run/bench-mqtt5-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
PIDS=()
source scripts/lib/processes.sh
trap stop_started EXIT
log() { echo "[bench-mqtt5] $*" >&2; }

{
  echo "# MQTT 5.0 next to 3.1.1 ($JAR, $(date -u +%Y-%m-%dT%H:%MZ))"
  for c in "fanin -P 10 -q 1" "pairs -N 20 -q 1"; do
    log "throughput: $c"
    echo; echo "## $c"; echo
    OUT="$OUT/${c%% *}" scripts/bench-ab.sh --case "$c" --reps "$REPS" --warmup "$WARMUP" --duration "$DURATION" \
      "$JAR" "$JAR#--mqtt 5"
  done
  echo; echo "## $CONNS idle connections (keepalive 60 s, one subscription each)"; echo
  echo "| level | node RSS before (MB) | after (MB) | per connection (bytes) |"
  echo "|---|---:|---:|---:|"
  for level in 3.1.1 5; do
    port=$(free_port); http=$(free_port); cluster=$(free_port)
    # shellcheck disable=SC2086
    java ${NODE_JAVA_OPTS:--Xms1g -Xmx1g} -jar "$JAR" --mqtt-port "$port" --http-port "$http" --cluster-port "$cluster" \
      > "$OUT/conn-node-$level.log" 2>&1 &
    pid=$!; PIDS+=("$pid")
    wait_listening "$port" "$pid" "broker-node" >/dev/null
    log "idle connections: MQTT $level"
    java -jar "$BENCH_JAR" conn -p "$port" -c "$CONNS" --mqtt "$level" --keepalive 60 --subscribe 'idle/%i' \
      --hold 10s --broker-pid "$pid" --json "$OUT/conn-$level.json" > "$OUT/conn-$level.txt" 2>&1 || true
    python3 - "$OUT/conn-$level.json" "$level" <<'PY'
import json, sys
x = json.load(open(sys.argv[1]))["extra"]
b, a = x.get("broker_rss_before_kb", 0), x.get("broker_rss_after_kb", 0)
print(f"| {sys.argv[2]} | {b / 1024:.0f} | {a / 1024:.0f} | {x.get('rss_per_connection_bytes', 0):.0f} |")
PY
    stop_pid "$pid"
  done
} | tee "$OUT/summary.md"
