#!/bin/bash
# healthcheck.sh [PORT] [PATH]: exits 0 when GET http://127.0.0.1:PORT/PATH answers 200, else 1.
# For Docker HEALTHCHECK / compose healthcheck: the JRE image has no curl, so this speaks HTTP/1.0 through
# bash's /dev/tcp. Defaults: 8080 /health/ready (a node); the gateway is 8090 /health/ready.
port=${1:-8080}
path=${2:-/health/ready}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 5 status <&3 || exit 1
case "$status" in
  "HTTP/1."?" 200"*) exit 0 ;;
  *) exit 1 ;;
esac
