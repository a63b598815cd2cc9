#!/bin/bash
# node-drain.sh [WAIT]: drains the broker node in this container: POST /admin/drain?wait=WAIT (default 45s) to
# its HTTP port over loopback, so the call is allowed without a token (a node serves admin calls without one only
# to its own machine); with MQTTC_HTTP_ADMIN_TOKEN_FILE set, the token from that file is sent. For the Kubernetes
# preStop hook (an httpGet hook can only GET, and comes from the kubelet's address). The JRE image has no curl:
# this speaks HTTP/1.0 through bash's /dev/tcp. Exit 0 when the node answered 200.
port=${MQTTC_HTTP_PORT:-8080}
wait=${1:-45s}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
{
  printf 'POST /admin/drain?wait=%s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n' "$wait"
  if [ -n "${MQTTC_HTTP_ADMIN_TOKEN_FILE:-}" ]; then
    printf 'Authorization: Bearer %s\r\n' "$(tr -d '[:space:]' < "$MQTTC_HTTP_ADMIN_TOKEN_FILE")"
  fi
  printf 'Connection: close\r\n\r\n'
} >&3
IFS= read -r -t 600 status <&3 || exit 1
case "$status" in
  "HTTP/1."?" 200"*) exit 0 ;;
  *) echo "node-drain: $status" >&2; exit 1 ;;
esac
