#!/usr/bin/env bash
# What crossing the cluster costs: the same pairs load with publishers and subscribers on one node, then with
# publishers on node 1 and subscribers on node 2 (every message forwarded between nodes), QoS 0 and QoS 1, at
# the maximum rate (closed loop) and at 5,000 msg/s (latency), interleaved, several repetitions; prints medians.
#
#   scripts/bench-cross-node.sh               # 3 repetitions, about 5 minutes
#   scripts/bench-cross-node.sh --reps 5
#   scripts/bench-cross-node.sh --only 5k-q1 --duration 20s --reps 5   # the p99 at 5,000 msg/s, steadier
#
# Cases: max-q0, max-q1 (closed loop), 5k-q0, 5k-q1 (5,000 msg/s). --duration D: measured time per run (default
# 6s; a p99 over 6 s at 5,000 msg/s is the 300th slowest message, and one GC pause moves it).
#
# Starts two nodes of one cluster on free ports (stops exactly those at exit). Results in run/bench-cross-<date>/.
set -euo pipefail
cd "$(dirname "$0")/.."

REPS=3; CASES="max-q0 max-q1 5k-q0 5k-q1"; DURATION=6s
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) REPS=$2; shift 2 ;;
    --only) CASES=${2//,/ }; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-run/bench-cross-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
log() { echo "[bench-cross-node] $*" >&2; }
NODE_JAR=broker-node/target/broker-node.jar
BENCH_JAR=bench/target/bench.jar
if [ ! -f "$NODE_JAR" ] || [ ! -f "$BENCH_JAR" ]; then
  log "building the jars"
  mvn -B -q -DskipTests package
fi

source scripts/lib/processes.sh

NAME="bench-cross-$RANDOM"
M1=$(free_port); H1=$(free_port); C1=$(free_port); B1=$(free_port)
M2=$(free_port); H2=$(free_port); C2=$(free_port); B2=$(free_port)
start_node() { # index mqtt http cluster bus
  java ${NODE_JAVA_OPTS:--Xmx1g} -jar "$NODE_JAR" --node-name "n$1" --mqtt-port "$2" --http-port "$3" \
    --cluster-port "$4" --set cluster.bus-port="$5" --cluster-name "$NAME" \
    --cluster-members "127.0.0.1:$C1,127.0.0.1:$C2" --cluster-size 2 --set cluster.quorum=1 \
    > "$OUT/node$1.log" 2>&1 &
  PIDS+=($!)
}
start_node 1 "$M1" "$H1" "$C1" "$B1"
start_node 2 "$M2" "$H2" "$C2" "$B2"
for _ in $(seq 1 120); do
  m1=$(curl -sf "http://127.0.0.1:$H1/status" | grep -o '"clusterMembers":[0-9]*' | cut -d: -f2 || true)
  m2=$(curl -sf "http://127.0.0.1:$H2/status" | grep -o '"clusterMembers":[0-9]*' | cut -d: -f2 || true)
  [ "${m1:-0}" = 2 ] && [ "${m2:-0}" = 2 ] && curl -sf "http://127.0.0.1:$H2/health/ready" >/dev/null && break
  sleep 0.5
done
[ "${m1:-0}" = 2 ] || { log "the two nodes did not form a cluster; see $OUT/node*.log"; exit 1; }

case_args() {
  case "$1" in
    max-q0) echo "pairs -N 10 -q 0 -d $DURATION --warmup 2s" ;;
    max-q1) echo "pairs -N 10 -q 1 -d $DURATION --warmup 2s" ;;
    5k-q0) echo "pairs -N 10 -q 0 -r 5000 -d $DURATION --warmup 2s" ;;
    5k-q1) echo "pairs -N 10 -q 1 -r 5000 -d $DURATION --warmup 2s" ;;
  esac
}
hosts() {
  case "$1" in
    one-node) echo "--pub-hosts 127.0.0.1:$M1 --sub-hosts 127.0.0.1:$M1" ;;
    cross-node) echo "--pub-hosts 127.0.0.1:$M1 --sub-hosts 127.0.0.1:$M2" ;;
  esac
}
log "warm-up"
for where in one-node cross-node; do
  # shellcheck disable=SC2046
  java -jar "$BENCH_JAR" pairs -N 10 -q 1 -d 3s $(hosts "$where") --quiet >/dev/null 2>&1 || true
done
for rep in $(seq 1 "$REPS"); do
  for kase in $CASES; do
    for where in one-node cross-node; do
      log "rep $rep/$REPS  $kase  $where"
      # shellcheck disable=SC2046
      java -jar "$BENCH_JAR" $(case_args "$kase") $(hosts "$where") --quiet --client-prefix "x-$rep-$where" \
        --json "$OUT/$kase-$where-$rep.json" > "$OUT/$kase-$where-$rep.txt" 2>&1 || log "  run failed (see $OUT/$kase-$where-$rep.txt)"
    done
  done
done

python3 - "$OUT" "$REPS" "$CASES" <<'PY'
import json, os, statistics, sys
out, reps, cases = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
def med(kase, where, f):
    vals = []
    for rep in range(1, reps + 1):
        p = os.path.join(out, f"{kase}-{where}-{rep}.json")
        if os.path.exists(p):
            try:
                v = f(json.load(open(p)))
                if v is not None:
                    vals.append(v)
            except Exception:
                pass
    return statistics.median(vals) if vals else None
def fmt(v, d=0):
    return "-" if v is None else (f"{v:,.{d}f}")
rows = []
print("| case | metric | one node | node 1 -> node 2 | cross / one |")
print("|---|---|---:|---:|---:|")
for kase, label in (("max-q0", "QoS 0, max rate"), ("max-q1", "QoS 1, max rate"), ("5k-q0", "QoS 0, 5,000 msg/s"), ("5k-q1", "QoS 1, 5,000 msg/s")):
    if kase not in cases:
        continue
    for metric, f, d in (("received msg/s", lambda j: j.get("received_per_second"), 0),
                         ("latency p50 ms", lambda j: j.get("latency_ms", {}).get("p50"), 3),
                         ("latency p99 ms", lambda j: j.get("latency_ms", {}).get("p99"), 3),
                         ("lost", lambda j: j.get("lost"), 0)):
        a, b = med(kase, "one-node", f), med(kase, "cross-node", f)
        ratio = "-" if not a or b is None else f"{b / a:.2f}"
        print(f"| {label} | {metric} | {fmt(a, d)} | {fmt(b, d)} | {ratio} |")
PY
