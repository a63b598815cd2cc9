#!/usr/bin/env bash
# Runs the whole test suite: installs the Debian packages the tests use when they are missing, then
# `mvn -B verify` (unit tests, integration tests with real nodes and clients, the shaded jars).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto-clients)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
# the web console's browser test (ConsoleIT) drives Debian's Chromium through its chromedriver
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing: ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq >/dev/null
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "warning: ${need[*]} missing and not root: the tests that use them are skipped" >&2
  fi
fi

# With arguments (a partial run, e.g. -pl lb-gateway) only Maven runs. A full run (no arguments, as in CI) also
# checks the deployment files before Maven (scripts/check-manifests.sh, offline, seconds) and the metrics,
# dashboard and alert rules end to end after it (scripts/e2e-prometheus.sh, needs the jars Maven built, about a
# minute). SKIP_MANIFEST_CHECKS=1 or SKIP_E2E_PROMETHEUS=1 leave one out. Maven's exit code wins when it fails.
if [ $# -gt 0 ] || { [ "${SKIP_MANIFEST_CHECKS:-0}" = 1 ] && [ "${SKIP_E2E_PROMETHEUS:-0}" = 1 ]; }; then
  exec mvn -B verify "$@"
fi
status=0
if [ "${SKIP_MANIFEST_CHECKS:-0}" != 1 ]; then
  scripts/check-manifests.sh || status=$?
fi
mvn -B verify || exit $?
if [ "${SKIP_E2E_PROMETHEUS:-0}" != 1 ]; then
  scripts/e2e-prometheus.sh || status=$?
fi
exit "$status"
