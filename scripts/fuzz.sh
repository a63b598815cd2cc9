#!/usr/bin/env bash
# The long run of the fuzz tests (docs/fuzzing.md): every parser that reads untrusted bytes gets at least
# FUZZ_INPUTS inputs (default 100,000), one test class at a time, and the script prints the inputs and the time per
# parser. The normal build runs the same properties with 2,000 tries each (junit-platform.properties).
#
#   scripts/fuzz.sh                   # 100,000 inputs per parser: 3 to 8 minutes on 2 cores
#   FUZZ_INPUTS=10000 scripts/fuzz.sh # a quicker pass
#   scripts/fuzz.sh 'ConnectReader|WebSocket'   # only the test classes whose name matches (grep -E)
#
# jqwik's tries are per property, so each class gets FUZZ_INPUTS x 1.1 / (its number of properties) tries.
# A failure stops the script with the shrunk sample and the seed in the output (jqwik reruns the failing
# sample first next time: target/jqwik-database). Output of each class in run/fuzz-<date>/.
set -euo pipefail
cd "$(dirname "$0")/.."

INPUTS=${FUZZ_INPUTS:-100000}
ONLY=${1:-}
OUT=run/fuzz-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"

# module  test class  properties
CLASSES=(
  "lb-gateway ConnectReaderFuzzTest 4"
  "lb-gateway PacketBoundariesFuzzTest 2"
  "lb-gateway ProxyProtocolV2FuzzTest 1"
  "broker-node MqttDecoderFuzzTest 4"
  "broker-node WebSocketFuzzTest 4"
  "broker-node ProxyProtocolFuzzTest 4"
)

# build once, then run the classes one by one without building again
mvn -B -q -o test-compile -pl broker-node,lb-gateway -am

start_all=$(date +%s)
for entry in "${CLASSES[@]}"; do
  read -r module class props <<<"$entry"
  if [ -n "$ONLY" ] && ! grep -Eq "$ONLY" <<<"$class"; then
    continue
  fi
  tries=$(( (INPUTS * 11 / 10 + props - 1) / props ))
  echo "== $class ($module): $tries tries x $props properties"
  start=$(date +%s)
  if ! mvn -B -o surefire:test -pl "$module" -Dtest="$class" -Dsurefire.failIfNoSpecifiedTests=false \
      -Djqwik.tries.default="$tries" -Dsurefire.timeout=7200 >"$OUT/$class.log" 2>&1; then
    grep -a -E "fuzz-stats|Tests run:|FAIL" "$OUT/$class.log" || true
    echo "FAILED: $class (see $OUT/$class.log)"
    exit 1
  fi
  grep -a -o "fuzz-stats .*" "$OUT/$class.log" | tee -a "$OUT/summary.txt"
  echo "   $class: $(( $(date +%s) - start )) s"
done
echo "== all: $(( $(date +%s) - start_all )) s; per parser:"
awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } in_[v["parser"]] += v["inputs"]; s[v["parser"]] += v["seconds"] }
     END { for (p in in_) printf "  %-28s %9d inputs %8.1f s\n", p, in_[p], s[p] }' "$OUT/summary.txt" | sort
