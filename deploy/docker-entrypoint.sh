#!/bin/sh
# Entry point of the mqtt-cluster image (installed as /app/mqtt-cluster).
#
#   mqtt-cluster [node] [FLAGS...]    a broker node (the default; FLAGS as in docs/configuration.md, e.g. --config FILE)
#   mqtt-cluster gateway [FLAGS...]   the lb-gateway (FLAGS as in lb-gateway/README.md)
#   mqtt-cluster COMMAND...           anything else runs as it is (e.g. sh, for debugging)
#
# JAVA_OPTS is added to the java command line. A node gets the JVM flags Hazelcast wants on Java 17 (the same
# list as hazelcast.jvm.args in pom.xml; scripts/check-manifests.sh keeps them equal) and, when
# MQTTC_CLUSTER_HOST is not set, the container's own address as cluster.host: the default 127.0.0.1 would not
# be reachable from the other nodes. APP_DIR (default /app) is where the jars are.
set -eu

APP_DIR=${APP_DIR:-/app}
HAZELCAST_JAVA_OPTS="--add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED"

role=node
case "${1:-}" in
  node|gateway) role=$1; shift ;;
  ""|-*) ;;
  *) exec "$@" ;;
esac

if [ "$role" = gateway ]; then
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
  exec java ${JAVA_OPTS:-} -jar "$APP_DIR/lb-gateway.jar" "$@"
fi

if [ -z "${MQTTC_CLUSTER_HOST:-}" ]; then
  own=$(hostname -i 2>/dev/null | awk '{ print $1 }') || own=""
  if [ -n "$own" ]; then
    MQTTC_CLUSTER_HOST=$own
    export MQTTC_CLUSTER_HOST
  fi
fi
# shellcheck disable=SC2086 # both are lists of flags
exec java $HAZELCAST_JAVA_OPTS ${JAVA_OPTS:-} -jar "$APP_DIR/broker-node.jar" "$@"
