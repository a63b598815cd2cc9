#!/usr/bin/env bash
# What the lb-gateway costs: the same load against one broker node directly, through our gateway, and
# through HAProxy in TCP mode (Debian's haproxy, installed if missing) in front of the same node,
# interleaved, several repetitions; prints medians and the ratios "through / direct" for both proxies.
#
#   scripts/bench-gateway.sh              # warm-up, then 3 repetitions: about 5 minutes
#   scripts/bench-gateway.sh --reps 5
#
# Cases: pairs-q1 (10 publisher/subscriber pairs, QoS 1, max rate, closed loop: throughput),
#        latency-q1-5k (the same at 5,000 msg/s: p50/p99), connect (2,000 connections at max rate:
#        connects/s and CONNACK p99). Results in run/bench-gateway-<date>/.
set -euo pipefail
cd "$(dirname "$0")/.."

REPS=3
DURATION=6s
WARMUP=2s
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) REPS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

OUT=${OUT:-run/bench-gateway-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
log() { echo "[bench-gateway] $*" >&2; }

command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || {
  log "installing haproxy"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
}
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
NODE_JAR=broker-node/target/broker-node.jar
GW_JAR=lb-gateway/target/lb-gateway.jar
BENCH_JAR=bench/target/bench.jar
if [ ! -f "$NODE_JAR" ] || [ ! -f "$GW_JAR" ] || [ ! -f "$BENCH_JAR" ]; then
  log "building the jars"
  mvn -B -q -DskipTests package
fi

source scripts/lib/processes.sh

NODE_PORT=$(free_port); NODE_HTTP=$(free_port); NODE_CLUSTER=$(free_port)
java ${NODE_JAVA_OPTS:--Xmx1g} -jar "$NODE_JAR" --mqtt-port "$NODE_PORT" --http-port "$NODE_HTTP" \
  --cluster-port "$NODE_CLUSTER" > "$OUT/node.log" 2>&1 &
PIDS+=($!); wait_listening "$NODE_PORT" "${PIDS[-1]}" node

GW_PORT=$(free_port); GW_HTTP=$(free_port)
java -Xmx512m -jar "$GW_JAR" --port "$GW_PORT" --http-port "$GW_HTTP" \
  --nodes "127.0.0.1:$NODE_PORT:$NODE_HTTP" --set limits.rate-per-source=0 > "$OUT/gateway.log" 2>&1 &
PIDS+=($!); wait_listening "$GW_PORT" "${PIDS[-1]}" gateway
for _ in $(seq 1 100); do grep -q gateway_listening "$OUT/gateway.log" && break; sleep 0.1; done

HA_PORT=$(free_port)
cat > "$OUT/haproxy.cfg" <<EOF
global
  maxconn 9000
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
frontend mqtt
  bind 127.0.0.1:$HA_PORT
  default_backend node
backend node
  server n1 127.0.0.1:$NODE_PORT
EOF
"$HAPROXY" -f "$OUT/haproxy.cfg" -db > "$OUT/haproxy.log" 2>&1 &
PIDS+=($!); wait_listening "$HA_PORT" "${PIDS[-1]}" haproxy

{
  echo "nproc=$(nproc)  $(java -version 2>&1 | head -1)"
  echo "$("$HAPROXY" -v | head -1)"
} > "$OUT/machine.txt"

target_port() {
  case "$1" in direct) echo "$NODE_PORT" ;; gateway) echo "$GW_PORT" ;; haproxy) echo "$HA_PORT" ;; esac
}
case_args() {
  case "$1" in
    pairs-q1) echo "pairs -N 10 -q 1 -d $DURATION --warmup $WARMUP" ;;
    latency-q1-5k) echo "pairs -N 10 -q 1 -r 5000 -d $DURATION --warmup $WARMUP" ;;
    connect) echo "conn -c 2000 -r 0 --hold 1s" ;;
  esac
}

# Warm-up, not measured: the same traffic once through each target, so that the JVMs (node, gateway)
# are compiled before the first measured run, as they are in a process that has been up a while.
for target in direct gateway haproxy; do
  log "warm-up  $target"
  java -jar "$BENCH_JAR" pairs -N 10 -q 1 -d 3s -p "$(target_port "$target")" --quiet --client-prefix "gw-warm-$target" >/dev/null 2>&1 || true
  java -jar "$BENCH_JAR" conn -c 2000 -r 0 --hold 1s -p "$(target_port "$target")" --quiet --client-prefix "gw-warmc-$target" >/dev/null 2>&1 || true
done

for rep in $(seq 1 "$REPS"); do
  for kase in pairs-q1 latency-q1-5k connect; do
    for target in direct gateway haproxy; do
      log "rep $rep/$REPS  $kase  $target"
      # shellcheck disable=SC2046
      java -jar "$BENCH_JAR" $(case_args "$kase") -p "$(target_port "$target")" --quiet \
        --client-prefix "gw-$rep-$target" --json "$OUT/$kase-$target-$rep.json" \
        --tag case="$kase" --tag target="$target" --tag rep="$rep" > "$OUT/$kase-$target-$rep.txt" 2>&1 || \
        log "  run failed (see $OUT/$kase-$target-$rep.txt)"
    done
  done
done

python3 - "$OUT" "$REPS" <<'PY'
import json, os, statistics, sys
out, reps = sys.argv[1], int(sys.argv[2])
def load(kase, target):
    rows = []
    for rep in range(1, reps + 1):
        p = os.path.join(out, f"{kase}-{target}-{rep}.json")
        if os.path.exists(p):
            rows.append(json.load(open(p)))
    return rows
def find(d, *keys):
    for k in keys:
        if isinstance(d, dict) and k in d:
            d = d[k]
        else:
            return None
    return d
def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None
def metric(kase, target, fn):
    return med([fn(r) for r in load(kase, target)])
rate = lambda r: find(r, "received_per_second")
p50 = lambda r: find(r, "latency_ms", "p50")
p99 = lambda r: find(r, "latency_ms", "p99")
conn_rate = lambda r: find(r, "extra", "connect_rate_per_second")
connack99 = lambda r: find(r, "connections", "connack_ms", "p99")
rows = [
    ("pairs-q1 msg/s", "pairs-q1", rate, True),
    ("latency-q1-5k p50 ms", "latency-q1-5k", p50, False),
    ("latency-q1-5k p99 ms", "latency-q1-5k", p99, False),
    ("connect connects/s", "connect", conn_rate, True),
    ("connect CONNACK p99 ms", "connect", connack99, False),
]
print(open(os.path.join(out, "machine.txt")).read().strip().replace("\n", "  |  "))
print()
print("| metric | direct | gateway | haproxy | gateway / direct | haproxy / direct |")
print("|---|---:|---:|---:|---:|---:|")
for name, kase, fn, _ in rows:
    d, g, h = (metric(kase, t, fn) for t in ("direct", "gateway", "haproxy"))
    fmt = lambda v: "n/a" if v is None else (f"{v:,.0f}" if v >= 100 else f"{v:.3f}")
    ratio = lambda a, b: "n/a" if a is None or not b else f"{a / b:.2f}"
    print(f"| {name} | {fmt(d)} | {fmt(g)} | {fmt(h)} | {ratio(g, d)} | {ratio(h, d)} |")
PY
