#!/usr/bin/env bash
# Starts a local mqtt-cluster on 127.0.0.1: broker nodes as separate processes (and, when the gateway
# is built, a gateway on port 1883), prints their endpoints, and stops everything on Ctrl-C.
#
#   scripts/run-local.sh              # default cluster
#   scripts/run-local.sh --nodes 1    # a single node on port 1883
#
# Ports: node i (1-based) gets MQTT 1883+i (or 1883 when alone), HTTP 8080+i, cluster 5700+i.
set -euo pipefail
cd "$(dirname "$0")/.."

NODES=1
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) NODES="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

JAR=broker-node/target/broker-node.jar
if [ ! -f "$JAR" ] || [ -n "$(find cluster/src broker-node/src pom.xml cluster/pom.xml broker-node/pom.xml -newer "$JAR" -print -quit)" ]; then
  echo "building (mvn -B -q -DskipTests package)..."
  mvn -B -q -DskipTests -pl cluster,broker-node -am package
fi

RUN_DIR=${RUN_DIR:-run}
mkdir -p "$RUN_DIR"
PIDS=()
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

MEMBERS=""
for i in $(seq 1 "$NODES"); do
  MEMBERS="${MEMBERS:+$MEMBERS,}127.0.0.1:$((5700 + i))"
done

for i in $(seq 1 "$NODES"); do
  if [ "$NODES" -eq 1 ]; then MQTT_PORT=1883; else MQTT_PORT=$((1883 + i)); fi
  java -Xmx512m -jar "$JAR" --node-name "node$i" --mqtt-port "$MQTT_PORT" --http-port $((8080 + i)) \
    --cluster-port $((5700 + i)) --cluster-members "$MEMBERS" --cluster-size "$NODES" \
    > "$RUN_DIR/node$i.log" 2>&1 &
  PIDS+=($!)
done

for i in $(seq 1 "$NODES"); do
  for _ in $(seq 1 120); do
    if grep -q broker_listening "$RUN_DIR/node$i.log" 2>/dev/null; then break; fi
    if ! kill -0 "${PIDS[$((i - 1))]}" 2>/dev/null; then
      echo "node$i exited:" >&2; cat "$RUN_DIR/node$i.log" >&2; exit 1
    fi
    sleep 0.5
  done
  grep -q broker_listening "$RUN_DIR/node$i.log" || { echo "node$i did not start in 60 s" >&2; exit 1; }
done

echo "mqtt-cluster is running (logs in $RUN_DIR/):"
for i in $(seq 1 "$NODES"); do
  line=$(grep -m1 broker_listening "$RUN_DIR/node$i.log")
  mqtt=$(sed -E 's/.*mqtt_port=([0-9]+).*/\1/' <<<"$line")
  http=$(sed -E 's/.*http_port=([0-9]+).*/\1/' <<<"$line")
  echo "  node$i  pid ${PIDS[$((i - 1))]}  mqtt://127.0.0.1:$mqtt  http://127.0.0.1:$http/metrics"
done
echo "try:  mosquitto_sub -p 1883 -t 'demo/#' -v   and   mosquitto_pub -p 1883 -t demo/1 -m hello"
echo "Ctrl-C stops everything."
wait -n "${PIDS[@]}" || true
echo "a node exited; see $RUN_DIR/" >&2
