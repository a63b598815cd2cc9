#!/usr/bin/env bash
# Starts a local mqtt-cluster on 127.0.0.1: broker nodes as separate processes and the lb-gateway in
# front of them on port 1883; prints the endpoints and stops everything on Ctrl-C.
#
#   scripts/run-local.sh                 # 3 nodes + gateway on 1883
#   scripts/run-local.sh --nodes 5       # 5 nodes + gateway
#   scripts/run-local.sh --no-gateway    # nodes only (node 1 on 1883 when alone)
#   scripts/run-local.sh --proxy-protocol  # gateway sends PROXY v2 headers, nodes expect them
#
# Ports: gateway MQTT 1883, HTTP 8090; node i (1-based) MQTT 1883+i, HTTP 8080+i, cluster 5700+i,
# bus 5800+i. Logs and PIDs go to run/ (RUN_DIR): node<i>.log, node<i>.pid, gateway.log, gateway.pid.
set -euo pipefail
cd "$(dirname "$0")/.."

NODES=3
GATEWAY=1
PROXY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) NODES="$2"; shift 2 ;;
    --no-gateway) GATEWAY=0; shift ;;
    --proxy-protocol) PROXY=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

NODE_JAR=broker-node/target/broker-node.jar
GW_JAR=lb-gateway/target/lb-gateway.jar
stale() { [ ! -f "$1" ] || [ -n "$(find "${@:2}" -newer "$1" -print -quit 2>/dev/null)" ]; }
if stale "$NODE_JAR" cluster/src broker-node/src cluster/pom.xml broker-node/pom.xml pom.xml \
   || { [ "$GATEWAY" -eq 1 ] && stale "$GW_JAR" lb-gateway/src lb-gateway/pom.xml; }; then
  echo "building (mvn -B -q -DskipTests package)..."
  mvn -B -q -DskipTests -pl cluster,broker-node,lb-gateway -am package
fi

RUN_DIR=${RUN_DIR:-run}
mkdir -p "$RUN_DIR"
PIDS=()
NAMES=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "stopping..."
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped"
  exit 0
}
trap cleanup INT TERM EXIT

wait_for() { # name logfile pattern pid
  for _ in $(seq 1 180); do
    if grep -q "$3" "$2" 2>/dev/null; then return 0; fi
    if ! kill -0 "$4" 2>/dev/null; then echo "$1 exited:" >&2; cat "$2" >&2; exit 1; fi
    sleep 0.5
  done
  echo "$1 did not start in 90 s; see $2" >&2
  exit 1
}

MEMBERS=""
NODE_LIST=""
for i in $(seq 1 "$NODES"); do
  MEMBERS="${MEMBERS:+$MEMBERS,}127.0.0.1:$((5700 + i))"
  NODE_LIST="${NODE_LIST:+$NODE_LIST,}127.0.0.1:$((1883 + i)):$((8080 + i))"
done
PROXY_FLAG=()
[ "$PROXY" -eq 1 ] && PROXY_FLAG=(--proxy-protocol)

for i in $(seq 1 "$NODES"); do
  if [ "$NODES" -eq 1 ] && [ "$GATEWAY" -eq 0 ]; then MQTT_PORT=1883; else MQTT_PORT=$((1883 + i)); fi
  java -Xmx512m -jar "$NODE_JAR" --node-name "node$i" --mqtt-port "$MQTT_PORT" --http-port $((8080 + i)) \
    --cluster-port $((5700 + i)) --set cluster.bus-port=$((5800 + i)) --cluster-members "$MEMBERS" \
    --cluster-size "$NODES" "${PROXY_FLAG[@]}" > "$RUN_DIR/node$i.log" 2>&1 &
  PIDS+=($!)
  NAMES+=("node$i")
  echo "${PIDS[-1]}" > "$RUN_DIR/node$i.pid"
  # one at a time: the first node forms the cluster, the others join it
  wait_for "node$i" "$RUN_DIR/node$i.log" broker_listening "${PIDS[-1]}"
done

if [ "$GATEWAY" -eq 1 ]; then
  java -Xmx256m -jar "$GW_JAR" --port 1883 --http-port 8090 --nodes "$NODE_LIST" "${PROXY_FLAG[@]}" \
    > "$RUN_DIR/gateway.log" 2>&1 &
  PIDS+=($!)
  NAMES+=(gateway)
  echo "${PIDS[-1]}" > "$RUN_DIR/gateway.pid"
  wait_for gateway "$RUN_DIR/gateway.log" gateway_listening "${PIDS[-1]}"
fi

echo "mqtt-cluster is running (logs in $RUN_DIR/):"
if [ "$GATEWAY" -eq 1 ]; then
  echo "  gateway  pid ${PIDS[-1]}  mqtt://127.0.0.1:1883  http://127.0.0.1:8090/metrics  (clients connect here)"
fi
for i in $(seq 1 "$NODES"); do
  line=$(grep -m1 broker_listening "$RUN_DIR/node$i.log")
  mqtt=$(sed -E 's/.*mqtt_port=([0-9]+).*/\1/' <<<"$line")
  http=$(sed -E 's/.*http_port=([0-9]+).*/\1/' <<<"$line")
  echo "  node$i    pid ${PIDS[$((i - 1))]}  mqtt://127.0.0.1:$mqtt  http://127.0.0.1:$http/metrics"
done
echo "try:  mosquitto_sub -p 1883 -t 'demo/#' -v   and   mosquitto_pub -p 1883 -t demo/1 -m hello"
echo "Ctrl-C stops everything."
# A process that exits (say a node killed with kill -9 to watch failover) is reported; the others keep
# running until Ctrl-C.
set +e
declare -A REPORTED=()
while true; do
  alive=0
  for idx in "${!PIDS[@]}"; do
    if kill -0 "${PIDS[$idx]}" 2>/dev/null; then
      alive=1
    elif [ -z "${REPORTED[$idx]:-}" ]; then
      REPORTED[$idx]=1
      echo "${NAMES[$idx]} (pid ${PIDS[$idx]}) exited; the others keep running (log: $RUN_DIR/${NAMES[$idx]}.log)" >&2
    fi
  done
  [ "$alive" -eq 1 ] || break
  sleep 1
done
echo "every process exited" >&2
