#!/usr/bin/env bash
# Rewrites the configuration table in README.md from the node's own list of keys
# (java -jar broker-node.jar --config-reference). A test fails when the README is out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=broker-node/target/broker-node.jar
[ -f "$JAR" ] || mvn -B -q -DskipTests -pl cluster,broker-node -am package
TABLE=$(java -jar "$JAR" --config-reference)
python3 - "$TABLE" <<'PY'
import sys
table = sys.argv[1].rstrip("\n")
s = open("README.md").read()
a = s.index("<!-- config-reference:start -->") + len("<!-- config-reference:start -->")
b = s.index("<!-- config-reference:end -->")
open("README.md", "w").write(s[:a] + "\n" + table + "\n" + s[b:])
PY
echo "README.md configuration table updated"
