#!/usr/bin/env bash
# Repeats Qos2FailoverIT (issue 11's failover: four persistent QoS 2 publishers on node 2 at 2,000 msg/s with 16
# in flight each, ten persistent subscribers on node 3, node 2 killed with SIGKILL, the publishers re-send on
# node 1 with DUP=1 and the same packet ids) N times, each with a fresh 3-node cluster of processes, and prints
# one line per run: sent, completed (PUBCOMP), lost (0), QoS 2 duplicates (0), time until all were back.
#
#   scripts/qos2-failover.sh        # 20 runs
#   scripts/qos2-failover.sh 5
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
mvn -B -q -DskipTests -pl cluster,broker-node -am install
mvn -B -pl broker-node verify -Dfaults.skipIT=true -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=Qos2FailoverIT -Dfailover.runs="$RUNS" -Dsurefire.timeout=$((RUNS * 120 + 300)) | grep -E "qos2 failover run|Tests run:|FAIL" 
