#!/usr/bin/env bash
# Offline checks of the deployment files (deploy/ and k8s/): no Kubernetes cluster and no Docker engine needed.
#
#   scripts/check-manifests.sh                 every check (scripts/test.sh runs it before mvn verify)
#   scripts/check-manifests.sh --update-rules  rewrite k8s/components/prometheus-operator/prometheusrule.yaml from
#                                              deploy/prometheus/alerts.yml, then check
#
# 1. shell scripts parse; the image's entry point starts the right jar with the right flags (a stand-in java)
# 2. promtool: prometheus.yml and alerts.yml are valid, the alert unit tests (alerts_test.yml) pass
# 3. kubectl kustomize renders every overlay in k8s/overlays/
# 4. k8s/check/check-manifests.mjs: every rendered object against the Kubernetes API schema (unknown fields are
#    errors), and the wiring between objects, configuration, code, compose file, Dockerfile and dashboards:
#    listeners and ports (tls.port too) against containers, Services and NetworkPolicies; files named by the
#    configuration against volume mounts and their ConfigMaps/Secrets (or the operator-created ones the check knows
#    and the overlay documents); PROXY protocol, TLS client certificates and anonymous access between gateways
#    and nodes
#
# Tools: kubectl (the machine image's; Debian 12 only packages kubectl 1.20 as kubernetes-client, whose kustomize
# v2.0.3 cannot render these overlays, so it is installed only as a last resort and then reported as too old),
# promtool (Debian package prometheus), node and npm (Debian packages nodejs, npm). npm packages are installed into
# a cache directory outside the work tree (MANIFEST_CHECK_CACHE, default ~/.cache/mqtt-cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

UPDATE_RULES=0
for a in "$@"; do
  case "$a" in
    --update-rules) UPDATE_RULES=1 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "unknown option: $a" >&2; exit 2 ;;
  esac
done

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok    $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL  $*"; }
indent() { sed 's/^/        /'; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------- tools
install_debs() {
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
      echo "need the Debian packages $* and cannot install them (not root, no sudo)" >&2; return 1
    fi
  fi
  echo "installing: $*"
  "${sudo[@]}" apt-get update -qq >/dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
command -v promtool >/dev/null 2>&1 || install_debs prometheus
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || install_debs nodejs npm
command -v kubectl >/dev/null 2>&1 || install_debs kubernetes-client
KUSTOMIZE_VERSION=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\{0,1\}\([0-9][0-9.]*\).*/\1/p')
echo "tools: kubectl $(kubectl version --client 2>/dev/null | sed -n 's/^Client Version: //p' | head -1) (kustomize ${KUSTOMIZE_VERSION:-unknown}), $(promtool --version 2>&1 | head -1 | cut -d' ' -f1-3), node $(node --version)"

# ---------------------------------------------------------------- the PrometheusRule copy of alerts.yml
RULES_SRC=deploy/prometheus/alerts.yml
RULES_COPY=k8s/components/prometheus-operator/prometheusrule.yaml
generate_rule() {
  cat <<'EOF'
# GENERATED from deploy/prometheus/alerts.yml by `scripts/check-manifests.sh --update-rules`: edit that file, not
# this one (scripts/check-manifests.sh fails when the two differ).
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: mqtt-cluster
  labels:
    app.kubernetes.io/name: mqtt-cluster
spec:
EOF
  # everything from `groups:` on, indented under spec (block scalars keep their relative indentation)
  sed -n '/^groups:/,$p' "$RULES_SRC" | sed 's/^\(.\)/  \1/'
}
if [ "$UPDATE_RULES" -eq 1 ]; then
  generate_rule > "$RULES_COPY"
  echo "rewrote $RULES_COPY from $RULES_SRC"
fi
if diff -u "$RULES_COPY" <(generate_rule) > "$WORK/rules.diff"; then
  ok "$RULES_COPY is generated from $RULES_SRC"
else
  fail "$RULES_COPY differs from what $RULES_SRC generates (run scripts/check-manifests.sh --update-rules)"
  head -40 "$WORK/rules.diff" | indent
fi

# ---------------------------------------------------------------- shell scripts and the image's entry point
for f in scripts/check-manifests.sh scripts/e2e-prometheus.sh deploy/healthcheck.sh; do
  if [ ! -f "$f" ]; then fail "$f is missing"; continue; fi
  if bash -n "$f" 2> "$WORK/syntax"; then ok "bash -n $f"; else fail "bash -n $f"; indent < "$WORK/syntax"; fi
done
if sh -n deploy/docker-entrypoint.sh 2> "$WORK/syntax"; then ok "sh -n deploy/docker-entrypoint.sh"; else fail "sh -n deploy/docker-entrypoint.sh"; indent < "$WORK/syntax"; fi

# The entry point with a stand-in `java` that prints its arguments and cluster.host.
mkdir -p "$WORK/bin"
cat > "$WORK/bin/java" <<'EOF'
#!/bin/sh
echo "MQTTC_CLUSTER_HOST=${MQTTC_CLUSTER_HOST:-}"
for a in "$@"; do echo "arg $a"; done
EOF
chmod +x "$WORK/bin/java"
entry() { env -u MQTTC_CLUSTER_HOST PATH="$WORK/bin:$PATH" APP_DIR=/app JAVA_OPTS="-Xmx1m" "$@"; }
HZ_FLAGS=$(sed -n 's:.*<hazelcast.jvm.args>\(.*\)</hazelcast.jvm.args>.*:\1:p' pom.xml)
check_entry() { # description, expected lines (one per arg) | command...
  local what=$1 expect=$2; shift 2
  local out
  out=$(entry "$@" 2>&1) || true
  local missing=""
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    case "$line" in
      '!'*) grep -qxF -- "${line#!}" <<<"$out" && missing="$missing\n  unexpected: ${line#!}" ;;
      *) grep -qxF -- "$line" <<<"$out" || missing="$missing\n  missing: $line" ;;
    esac
  done <<<"$expect"
  if [ -z "$missing" ]; then ok "entry point: $what"; else fail "entry point: $what"; printf '%b\n' "$missing" | indent; echo "$out" | indent; fi
}
hz_lines=$(for f in $HZ_FLAGS; do echo "arg $f"; done)
check_entry "node (default) runs broker-node.jar with the Hazelcast JVM flags and JAVA_OPTS" \
  "$hz_lines
arg -Xmx1m
arg -jar
arg /app/broker-node.jar
arg --cluster-size
arg 3" deploy/docker-entrypoint.sh node --cluster-size 3
check_entry "flags alone go to a node" "arg /app/broker-node.jar
arg --help" deploy/docker-entrypoint.sh --help
check_entry "gateway runs lb-gateway.jar without the Hazelcast flags" "arg /app/lb-gateway.jar
arg --nodes
arg a:1883:8080
!arg /app/broker-node.jar
!arg --add-modules" deploy/docker-entrypoint.sh gateway --nodes a:1883:8080
own=$(hostname -i 2>/dev/null | awk '{ print $1 }' || true)
if [ -n "$own" ]; then
  check_entry "a node without MQTTC_CLUSTER_HOST binds the cluster port to the container's address" \
    "MQTTC_CLUSTER_HOST=$own" deploy/docker-entrypoint.sh node
fi
check_entry "MQTTC_CLUSTER_HOST set by the orchestrator is kept" "MQTTC_CLUSTER_HOST=10.1.2.3" \
  env MQTTC_CLUSTER_HOST=10.1.2.3 PATH="$WORK/bin:$PATH" deploy/docker-entrypoint.sh node
check_entry "any other command runs as it is" "hello" deploy/docker-entrypoint.sh echo hello

# ---------------------------------------------------------------- Prometheus configuration and rules
if promtool check config deploy/prometheus/prometheus.yml > "$WORK/promtool" 2>&1; then
  ok "promtool check config deploy/prometheus/prometheus.yml (and its rule files)"
else
  fail "promtool check config deploy/prometheus/prometheus.yml"; indent < "$WORK/promtool"
fi
if promtool check rules "$RULES_SRC" > "$WORK/promtool" 2>&1; then
  ok "promtool check rules $RULES_SRC: $(grep -o '[0-9]* rules found' "$WORK/promtool")"
else
  fail "promtool check rules $RULES_SRC"; indent < "$WORK/promtool"
fi
# the PrometheusRule's spec, extracted, must pass promtool too
sed -n '/^spec:/,$p' "$RULES_COPY" | sed '1d; s/^  //' > "$WORK/prometheusrule-groups.yml"
if promtool check rules "$WORK/prometheusrule-groups.yml" > "$WORK/promtool" 2>&1; then
  ok "promtool check rules on the PrometheusRule's groups"
else
  fail "promtool check rules on the PrometheusRule's groups"; indent < "$WORK/promtool"
fi
if (cd deploy/prometheus && promtool test rules alerts_test.yml) > "$WORK/promtool" 2>&1; then
  ok "promtool test rules deploy/prometheus/alerts_test.yml"
else
  fail "promtool test rules deploy/prometheus/alerts_test.yml"; indent < "$WORK/promtool"
fi

# ---------------------------------------------------------------- render every overlay
RENDERED=()
for dir in k8s/overlays/*/; do
  name=$(basename "$dir")
  if kubectl kustomize "$dir" > "$WORK/$name.yaml" 2> "$WORK/$name.err"; then
    ok "kubectl kustomize k8s/overlays/$name: $(grep -c '^kind:' "$WORK/$name.yaml") objects"
    RENDERED+=(--rendered "$name=$WORK/$name.yaml")
  else
    fail "kubectl kustomize k8s/overlays/$name"; indent < "$WORK/$name.err"
    if [ -z "$KUSTOMIZE_VERSION" ] || [ "${KUSTOMIZE_VERSION%%.*}" -lt 4 ]; then
      echo "        this kubectl's kustomize (${KUSTOMIZE_VERSION:-too old to report its version}) predates components and directories as" \
        "resources: use kubectl 1.21 or later (Debian 12 packages only 1.20, as kubernetes-client)"
    fi
  fi
done

# ---------------------------------------------------------------- schema and wiring checks (node)
CACHE_ROOT=${MANIFEST_CHECK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mqtt-cluster}
MODULES="$CACHE_ROOT/manifest-check-$(sha256sum k8s/check/package.json | cut -c1-16)"
if [ ! -f "$MODULES/.complete" ]; then
  echo "installing the checker's npm packages into $MODULES"
  mkdir -p "$CACHE_ROOT"
  tmp=$(mktemp -d "$CACHE_ROOT/install.XXXXXX")
  cp k8s/check/package.json "$tmp/"
  if (cd "$tmp" && npm install --no-audit --no-fund --no-package-lock --omit=dev --loglevel=error) > "$WORK/npm.log" 2>&1; then
    touch "$tmp/.complete"
    rm -rf "$MODULES"
    mv "$tmp" "$MODULES" 2>/dev/null || rm -rf "$tmp" # another run may have finished first
  else
    rm -rf "$tmp"
    fail "npm install of k8s/check/package.json"; indent < "$WORK/npm.log"
  fi
fi
if [ -f "$MODULES/.complete" ]; then
  set +e
  node k8s/check/check-manifests.mjs --repo "$ROOT" --modules "$MODULES" "${RENDERED[@]}" | tee "$WORK/node.out"
  node_rc=${PIPESTATUS[0]}
  set -e
  counts=$(sed -n 's/^check-manifests: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$WORK/node.out")
  if [ -n "$counts" ]; then
    PASSED=$((PASSED + ${counts% *}))
    FAILED=$((FAILED + ${counts#* }))
  fi
  if [ "$node_rc" -ne 0 ] && [ "${counts#* }" = "0" ] || [ -z "$counts" ]; then fail "k8s/check/check-manifests.mjs exited $node_rc"; fi
fi

echo "scripts/check-manifests.sh: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
