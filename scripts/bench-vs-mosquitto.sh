#!/usr/bin/env bash
# Compares mqtt-cluster with mosquitto on this machine: the same bench scenarios against each broker,
# interleaved (mosquitto, ours, mosquitto, ours, ...), several repetitions, then medians and the ratio
# ours/mosquitto as a markdown table (also written to <out>/summary.md).
#
#   scripts/bench-vs-mosquitto.sh                  # full run, 3 repetitions (about 8 minutes)
#   scripts/bench-vs-mosquitto.sh --quick          # smoke run, about 1 minute
#   scripts/bench-vs-mosquitto.sh --reps 5 --only fanin-q0,fanin-q1
#   scripts/bench-vs-mosquitto.sh --cluster        # also a 3-node cluster behind the gateway
#
# Options:
#   --quick          1 repetition, short runs, 2,000 connections instead of 19,000
#   --reps N         repetitions (default 3)
#   --duration D     measured time per load run (default 6s; --quick 2s); --warmup D (default 2s; --quick 1s)
#   --only A,B       run only these cases (names below)
#   --connections N  connections of the memory case (default 19000; at most ~19,900 per process here)
#   --out DIR        where results go (default run/bench-<date>)
#   --cluster        also run against scripts/run-local.sh --nodes 3 (needs lb-gateway/target/lb-gateway.jar)
#
# Cases: fanin-q0, fanin-q1, fanout-q0, pairs-q1 (max rate, closed loop), latency-q1-5k (p99 at 5,000 msg/s),
#        fanin-q2 (lost/dup counts), conn (broker memory per idle connection).
# The memory case opens and closes 1,000 connections on each broker before it measures (JIT and class
# loading of the connection path are not a cost per connection).
# Environment: NODE_JAVA_OPTS (default -Xms1g -Xmx1g: a fixed heap, as servers run; with a growing heap the
#              memory case also measures G1 committing more heap, about 4 instead of 2.8 KiB per connection),
#              BENCH_JAVA_OPTS, NODE_ARGS (extra broker-node flags),
#              CLUSTER_START_CMD (replaces "scripts/run-local.sh --nodes 3" for --cluster).
# Starts mosquitto (installs it with apt-get when missing) and the broker with their own configuration on
# free ports; stops exactly the processes it started (by PID) when it exits. Pins nothing to CPUs (tried:
# taskset did not reduce the run-to-run spread here).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

REPS=3
QUICK=0
DURATION=""
WARMUP=""
ONLY=""
CONNECTIONS=""
OUT=""
CLUSTER=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --reps) REPS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --cluster) CLUSTER=1; shift ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$QUICK" = 1 ]; then
  REPS=1
  DURATION=${DURATION:-2s}; WARMUP=${WARMUP:-1s}; CONNECTIONS=${CONNECTIONS:-2000}; CONN_HOLD=1s
else
  DURATION=${DURATION:-6s}; WARMUP=${WARMUP:-2s}; CONNECTIONS=${CONNECTIONS:-19000}; CONN_HOLD=5s
fi
OUT=${OUT:-run/bench-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT/json"
OUT=$(cd "$OUT" && pwd)
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:--Xms1g -Xmx1g}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:-}
NODE_ARGS=${NODE_ARGS:-}

log() { echo "[bench-vs-mosquitto] $*" >&2; }

# ---------------------------------------------------------------- processes we start, stopped by PID on exit
source scripts/lib/processes.sh
forget_pid() { local keep=(); for p in "${PIDS[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done; PIDS=("${keep[@]}"); }

wait_port() { # port seconds pid
  for _ in $(seq 1 $(( $2 * 10 ))); do
    if ! port_free "$1"; then return 0; fi
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------- what we need
MOSQUITTO=$(command -v mosquitto || true)
[ -z "$MOSQUITTO" ] && [ -x /usr/sbin/mosquitto ] && MOSQUITTO=/usr/sbin/mosquitto
if [ -z "$MOSQUITTO" ]; then
  log "mosquitto is missing: apt-get install -y mosquitto"
  apt-get install -y mosquitto >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y mosquitto >/dev/null; }
  MOSQUITTO=/usr/sbin/mosquitto
fi

BENCH_JAR=bench/target/bench.jar
NODE_JAR=broker-node/target/broker-node.jar
GATEWAY_JAR=lb-gateway/target/lb-gateway.jar
if [ ! -f "$BENCH_JAR" ] || { [ ! -f "$NODE_JAR" ] && [ -f broker-node/pom.xml ]; }; then
  log "building (mvn -B -q -DskipTests package)..."
  if ! mvn -B -q -DskipTests package >"$OUT/build.log" 2>&1; then
    log "the full build failed (see $OUT/build.log); building the bench alone"
    mvn -B -q -DskipTests -pl bench package >>"$OUT/build.log" 2>&1
  fi
fi
[ -f "$BENCH_JAR" ] || { log "bench.jar could not be built"; exit 1; }
HAVE_NODE=0
if [ -f "$NODE_JAR" ]; then HAVE_NODE=1; else
  log "MISSING: $NODE_JAR does not exist (yet): running mosquitto alone, no comparison"
fi
HAVE_CLUSTER=0
if [ "$CLUSTER" = 1 ]; then
  if [ -f "$GATEWAY_JAR" ] && [ "$HAVE_NODE" = 1 ]; then HAVE_CLUSTER=1; else
    log "--cluster skipped: $GATEWAY_JAR or $NODE_JAR is missing"
  fi
fi

# ---------------------------------------------------------------- the machine
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "mosquitto: $("$MOSQUITTO" -h 2>&1 | head -1 || true)"
  echo "kernel: $(uname -sr)"
  echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "settings: reps=$REPS duration=$DURATION warmup=$WARMUP connections=$CONNECTIONS node_java_opts=\"$NODE_JAVA_OPTS\""
} > "$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# ---------------------------------------------------------------- brokers
MOSQ_PID=""; MOSQ_PORT=""
start_mosquitto() {
  MOSQ_PORT=$(free_port)
  cat > "$OUT/mosquitto.conf" <<EOF
# generated by scripts/bench-vs-mosquitto.sh
listener $MOSQ_PORT 127.0.0.1
allow_anonymous true
persistence false
# queues large enough that no scenario drops for lack of room
max_queued_messages 1000000
max_queued_bytes 0
# the bench's default in-flight window: a 3.1.1 client cannot learn mosquitto's receive maximum (20), and
# mosquitto silently drops QoS 2 publishes beyond it ("quota exceeded" has no 3.1.1 encoding)
max_inflight_messages 32
set_tcp_nodelay true
log_dest stdout
log_type error
log_type warning
EOF
  "$MOSQUITTO" -c "$OUT/mosquitto.conf" >>"$OUT/mosquitto.log" 2>&1 &
  MOSQ_PID=$!
  PIDS+=("$MOSQ_PID")
  wait_port "$MOSQ_PORT" 10 "$MOSQ_PID" || { log "mosquitto did not start; see $OUT/mosquitto.log"; exit 1; }
  log "mosquitto pid $MOSQ_PID on 127.0.0.1:$MOSQ_PORT"
}

NODE_PID=""; NODE_PORT=""
start_node() {
  NODE_PORT=$(free_port)
  local http cluster
  http=$(free_port); cluster=$(free_port)
  : > "$OUT/node.log"
  # shellcheck disable=SC2086
  java $NODE_JAVA_OPTS -jar "$NODE_JAR" --mqtt-port "$NODE_PORT" --http-port "$http" --cluster-port "$cluster" \
    $NODE_ARGS >>"$OUT/node.log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
  for _ in $(seq 1 600); do
    if grep -q "mqtt_port=" "$OUT/node.log" 2>/dev/null; then
      if ! command -v curl >/dev/null || [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http/health/ready")" = 200 ]; then
        log "broker-node pid $NODE_PID on 127.0.0.1:$NODE_PORT (http $http)"
        return 0
      fi
    fi
    kill -0 "$NODE_PID" 2>/dev/null || break
    sleep 0.1
  done
  log "broker-node did not become ready; see $OUT/node.log"
  exit 1
}

# The cluster hook: scripts/run-local.sh --nodes 3 prints one line per node with mqtt://127.0.0.1:PORT and, once
# the gateway is wired in, a line with "gateway" and its mqtt:// address. Publishers go to the gateway (else
# round-robin over the nodes); subscribers round-robin over the nodes, shifted by one so pairs cross nodes.
CLUSTER_PID=""; CLUSTER_PUB=""; CLUSTER_SUB=""
start_cluster() {
  local cmd=${CLUSTER_START_CMD:-scripts/run-local.sh --nodes 3}
  RUN_DIR="$OUT/cluster" $cmd >"$OUT/cluster.log" 2>&1 &
  CLUSTER_PID=$!
  PIDS+=("$CLUSTER_PID")
  for _ in $(seq 1 1200); do
    # the last line of the banner: the endpoint lines come after "mqtt-cluster is running", so waiting for that
    # one read the log before them (no node endpoints found)
    grep -q "Ctrl-C stops everything" "$OUT/cluster.log" 2>/dev/null && break
    kill -0 "$CLUSTER_PID" 2>/dev/null || { log "the cluster did not start; see $OUT/cluster.log"; return 1; }
    sleep 0.1
  done
  local nodes gateway
  nodes=$(grep -v -i gateway "$OUT/cluster.log" | grep -oE 'mqtt://127\.0\.0\.1:[0-9]+' | sed 's|mqtt://||' | paste -sd, -)
  gateway=$(grep -i gateway "$OUT/cluster.log" | grep -oE 'mqtt://127\.0\.0\.1:[0-9]+' | head -1 | sed 's|mqtt://||')
  [ -n "$nodes" ] || { log "no node endpoints in $OUT/cluster.log"; return 1; }
  CLUSTER_PUB=${gateway:-$nodes}
  CLUSTER_SUB=$(echo "$nodes" | awk -F, '{ for (i = 2; i <= NF; i++) printf "%s,", $i; print $1 }')
  log "cluster: publishers -> $CLUSTER_PUB, subscribers -> $CLUSTER_SUB"
}

restart_brokers() {
  if [ -n "$MOSQ_PID" ]; then stop_pid "$MOSQ_PID"; forget_pid "$MOSQ_PID"; fi
  start_mosquitto
  if [ "$HAVE_NODE" = 1 ]; then
    if [ -n "$NODE_PID" ]; then stop_pid "$NODE_PID"; forget_pid "$NODE_PID"; fi
    start_node
  fi
}

# ---------------------------------------------------------------- cases
ALL_CASES="conn fanin-q0 fanin-q1 fanout-q0 pairs-q1 latency-q1-5k fanin-q2"
CASES=${ONLY:-$ALL_CASES}
CASES=${CASES//,/ }
# The memory case goes first, right after the brokers were restarted, before other cases grow them.
if [[ " $CASES " == *" conn "* ]]; then CASES="conn $(echo " $CASES " | sed 's/ conn / /g')"; fi
case_args() {
  case "$1" in
    fanin-q0) echo "fanin -P 10 -q 0" ;;
    fanin-q1) echo "fanin -P 10 -q 1" ;;
    fanout-q0) echo "fanout -S 10 -q 0" ;;
    pairs-q1) echo "pairs -N 20 -q 1" ;;
    latency-q1-5k) echo "pairs -N 10 -q 1 -r 5000" ;;
    fanin-q2) echo "fanin -P 10 -q 2" ;;
    conn) echo "conn -c $CONNECTIONS -r 5000 --hold $CONN_HOLD" ;;
    *) echo "unknown case $1" >&2; return 1 ;;
  esac
}

run_case() { # case target rep
  local kase=$1 target=$2 rep=$3 hosts pid args
  case "$target" in
    mosquitto) hosts="--host 127.0.0.1 --port $MOSQ_PORT"; pid=$MOSQ_PID ;;
    ours) hosts="--host 127.0.0.1 --port $NODE_PORT"; pid=$NODE_PID ;;
    cluster)
      [ "$kase" = conn ] && return 0 # memory per connection is measured on one process
      hosts="--pub-hosts $CLUSTER_PUB --sub-hosts $CLUSTER_SUB"; pid="" ;;
  esac
  args=$(case_args "$kase")
  if [ "$kase" = conn ]; then
    # A warm-up round first (1,000 connections, opened and closed), for both brokers: the first connections
    # also make the JVM compile and load the code they run, which is not a cost per connection.
    # shellcheck disable=SC2086
    java $BENCH_JAVA_OPTS -jar "$BENCH_JAR" conn -c 1000 -r 5000 --hold 1s $hosts --quiet >/dev/null 2>&1 || true
    args="$args --broker-pid $pid"
  else
    args="$args -d $DURATION --warmup $WARMUP"
  fi
  local json="$OUT/json/$kase-$target-$rep.json"
  log "rep $rep/$REPS  $kase  $target"
  # shellcheck disable=SC2086
  if ! java $BENCH_JAVA_OPTS -jar "$BENCH_JAR" $args $hosts --quiet --json "$json" \
      --tag case="$kase" --tag target="$target" --tag rep="$rep" >"$OUT/$kase-$target-$rep.txt" 2>&1; then
    log "  run failed or incomplete (see $OUT/$kase-$target-$rep.txt)"
  fi
  grep -E "^\| (received|end-to-end|connack) |^lost|connect_rate|rss_per" "$OUT/$kase-$target-$rep.txt" | sed 's/^/    /' >&2 || true
}

TARGETS="mosquitto"
[ "$HAVE_NODE" = 1 ] && TARGETS="$TARGETS ours"
START=$(date +%s)
for rep in $(seq 1 "$REPS"); do
  # Fresh brokers each repetition, so the memory case starts from a broker that has not grown yet.
  restart_brokers
  if [ "$HAVE_CLUSTER" = 1 ] && [ -z "$CLUSTER_PID" ]; then start_cluster || HAVE_CLUSTER=0; fi
  T=$TARGETS
  [ "$HAVE_CLUSTER" = 1 ] && T="$T cluster"
  for kase in $CASES; do
    for target in $T; do
      run_case "$kase" "$target" "$rep"
    done
  done
done
log "runs took $(( $(date +%s) - START )) s"

{
  echo "## mqtt-cluster vs mosquitto ($REPS repetition(s), medians)"
  echo
  sed 's/^/    /' "$OUT/machine.txt"
  echo
  java -jar "$BENCH_JAR" report --baseline mosquitto "$OUT/json"
  [ "$HAVE_NODE" = 1 ] || echo "(broker-node.jar was missing: mosquitto only)"
} | tee "$OUT/summary.md"
log "results in $OUT (summary.md, json/, one .txt per run)"
