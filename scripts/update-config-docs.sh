#!/usr/bin/env bash
# Rewrites the configuration table in docs/configuration.md from the node's own list of keys
# (java -jar broker-node.jar --config-reference). ConfigurationDocsTest fails when the table is out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
DOC=docs/configuration.md
JAR=broker-node/target/broker-node.jar
[ -f "$JAR" ] || mvn -B -q -DskipTests -pl cluster,broker-node -am package
TABLE=$(java -jar "$JAR" --config-reference)
python3 - "$DOC" "$TABLE" <<'PY'
import sys
doc, table = sys.argv[1], sys.argv[2].rstrip("\n")
s = open(doc).read()
a = s.index("<!-- config-reference:start -->") + len("<!-- config-reference:start -->")
b = s.index("<!-- config-reference:end -->")
open(doc, "w").write(s[:a] + "\n" + table + "\n" + s[b:])
PY
echo "$DOC configuration table updated"
