# Sourced by the benchmark scripts: the processes a script starts, stopped by PID when it exits (never by name),
# and free loopback ports. The sourcing script defines log() and adds each PID it starts to PIDS.
PIDS=()
stop_pid() { # pid: TERM, up to 5 s to exit, then KILL
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
stop_started() {
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
}
trap stop_started EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# below Linux's ephemeral range (32768 and up), so a load run's client ports cannot take it meanwhile
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 12000 ))
    if port_free "$p"; then echo "$p"; return 0; fi
  done
  echo "no free port found" >&2; return 1
}
wait_listening() { # port pid what: until something listens on the port (60 s), or the process exits
  for _ in $(seq 1 600); do
    port_free "$1" || return 0
    kill -0 "$2" 2>/dev/null || { log "$3 exited"; return 1; }
    sleep 0.1
  done
  log "$3 did not listen on $1"; return 1
}
