// Offline checks of the deployment files; run by scripts/check-manifests.sh, which renders every overlay with
// `kubectl kustomize` first and installs this directory's package.json into a cache directory.
//
//   node k8s/check/check-manifests.mjs --repo DIR --modules DIR --rendered NAME=FILE [--rendered NAME=FILE ...]
//
// What it checks:
//   schema       every rendered object against the Kubernetes API schema (kubernetes-models: types, required fields,
//                enums) and, strictly, against its TypeScript types (an unknown field, e.g. a misspelt
//                `readinesProbe`, is an error, as `kubectl apply --validate=strict` would make it)
//   wiring       selectors match pods; Services, probes and NetworkPolicies name ports the containers have; the
//                node's configuration (ConfigMap file + MQTTC_* environment) agrees with the container ports, the
//                headless Service's DNS name, the StatefulSet's replicas; the gateway's flags agree with the nodes;
//                probe paths are served by the code; configuration keys exist (tables in docs/configuration.md and lb-gateway/README.md)
//   listeners    container ports are exactly the enabled MQTT listeners (plain, tls.port, ws.port, wss.port) at their
//                configured numbers; the LoadBalancer exposes gateway MQTT listeners only, and the NetworkPolicies let
//                anyone reach exactly those
//   files        every *-file of a node's or gateway's configuration lies on a volume mount (no subPath: the files
//                are reloaded) of a ConfigMap or Secret that has that key; volumes name only rendered objects or the
//                operator-created ones of OPERATOR_CREATED, whose creating commands the overlay's kustomization
//                documents; file modes let the process read; the ACL file parses
//   security     gateways and nodes agree on the PROXY protocol; client certificates are asked for only when the
//                nodes use their names; no anonymous access without a way to log in; no plain MQTT on the load
//                balancer when clients must log in; more than one node only with a cluster secret
//   monitoring   the PrometheusRule equals deploy/prometheus/alerts.yml; ServiceMonitor job names are the ones the
//                rules and the dashboard use; the dashboard is well-formed
//   compose      deploy/docker-compose.yml agrees with itself, prometheus.yml and the Grafana provisioning
//   image        deploy/Dockerfile copies paths that exist and are not ignored, the jar names match the poms, the
//                entry point's JVM flags match pom.xml, exposed ports and the user match the manifests
// Prints one line per check and exits 1 when any failed.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

// ------------------------------------------------------------------------------------------------ arguments
const opts = { rendered: [] };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === "--repo") opts.repo = process.argv[++i];
  else if (a === "--modules") opts.modules = process.argv[++i];
  else if (a === "--rendered") {
    const [name, file] = process.argv[++i].split("=");
    opts.rendered.push({ name, file });
  } else throw new Error(`unknown argument ${a}`);
}
if (!opts.repo || !opts.modules) throw new Error("--repo and --modules are required");
const require = createRequire(path.join(path.resolve(opts.modules), "node_modules", "index.js"));
const YAML = require("yaml");
const ts = require("typescript");
const repo = path.resolve(opts.repo);
const rel = (...p) => path.join(repo, ...p);
const read = (...p) => fs.readFileSync(rel(...p), "utf8");

// ------------------------------------------------------------------------------------------------ reporting
let passed = 0;
let failed = 0;
function check(name, fn) {
  const errors = [];
  try {
    fn((msg) => errors.push(msg));
  } catch (e) {
    errors.push(`internal error: ${e && e.stack ? e.stack : e}`);
  }
  if (errors.length === 0) {
    passed++;
    console.log(`ok    ${name}`);
  } else {
    failed++;
    console.log(`FAIL  ${name}`);
    for (const e of errors) console.log(`        ${e}`);
  }
}

// ------------------------------------------------------------------------------------------------ helpers
const deepEqual = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    const o = {};
    for (const k of Object.keys(v).sort()) o[k] = canonical(v[k]);
    return o;
  }
  return v;
}
function flatten(obj, prefix = "", out = {}) {
  for (const [k, v] of Object.entries(obj || {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object" && !Array.isArray(v)) flatten(v, key, out);
    else out[key] = v;
  }
  return out;
}
function labelsMatch(selector, labels) {
  if (!selector) return false;
  labels = labels || {};
  for (const [k, v] of Object.entries(selector.matchLabels || {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions || []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === "In" && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}
const id = (o) => `${o.kind}/${o.metadata && o.metadata.name}`;

// The node's configuration keys and environment variables (docs/configuration.md, between the config-reference markers).
const nodeKeys = (() => {
  const s = read("docs", "configuration.md");
  const a = s.indexOf("<!-- config-reference:start -->");
  const b = s.indexOf("<!-- config-reference:end -->");
  const keys = new Map();
  for (const line of s.slice(a, b).split("\n")) {
    const m = line.match(/^\| `([a-z0-9.-]+)` \| `?([^|`]*)`? \| `(MQTTC_[A-Z0-9_]+)` \|/);
    if (m) keys.set(m[1], { def: m[2].trim(), env: m[3] });
  }
  return keys;
})();
const nodeEnvToKey = new Map([...nodeKeys].map(([k, v]) => [v.env, k]));
// The gateway's keys (lb-gateway/README.md, "Configuration" table) and flags.
const gatewayKeys = (() => {
  const s = read("lb-gateway", "README.md");
  const section = s.slice(s.indexOf("## Configuration"), s.indexOf("## HTTP"));
  const keys = new Map();
  for (const line of section.split("\n")) {
    const m = line.match(/^\| `([a-z0-9.-]+)` \| `?([^|`]*)`? \|/);
    if (m) keys.set(m[1], { def: m[2].trim(), env: "GATEWAY_" + m[1].toUpperCase().replace(/[.-]/g, "_") });
  }
  return keys;
})();
const gatewayFlags = {
  "--port": "port", "--http-port": "http-port", "--bind-address": "bind-address", "--nodes": "nodes",
  "--dns-name": "dns.name", "--node-mqtt-port": "node-mqtt-port", "--node-http-port": "node-http-port",
};
// Container port names of the MQTT listeners: the gateway's plain (port) and TLS (tls.port) ones; the node's plain
// (mqtt.port), TLS (tls.port), WebSocket (ws.port) and secure WebSocket (wss.port) ones.
const MQTT_LISTENERS = ["mqtt", "mqtts"];
const NODE_LISTENERS = ["mqtt", "mqtts", "ws", "wss"];
const nodeFlags = {
  "--mqtt-port": "mqtt.port", "--mqtt-host": "mqtt.host", "--http-port": "http.port", "--http-host": "http.host",
  "--node-name": "node.name", "--cluster-name": "cluster.name", "--cluster-host": "cluster.host",
  "--cluster-port": "cluster.port", "--cluster-members": "cluster.members", "--cluster-size": "cluster.size",
  "--kubernetes-service-dns": "cluster.kubernetes-service-dns",
};

// HTTP paths a process serves: string literals in its module's main sources.
function servedPaths(module) {
  const found = new Set();
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".java")) for (const m of fs.readFileSync(p, "utf8").matchAll(/"(\/[a-z/_-]+)"/g)) found.add(m[1]);
    }
  };
  walk(rel(module, "src", "main", "java"));
  return found;
}
const served = { node: servedPaths("broker-node"), gateway: servedPaths("lb-gateway") };

// Prometheus job names of deploy/prometheus/prometheus.yml.
const promConfig = YAML.parse(read("deploy", "prometheus", "prometheus.yml"));
const promJobs = new Set((promConfig.scrape_configs || []).map((c) => c.job_name));
const alertsFile = YAML.parse(read("deploy", "prometheus", "alerts.yml"));
const dockerUid = (() => {
  const m = read("deploy", "Dockerfile").match(/^USER\s+(\d+)/m);
  return m ? Number(m[1]) : null;
})();

// Objects that overlays mount but do not render: the operator creates them (passwords, keys, the fleet's CA). A
// volume may name a Secret or ConfigMap only if the overlay renders it or it is listed here; an overlay that uses one
// must document the command that creates it (in its kustomization.yaml or one of the kustomizations it builds on,
// with the overlay's namespace), and the pods may read only the keys listed here.
const OPERATOR_CREATED = [
  { kind: "Secret", name: "mqtt-passwords", keys: ["passwords"],
    command: /kubectl -n (\S+) create secret generic mqtt-passwords --from-file=passwords=/ },
  { kind: "Secret", name: "mqtt-gateway-tls", keys: ["tls.crt", "tls.key"],
    command: /kubectl -n (\S+) create secret tls mqtt-gateway-tls --cert=\S+ --key=/ },
  { kind: "ConfigMap", name: "mqtt-fleet-ca", keys: ["ca.crt"],
    command: /kubectl -n (\S+) create configmap mqtt-fleet-ca --from-file=ca.crt=/ },
  { kind: "Secret", name: "mqtt-cluster-secret", keys: ["secret"],
    command: /kubectl -n (\S+) create secret generic mqtt-cluster-secret --from-file=secret=/ },
];
const operatorCreated = (kind, name) => OPERATOR_CREATED.find((o) => o.kind === kind && o.name === name);
const operatorUsed = new Set();

// The text of an overlay's kustomization.yaml and of every kustomization it builds on (resources and components
// that are directories).
function kustomizationTexts(dir, seen = new Set()) {
  const abs = path.resolve(dir);
  if (seen.has(abs)) return [];
  seen.add(abs);
  const file = ["kustomization.yaml", "kustomization.yml", "Kustomization"].map((f) => path.join(abs, f)).find((f) => fs.existsSync(f));
  if (!file) return [];
  const text = fs.readFileSync(file, "utf8");
  const k = YAML.parse(text) || {};
  const out = [{ file: path.relative(repo, file), text }];
  for (const r of [...(k.resources || []), ...(k.components || [])]) {
    const p = path.join(abs, r);
    if (fs.existsSync(p) && fs.statSync(p).isDirectory()) out.push(...kustomizationTexts(p, seen));
  }
  return out;
}

// Configuration keys that name a file the process reads (and re-reads when it changes).
const isFileKey = (k) => /(^|\.)[a-z-]*-file$/.test(k);
const unset = (v) => v === undefined || v === null || v === "" || v === "(none)";
const isTrue = (v) => String(v).toLowerCase() === "true";

// The ACL grammar of broker-node (Acl.java): `allow|deny publish|subscribe|pubsub FILTER [user NAME] [client ID]`,
// `allow|deny share GROUP [user NAME] [client ID]`, `default allow|deny` at most once; a word starting with # begins a comment, except as the filter.
function aclProblems(text) {
  const problems = [];
  let defaults = 0;
  text.split("\n").forEach((line, i) => {
    let w = line.trim().split(/\s+/).filter(Boolean);
    const cut = w.findIndex((x, k) => k !== 2 && x.startsWith("#"));
    if (cut >= 0) w = w.slice(0, cut);
    if (w.length === 0) return;
    const at = `line ${i + 1}`;
    const verb = w[0].toLowerCase();
    if (verb === "default") {
      if (w.length !== 2 || !["allow", "deny"].includes(w[1])) problems.push(`${at}: expected 'default allow' or 'default deny'`);
      if (++defaults > 1) problems.push(`${at}: a second 'default' line`);
      return;
    }
    if (!["allow", "deny"].includes(verb)) { problems.push(`${at}: a rule starts with allow, deny or default, not '${w[0]}'`); return; }
    if (w.length < 3) { problems.push(`${at}: expected '${verb} publish|subscribe|pubsub FILTER [user NAME] [client ID]'`); return; }
    if (w[1].toLowerCase() === "share") {
      if (w[2] !== "*" && /[/+#*]/.test(w[2].replaceAll("%u", "u").replaceAll("%c", "c"))) problems.push(`${at}: share group '${w[2]}': a group name (no /, + or #) or *`);
    } else if (!["publish", "subscribe", "pubsub", "both", "all"].includes(w[1].toLowerCase())) problems.push(`${at}: action must be publish, subscribe, pubsub or share, not '${w[1]}'`);
    const levels = w[1].toLowerCase() === "share" ? [] : w[2].split("/");
    levels.forEach((l, k) => {
      if (l.includes("#") && (l !== "#" || k !== levels.length - 1)) problems.push(`${at}: '#' must be a whole last level in '${w[2]}'`);
      if (l.includes("+") && l !== "+") problems.push(`${at}: '+' must be a whole level in '${w[2]}'`);
    });
    for (let k = 3; k < w.length; k += 2) {
      if (!["user", "client"].includes(w[k].toLowerCase())) problems.push(`${at}: expected 'user NAME' or 'client ID', not '${w[k]}'`);
      else if (k + 1 >= w.length) problems.push(`${at}: '${w[k]}' needs a value`);
    }
  });
  return problems;
}

// ------------------------------------------------------------------------------------------------ schema
// kind -> module of kubernetes-models exporting class <Kind> and interface I<Kind>
function modelModule(apiVersion, kind) {
  if (apiVersion === "monitoring.coreos.com/v1") return `@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

// One TypeScript program declares a constant of each kind's interface; walking a rendered object alongside its type
// finds every field the type does not have.
function strictTypes(kinds) {
  const dir = path.resolve(opts.modules);
  const file = path.join(dir, `kinds-${process.pid}.ts`);
  const names = [...kinds];
  const lines = names.map((k, i) => {
    const [apiVersion, kind] = k.split(" ");
    return `import type { I${kind} as T${i} } from "${modelModule(apiVersion, kind)}";\nexport declare const t${i}: T${i};`;
  });
  fs.writeFileSync(file, lines.join("\n") + "\n");
  const program = ts.createProgram([file], {
    strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2020,
    moduleResolution: ts.ModuleResolutionKind.Node10, types: [],
  });
  const diags = ts.getPreEmitDiagnostics(program);
  if (diags.length) {
    throw new Error("TypeScript could not load the model types: " +
      diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, " ")).join("; "));
  }
  fs.rmSync(file, { force: true });
  const checker = program.getTypeChecker();
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file)));
  const byKind = new Map();
  for (const e of exports) byKind.set(names[Number(e.name.slice(1))], checker.getTypeOfSymbol(e));

  const members = (t) => (t.isUnion() ? t.types : [t]).filter((x) => !(x.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
  function walk(value, type, where, report) {
    if (value === null || typeof value !== "object") return;
    const parts = members(type);
    if (Array.isArray(value)) {
      const arr = parts.find((p) => checker.isArrayType(p));
      if (arr) value.forEach((v, i) => walk(v, checker.getTypeArguments(arr)[0], `${where}[${i}]`, report));
      return;
    }
    const objects = parts.filter((p) => p.flags & ts.TypeFlags.Object && !checker.isArrayType(p));
    if (objects.length === 0) return;
    for (const [k, v] of Object.entries(value)) {
      let t = null;
      for (const o of objects) {
        const p = checker.getPropertyOfType(o, k);
        if (p) { t = checker.getTypeOfSymbol(p); break; }
        const index = checker.getIndexInfosOfType(o).find((ix) => ix.keyType.flags & ts.TypeFlags.String);
        if (index) t = index.type;
      }
      if (!t) {
        const known = [...new Set(objects.flatMap((o) => checker.getPropertiesOfType(o).map((s) => s.name)))].sort();
        report(`${where}.${k}: unknown field (known here: ${known.join(", ")})`);
        continue;
      }
      walk(v, t, `${where}.${k}`, report);
    }
  }
  return (obj, report) => walk(obj, byKind.get(`${obj.apiVersion} ${obj.kind}`), id(obj), report);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

// ------------------------------------------------------------------------------------------------ the overlays
const overlays = opts.rendered.map(({ name, file }) => ({
  name,
  objects: YAML.parseAllDocuments(fs.readFileSync(file, "utf8")).map((d) => d.toJSON()).filter(Boolean),
}));
const kinds = new Set(overlays.flatMap((o) => o.objects.map((x) => `${x.apiVersion} ${x.kind}`)));
let strict = null;
check("schema: TypeScript model types load for every kind rendered", (err) => {
  if (kinds.size === 0) { err("no rendered overlay to check"); return; }
  for (const k of kinds) {
    const [apiVersion, kind] = k.split(" ");
    try { require.resolve(modelModule(apiVersion, kind)); } catch (e) { err(`no model for ${k}`); }
  }
  strict = strictTypes(kinds);
});

for (const { name: overlay, objects } of overlays) {
  const where = (s) => `${overlay}: ${s}`;
  const ofKind = (k) => objects.filter((o) => o.kind === k);
  const workloads = objects.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet");
  const podLabels = (w) => (w.spec.template.metadata || {}).labels || {};
  const containersOf = (w) => w.spec.template.spec.containers || [];
  const role = (c) => (c.args || [])[0];
  const nodeSts = ofKind("StatefulSet").find((w) => containersOf(w).some((c) => role(c) === "node"));
  const gatewayDep = ofKind("Deployment").find((w) => containersOf(w).some((c) => role(c) === "gateway"));
  const nodeC = nodeSts && containersOf(nodeSts).find((c) => role(c) === "node");
  const gatewayC = gatewayDep && containersOf(gatewayDep).find((c) => role(c) === "gateway");
  // The ConfigMaps and Secrets a volume takes files from, and the keys each offers (null: not there).
  const volumeSources = (v) => {
    const one = (kind, ref, mode) => ref ? [{ kind, name: kind === "Secret" ? ref.secretName || ref.name : ref.name, items: ref.items, mode: ref.defaultMode !== undefined ? ref.defaultMode : mode }] : [];
    if (v.configMap) return one("ConfigMap", v.configMap);
    if (v.secret) return one("Secret", v.secret);
    if (v.projected) return (v.projected.sources || []).flatMap((s) => [...one("ConfigMap", s.configMap, v.projected.defaultMode), ...one("Secret", s.secret, v.projected.defaultMode)]);
    return [];
  };
  const sourceKeys = (src) => {
    const o = objects.find((x) => x.kind === src.kind && x.metadata.name === src.name);
    if (o) return [...Object.keys(o.data || {}), ...Object.keys(o.binaryData || {}), ...Object.keys(o.stringData || {})];
    const op = operatorCreated(src.kind, src.name);
    if (op) { operatorUsed.add(`${op.kind}/${op.name}`); return op.keys; }
    return null;
  };
  const portOf = (c, nameOrNumber) => (c.ports || []).find((p) => p.name === nameOrNumber || p.containerPort === nameOrNumber);
  const portNumber = (c, name) => { const p = portOf(c, name); return p ? p.containerPort : undefined; };

  check(where(`${objects.length} objects, one namespace, valid names and labels`), (err) => {
    if (objects.length === 0) err("nothing rendered");
    const namespaces = new Set(objects.filter((o) => o.kind !== "Namespace").map((o) => o.metadata.namespace));
    if (namespaces.size !== 1 || namespaces.has(undefined)) err(`objects in namespaces ${[...namespaces].join(", ")}`);
    const ns = ofKind("Namespace").map((o) => o.metadata.name);
    if (ns.length !== 1 || !namespaces.has(ns[0])) err(`the overlay should create its namespace (Namespace objects: ${ns.join(", ") || "none"})`);
    const seen = new Set();
    for (const o of objects) {
      if (seen.has(id(o))) err(`${id(o)} twice`);
      seen.add(id(o));
      const rx = ["Service", "Namespace"].includes(o.kind) ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
      if (!rx.test(o.metadata.name) || o.metadata.name.length > 63) err(`${id(o)}: name is not a DNS-1123 name`);
      const labelSets = [o.metadata.labels, o.spec && o.spec.template && o.spec.template.metadata && o.spec.template.metadata.labels];
      for (const ls of labelSets) for (const [k, v] of Object.entries(ls || {})) {
        if (!LABEL_VALUE.test(String(v)) || String(v).length > 63) err(`${id(o)}: label ${k}=${v} is not a valid label value`);
      }
    }
  });

  check(where("schema: every object validates against the Kubernetes API schema, no unknown fields"), (err) => {
    for (const o of objects) {
      let Model;
      try { Model = require(modelModule(o.apiVersion, o.kind))[o.kind]; } catch (e) { err(`${id(o)}: no model for ${o.apiVersion} ${o.kind}`); continue; }
      try {
        new Model(o).validate();
      } catch (e) {
        for (const x of e.errors || [{ instancePath: "", message: e.message }]) {
          err(`${id(o)}${x.instancePath || ""}: ${x.message}${x.params && x.params.allowedValues ? ` (${x.params.allowedValues.join(", ")})` : ""}`);
        }
      }
      if (strict) strict(o, err);
      const visitPorts = (v, at) => {
        if (Array.isArray(v)) v.forEach((x, i) => visitPorts(x, `${at}[${i}]`));
        else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) {
          if (["port", "containerPort", "targetPort", "hostPort"].includes(k) && typeof x === "number" && (x < 1 || x > 65535)) err(`${at}.${k}: ${x} is not a port`);
          visitPorts(x, `${at}.${k}`);
        }
      };
      visitPorts(o, id(o));
    }
  });

  check(where("workloads: selectors match their pod labels; pods are hardened; same image"), (err) => {
    const images = new Set();
    for (const w of workloads) {
      if (!labelsMatch(w.spec.selector, podLabels(w))) err(`${id(w)}: spec.selector does not match the pod template's labels`);
      const ps = w.spec.template.spec;
      if (ps.enableServiceLinks !== false) err(`${id(w)}: enableServiceLinks must be false (an unknown MQTTC_* variable stops a node)`);
      const sc = ps.securityContext || {};
      if (sc.runAsNonRoot !== true) err(`${id(w)}: runAsNonRoot is not true`);
      if (dockerUid !== null && sc.runAsUser !== dockerUid) err(`${id(w)}: runAsUser ${sc.runAsUser} is not the image's USER ${dockerUid}`);
      for (const c of containersOf(w)) {
        images.add(c.image);
        const r = c.resources || {};
        if (!r.requests || !r.requests.cpu || !r.requests.memory) err(`${id(w)}/${c.name}: no cpu and memory requests`);
        if (!r.limits || !r.limits.memory) err(`${id(w)}/${c.name}: no memory limit`);
        if (!["node", "gateway"].includes(role(c))) err(`${id(w)}/${c.name}: args must start with node or gateway (the image's entry point), not ${role(c)}`);
        for (const m of c.volumeMounts || []) {
          if (!(ps.volumes || []).some((v) => v.name === m.name)) err(`${id(w)}/${c.name}: volumeMount ${m.name} has no volume`);
        }
      }
      for (const v of ps.volumes || []) {
        for (const src of volumeSources(v)) {
          const keys = sourceKeys(src);
          if (!keys) {
            err(`${id(w)}: volume ${v.name} names ${src.kind} ${src.name}, which is neither rendered nor created by the operator (OPERATOR_CREATED in k8s/check/check-manifests.mjs)`);
            continue;
          }
          for (const it of src.items || []) if (!keys.includes(it.key)) err(`${id(w)}: volume ${v.name} wants key ${it.key} of ${src.kind} ${src.name}, which has ${keys.join(", ") || "none"}`);
          if (src.mode !== undefined) {
            const fsGroup = ps.securityContext && ps.securityContext.fsGroup;
            if (!(src.mode & 0o004) && !((src.mode & 0o040) && fsGroup !== undefined)) err(`${id(w)}: volume ${v.name}: mode 0${src.mode.toString(8)}: the process (user ${(ps.securityContext || {}).runAsUser}, fsGroup ${fsGroup}) cannot read the files`);
          }
        }
      }
    }
    if (images.size !== 1) err(`node and gateway should run the same image, found ${[...images].join(", ")}`);
    if (!nodeSts) err("no StatefulSet runs a node");
    if (!gatewayDep) err("no Deployment runs a gateway");
  });

  check(where("Services select pods and name ports the containers have (same numbers)"), (err) => {
    for (const s of ofKind("Service")) {
      const targets = workloads.filter((w) => labelsMatch({ matchLabels: s.spec.selector }, podLabels(w)));
      if (targets.length !== 1) { err(`${id(s)}: selects ${targets.length} workloads (${targets.map(id).join(", ")}), expected 1`); continue; }
      for (const p of s.spec.ports || []) {
        const tp = p.targetPort === undefined ? p.port : p.targetPort;
        const cp = containersOf(targets[0]).map((c) => portOf(c, tp)).find(Boolean);
        if (!cp) err(`${id(s)} port ${p.name}: targetPort ${tp} is no container port of ${id(targets[0])}`);
        else if (cp.containerPort !== p.port) err(`${id(s)} port ${p.name}: ${p.port} forwards to container port ${cp.containerPort}; keep them equal`);
        if (cp && (cp.protocol || "TCP") !== (p.protocol || "TCP")) err(`${id(s)} port ${p.name}: protocol differs from the container's`);
      }
    }
  });

  check(where("probes and preStop hooks use container ports and paths the processes serve"), (err) => {
    for (const w of workloads) for (const c of containersOf(w)) {
      const paths = served[role(c)] || new Set();
      const hooks = [["startupProbe", c.startupProbe], ["livenessProbe", c.livenessProbe], ["readinessProbe", c.readinessProbe],
        ["preStop", c.lifecycle && c.lifecycle.preStop]];
      for (const [kind, h] of hooks) {
        if (!h) { if (kind !== "preStop") err(`${id(w)}/${c.name}: no ${kind}`); continue; }
        if (!h.httpGet) continue;
        const p = portOf(c, h.httpGet.port);
        if (!p) err(`${id(w)}/${c.name} ${kind}: port ${h.httpGet.port} is no container port`);
        else if (p.name !== "http") err(`${id(w)}/${c.name} ${kind}: port ${h.httpGet.port} is not the HTTP port`);
        const pth = (h.httpGet.path || "/").split("?")[0];
        if (!paths.has(pth)) err(`${id(w)}/${c.name} ${kind}: ${role(c)} does not serve ${pth} (served: ${[...paths].sort().join(" ")})`);
      }
      if (c.readinessProbe && c.readinessProbe.httpGet && c.readinessProbe.httpGet.path !== "/health/ready") err(`${id(w)}/${c.name}: readiness should be /health/ready`);
      if (c.livenessProbe && c.livenessProbe.httpGet && c.livenessProbe.httpGet.path !== "/health/live") err(`${id(w)}/${c.name}: liveness should be /health/live`);
    }
    if (nodeC) {
      const ps = nodeC.lifecycle && nodeC.lifecycle.preStop;
      // an httpGet hook cannot drain: /admin/drain answers POST only, and only to the node's own machine without a token
      const cmd = ps && ps.exec && ps.exec.command;
      if (!cmd || cmd[0] !== "/app/node-drain") err(`${id(nodeSts)}: preStop should run /app/node-drain (POST /admin/drain over loopback)`);
      else if (!/COPY\s+(--chmod=0755\s+)?deploy\/node-drain\.sh\s+\/app\/node-drain\b/.test(read("deploy/Dockerfile"))) err(`deploy/Dockerfile: does not install deploy/node-drain.sh as /app/node-drain, which the preStop hook runs`);
      const grace = nodeSts.spec.template.spec.terminationGracePeriodSeconds;
      if (!(grace >= 20)) err(`${id(nodeSts)}: terminationGracePeriodSeconds ${grace} leaves the gateways no time to move the clients`);
    }
  });

  // ------------------------------------------------------------ the node's effective configuration
  function resolveEnv(w, c, err) {
    const env = new Map();
    for (const e of c.env || []) {
      let v;
      if (e.value !== undefined) v = String(e.value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n) => (env.has(n) ? env.get(n) : m));
      else if (e.valueFrom && e.valueFrom.fieldRef) {
        const f = e.valueFrom.fieldRef.fieldPath;
        v = f === "metadata.namespace" ? w.metadata.namespace : `<${f}>`;
      } else v = "<from elsewhere>";
      if (/\$\(/.test(v)) err(`${id(w)}/${c.name}: env ${e.name}=${v} refers to a variable not defined before it`);
      env.set(e.name, v);
    }
    return env;
  }
  function configFile(w, c, flagValue, err) {
    const mount = (c.volumeMounts || []).find((m) => flagValue.startsWith(m.mountPath.replace(/\/$/, "") + "/"));
    if (!mount) { err(`${id(w)}/${c.name}: --config ${flagValue} is on no volume mount`); return {}; }
    const key = flagValue.slice(mount.mountPath.replace(/\/$/, "").length + 1);
    const vol = (w.spec.template.spec.volumes || []).find((v) => v.name === mount.name);
    const cm = vol && vol.configMap && objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === vol.configMap.name);
    if (!cm || !cm.data || cm.data[key] === undefined) { err(`${id(w)}/${c.name}: --config ${flagValue}: no key ${key} in the mounted ConfigMap`); return {}; }
    try { return YAML.parse(cm.data[key]) || {}; } catch (e) { err(`${id(w)}/${c.name}: ${key} is not YAML: ${e.message}`); return {}; }
  }
  function parseArgs(w, c, env, flagMap, err) {
    const args = (c.args || []).slice(1).map((a) => String(a).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n) => (env.has(n) ? env.get(n) : m)));
    const out = { config: null, set: {} };
    for (let i = 0; i < args.length; i++) {
      let [flag, value] = args[i].includes("=") && args[i].startsWith("--") ? [args[i].slice(0, args[i].indexOf("=")), args[i].slice(args[i].indexOf("=") + 1)] : [args[i], undefined];
      const take = () => (value !== undefined ? value : args[++i]);
      if (flag === "--config") out.config = take();
      else if (flag === "--set") { const kv = take(); out.set[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1); }
      else if (flagMap[flag]) out.set[flagMap[flag]] = take();
      else if (flag === "--proxy-protocol" || flag === "--rebalance") out.set[flag.slice(2)] = "true";
      else err(`${id(w)}/${c.name}: unknown flag ${flag}`);
    }
    return out;
  }
  let nodeCfg = null;
  check(where("node: configuration keys and MQTTC_* variables exist; ports, DNS name, size and quorum agree"), (err) => {
    if (!nodeSts || !nodeC) { err("no node StatefulSet"); return; }
    const env = resolveEnv(nodeSts, nodeC, err);
    const a = parseArgs(nodeSts, nodeC, env, nodeFlags, err);
    const cfg = {};
    for (const [k, v] of nodeKeys) cfg[k] = v.def;
    if (!a.config) err(`${id(nodeSts)}: no --config`);
    const file = a.config ? flatten(configFile(nodeSts, nodeC, a.config, err)) : {};
    for (const [k, v] of Object.entries(file)) {
      if (!nodeKeys.has(k)) err(`config key ${k} does not exist (docs/configuration.md configuration table)`);
      cfg[k] = Array.isArray(v) ? v.join(",") : String(v);
    }
    for (const [k, v] of env) {
      if (!k.startsWith("MQTTC_")) continue;
      if (!nodeEnvToKey.has(k)) err(`${k}: no such variable; an unknown MQTTC_* variable stops the node`);
      else cfg[nodeEnvToKey.get(k)] = v;
    }
    for (const [k, v] of Object.entries(a.set)) { if (!nodeKeys.has(k)) err(`--set ${k}: no such key`); cfg[k] = v; }
    nodeCfg = cfg;
    const num = (k) => Number(cfg[k]);
    const expect = (what, got, want) => { if (String(got) !== String(want)) err(`${what}: ${got}, expected ${want}`); };
    expect("mqtt.port vs container port mqtt", num("mqtt.port"), portNumber(nodeC, "mqtt"));
    expect("http.port vs container port http", num("http.port"), portNumber(nodeC, "http"));
    expect("cluster.port vs container port hazelcast", num("cluster.port"), portNumber(nodeC, "hazelcast"));
    const bus = num("cluster.bus-port") === 0 ? num("cluster.port") + 100 : num("cluster.bus-port");
    expect("cluster.bus-port (0: cluster.port + 100) vs container port bus", bus, portNumber(nodeC, "bus"));
    expect("cluster.host", cfg["cluster.host"], "<status.podIP>");
    expect("node.name", cfg["node.name"], "<metadata.name>");
    const headless = ofKind("Service").find((s) => s.metadata.name === nodeSts.spec.serviceName);
    if (!headless) err(`${id(nodeSts)}: serviceName ${nodeSts.spec.serviceName} is not a rendered Service`);
    else {
      if (headless.spec.clusterIP !== "None") err(`${id(headless)}: clusterIP must be None (headless) for DNS discovery`);
      if (headless.spec.publishNotReadyAddresses !== true) err(`${id(headless)}: publishNotReadyAddresses must be true (a starting node must find the others to become ready)`);
      if (!labelsMatch({ matchLabels: headless.spec.selector }, podLabels(nodeSts))) err(`${id(headless)} does not select the node pods`);
      for (const [name, n] of [["mqtt", num("mqtt.port")], ["http", num("http.port")], ["hazelcast", num("cluster.port")], ["bus", bus]]) {
        if (!(headless.spec.ports || []).some((p) => p.port === n && p.name === name)) err(`${id(headless)}: no port ${name} ${n}`);
      }
      expect("cluster.kubernetes-service-dns", cfg["cluster.kubernetes-service-dns"], `${headless.metadata.name}.${headless.metadata.namespace}.svc.cluster.local`);
    }
    expect("cluster.size vs StatefulSet replicas", num("cluster.size"), nodeSts.spec.replicas);
    if (num("cluster.size") > 1 && nodeSts.spec.podManagementPolicy !== "Parallel") err(`${id(nodeSts)}: podManagementPolicy must be Parallel: below the quorum no node is ready, so OrderedReady never starts the second pod`);
    if (num("cluster.size") > 1 && !(num("cluster.backup-count") >= 1)) err("cluster.backup-count must be at least 1 with more than one node");
    if (num("cluster.backup-count") >= num("cluster.size") && num("cluster.backup-count") > 0) err(`cluster.backup-count ${num("cluster.backup-count")} needs more than ${num("cluster.size")} nodes`);
  });

  let gatewayCfg = null;
  check(where("gateway: keys, flags and ports exist and agree with the nodes (DNS name, MQTT and HTTP ports)"), (err) => {
    if (!gatewayDep || !gatewayC) { err("no gateway Deployment"); return; }
    const env = resolveEnv(gatewayDep, gatewayC, err);
    const a = parseArgs(gatewayDep, gatewayC, env, gatewayFlags, err);
    const cfg = {};
    for (const [k, v] of gatewayKeys) cfg[k] = v.def;
    const file = a.config ? flatten(configFile(gatewayDep, gatewayC, a.config, err)) : {};
    for (const [k, v] of Object.entries(file)) {
      if (!gatewayKeys.has(k)) err(`gateway key ${k} does not exist (lb-gateway/README.md)`);
      cfg[k] = Array.isArray(v) ? v.join(",") : String(v);
    }
    const envToKey = new Map([...gatewayKeys].map(([k, v]) => [v.env, k]));
    for (const [k, v] of env) if (k.startsWith("GATEWAY_")) {
      if (!envToKey.has(k)) err(`${k}: matches no gateway key (ignored by the gateway)`);
      else cfg[envToKey.get(k)] = v;
    }
    for (const [k, v] of Object.entries(a.set)) { if (!gatewayKeys.has(k)) err(`gateway --set ${k}: no such key`); cfg[k] = v; }
    gatewayCfg = cfg;
    const expect = (what, got, want) => { if (String(got) !== String(want)) err(`${what}: ${got}, expected ${want}`); };
    expect("gateway port vs container port mqtt", cfg["port"], portNumber(gatewayC, "mqtt"));
    expect("gateway http-port vs container port http", cfg["http-port"], portNumber(gatewayC, "http"));
    if (nodeSts && nodeCfg) {
      const headless = ofKind("Service").find((s) => s.metadata.name === nodeSts.spec.serviceName);
      if (headless) expect("gateway dns.name", cfg["dns.name"], `${headless.metadata.name}.${headless.metadata.namespace}.svc.cluster.local`);
      expect("gateway node-mqtt-port vs node mqtt.port", cfg["node-mqtt-port"], nodeCfg["mqtt.port"]);
      expect("gateway node-http-port vs node http.port", cfg["node-http-port"], nodeCfg["http.port"]);
      expect("gateway dns.node-key (stable keys for StatefulSet pods)", cfg["dns.node-key"], "hostname");
    }
    const lb = ofKind("Service").find((s) => s.spec.type === "LoadBalancer");
    if (!lb) err("no LoadBalancer Service");
    else {
      if (!labelsMatch({ matchLabels: lb.spec.selector }, podLabels(gatewayDep))) err(`${id(lb)} does not select the gateway pods`);
      const exposed = (lb.spec.ports || []).map((p) => portOf(gatewayC, p.targetPort === undefined ? p.port : p.targetPort)).filter(Boolean);
      if (!exposed.some((cp) => MQTT_LISTENERS.includes(cp.name))) err(`${id(lb)}: exposes no MQTT listener of the gateway (${MQTT_LISTENERS.join(", ")})`);
      for (const cp of exposed) if (!MQTT_LISTENERS.includes(cp.name)) err(`${id(lb)}: exposes the gateway's ${cp.name} port ${cp.containerPort} on the load balancer`);
      if (lb.spec.externalTrafficPolicy !== "Local") err(`${id(lb)}: externalTrafficPolicy Local keeps client addresses (logs, PROXY headers to the nodes, the per-source limit when it is on)`);
      if ((lb.spec.ports || []).some((p) => p.port === Number(cfg["http-port"]))) err(`${id(lb)}: exposes the gateway's HTTP port on the load balancer`);
    }
  });

  check(where("listeners: the containers declare exactly the enabled MQTT listeners, at the configured ports (tls.port, ws.port, wss.port)"), (err) => {
    const sides = [
      [nodeSts, nodeC, nodeCfg, [["mqtt", "mqtt.port", true], ["mqtts", "tls.port", "tls.enabled"], ["ws", "ws.port", "ws.enabled"], ["wss", "wss.port", "wss.enabled"]],
        ["mqtt", "mqtts", "ws", "wss", "http", "hazelcast", "bus"]],
      [gatewayDep, gatewayC, gatewayCfg, [["mqtt", "port", true], ["mqtts", "tls.port", "tls.enabled"]], ["mqtt", "mqtts", "http"]],
    ];
    for (const [w, c, cfg, listeners, names] of sides) {
      if (!w || !c || !cfg) continue;
      for (const p of c.ports || []) if (!names.includes(p.name)) err(`${id(w)}/${c.name}: container port ${p.containerPort} is named ${p.name}; known names: ${names.join(", ")}`);
      for (const [name, key, enabledKey] of listeners) {
        const on = enabledKey === true || isTrue(cfg[enabledKey]);
        const cp = portOf(c, name);
        if (on && !cp) err(`${id(w)}/${c.name}: ${enabledKey === true ? "the" : enabledKey + " is true:"} listener ${key} ${cfg[key]} has no container port named ${name}`);
        else if (on && String(cp.containerPort) !== String(cfg[key])) err(`${id(w)}/${c.name}: container port ${name} is ${cp.containerPort}, ${key} is ${cfg[key]}`);
        else if (!on && cp) err(`${id(w)}/${c.name}: container port ${name} ${cp.containerPort}, but ${enabledKey} is not true (nothing listens there)`);
      }
      const tlsOn = isTrue(cfg["tls.enabled"]) || isTrue(cfg["wss.enabled"]);
      if (tlsOn && (unset(cfg["tls.cert-file"]) || unset(cfg["tls.key-file"]))) err(`${id(w)}/${c.name}: TLS is on but tls.cert-file or tls.key-file is not set`);
      if (tlsOn && cfg["tls.client-auth"] !== "none" && unset(cfg["tls.ca-file"])) err(`${id(w)}/${c.name}: tls.client-auth ${cfg["tls.client-auth"]} needs tls.ca-file`);
    }
  });

  check(where("files: every *-file of the configuration is mounted, without subPath, from a ConfigMap or Secret that has it; the ACL parses"), (err) => {
    for (const [w, c, cfg] of [[nodeSts, nodeC, nodeCfg], [gatewayDep, gatewayC, gatewayCfg]]) {
      if (!w || !c || !cfg) continue;
      for (const [key, value] of Object.entries(cfg)) {
        if (!isFileKey(key) || unset(value)) continue;
        const file = String(value);
        const mounts = (c.volumeMounts || []).filter((m) => file === m.mountPath || file.startsWith(m.mountPath.replace(/\/$/, "") + "/"))
          .sort((a, b) => b.mountPath.length - a.mountPath.length);
        if (mounts.length === 0) { err(`${id(w)}/${c.name}: ${key} ${file} is on no volume mount`); continue; }
        const m = mounts[0];
        if (m.subPath) { err(`${id(w)}/${c.name}: ${key} ${file} is a subPath mount, which never sees the ConfigMap's or Secret's updates: mount the directory`); continue; }
        const relPath = file.slice(m.mountPath.replace(/\/$/, "").length + 1);
        const vol = (w.spec.template.spec.volumes || []).find((v) => v.name === m.name);
        const srcs = vol ? volumeSources(vol) : [];
        if (srcs.length === 0) { err(`${id(w)}/${c.name}: ${key} ${file}: volume ${m.name} is no ConfigMap or Secret`); continue; }
        let found = null;
        for (const src of srcs) {
          const keys = sourceKeys(src) || [];
          const paths = src.items ? src.items.map((it) => [it.path, it.key]) : keys.map((k) => [k, k]);
          const hit = paths.find(([pth]) => pth === relPath);
          if (hit && keys.includes(hit[1])) { found = { src, key: hit[1] }; break; }
        }
        if (!found) { err(`${id(w)}/${c.name}: ${key} ${file}: no ${relPath} in volume ${m.name} (${srcs.map((x) => `${x.kind} ${x.name}`).join(", ")})`); continue; }
        if (key === "auth.acl-file") {
          const o = objects.find((x) => x.kind === found.src.kind && x.metadata.name === found.src.name);
          if (o && o.data && o.data[found.key] !== undefined) for (const pr of aclProblems(o.data[found.key])) err(`${found.src.kind} ${found.src.name}, ${found.key} ${pr}`);
        }
      }
    }
  });

  check(where("security: PROXY protocol, client certificates, anonymous access and the load balancer agree between gateways and nodes; several nodes have a cluster secret"), (err) => {
    if (!nodeCfg || !gatewayCfg) return;
    const gwProxy = isTrue(gatewayCfg["proxy-protocol"]);
    const nodeProxy = isTrue(nodeCfg["mqtt.proxy-protocol"]);
    if (gwProxy !== nodeProxy) err(`the gateways ${gwProxy ? "send" : "do not send"} PROXY headers (proxy-protocol ${gwProxy}), the nodes ${nodeProxy ? "expect" : "do not expect"} them (mqtt.proxy-protocol ${nodeProxy}): no client would get through`);
    const gwTls = isTrue(gatewayCfg["tls.enabled"]);
    const gwClientAuth = gwTls ? gatewayCfg["tls.client-auth"] : "none";
    if (gwClientAuth !== "none" && !gwProxy) err(`the gateway's tls.client-auth ${gwClientAuth} needs proxy-protocol true (the certificate's name travels in the PROXY header); the gateway would not start`);
    const identity = isTrue(nodeCfg["auth.use-identity-as-username"]);
    const nodeCerts = (isTrue(nodeCfg["tls.enabled"]) || isTrue(nodeCfg["wss.enabled"])) && nodeCfg["tls.client-auth"] !== "none";
    const gwCerts = gwClientAuth !== "none" && gwProxy;
    if (gwClientAuth === "optional" && !identity) err("the gateway asks for optional client certificates, but the nodes ignore their names (auth.use-identity-as-username false): set it, or tls.client-auth none");
    if (identity && !gwCerts && !nodeCerts) err("auth.use-identity-as-username is true, but no listener verifies client certificates (gateway tls.client-auth, or the node's own tls.client-auth)");
    if (nodeSts && nodeSts.spec.replicas > 1 && unset(nodeCfg["cluster.secret-file"])) err(`${id(nodeSts)}: ${nodeSts.spec.replicas} nodes without cluster.secret-file: any pod that reaches the bus port can forward messages, take over sessions and change subscriptions`);
    const anonymous = isTrue(nodeCfg["auth.allow-anonymous"]);
    if (!anonymous && unset(nodeCfg["auth.password-file"]) && !(identity && (gwCerts || nodeCerts))) err("auth.allow-anonymous is false, but there is no password file and no client certificate identity: nobody can log in");
    const lb = ofKind("Service").find((s) => s.spec.type === "LoadBalancer");
    if (lb && gatewayC && !anonymous) {
      for (const p of lb.spec.ports || []) {
        const cp = portOf(gatewayC, p.targetPort === undefined ? p.port : p.targetPort);
        if (cp && cp.name === "mqtt") err(`${id(lb)} exposes plain MQTT (${p.port}) while the nodes require a login: user names and passwords would cross the network unencrypted (expose tls.port)`);
      }
    }
  });

  check(where("operator-created Secrets and ConfigMaps the pods mount are documented with the command that creates them"), (err) => {
    const ns = (objects.find((o) => o.kind !== "Namespace") || { metadata: {} }).metadata.namespace;
    const texts = kustomizationTexts(rel("k8s", "overlays", overlay));
    for (const w of workloads) for (const v of w.spec.template.spec.volumes || []) for (const src of volumeSources(v)) {
      if (objects.some((o) => o.kind === src.kind && o.metadata.name === src.name)) continue;
      const op = operatorCreated(src.kind, src.name);
      if (!op) continue; // reported by the workloads check
      const doc = texts.map((t) => ({ file: t.file, m: t.text.match(op.command) })).find((x) => x.m);
      if (!doc) err(`${id(w)} mounts ${src.kind} ${src.name}, which the operator creates, but no kustomization of this overlay (${texts.map((t) => t.file).join(", ")}) shows the command (${op.command.source})`);
      else if (doc.m[1] !== ns) err(`${doc.file}: the command creating ${src.kind} ${src.name} uses namespace ${doc.m[1]}, the overlay's is ${ns}`);
    }
  });

  check(where("PodDisruptionBudgets and the HorizontalPodAutoscaler point at workloads"), (err) => {
    for (const p of ofKind("PodDisruptionBudget")) {
      const ws = workloads.filter((w) => labelsMatch(p.spec.selector, podLabels(w)));
      if (ws.length !== 1) err(`${id(p)} selects ${ws.length} workloads`);
      else if (p.spec.minAvailable !== undefined && p.spec.minAvailable >= ws[0].spec.replicas) err(`${id(p)}: minAvailable ${p.spec.minAvailable} blocks every eviction`);
    }
    if (nodeSts && !ofKind("PodDisruptionBudget").some((p) => labelsMatch(p.spec.selector, podLabels(nodeSts)))) err("no PodDisruptionBudget for the nodes");
    const hpas = ofKind("HorizontalPodAutoscaler");
    if (hpas.length === 0) err("no HorizontalPodAutoscaler");
    for (const h of hpas) {
      const t = workloads.find((w) => w.kind === h.spec.scaleTargetRef.kind && w.metadata.name === h.spec.scaleTargetRef.name);
      if (!t) { err(`${id(h)}: target ${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name} not rendered`); continue; }
      if (t !== gatewayDep) err(`${id(h)} scales ${id(t)}, not the gateway`);
      if ((h.spec.minReplicas || 1) > h.spec.maxReplicas) err(`${id(h)}: minReplicas > maxReplicas`);
      if (t.spec.replicas !== undefined && t.spec.replicas < (h.spec.minReplicas || 1)) err(`${id(t)}: replicas ${t.spec.replicas} below the HPA's minReplicas`);
      for (const m of h.spec.metrics || []) if (m.type === "Resource") {
        if (!containersOf(t).every((c) => c.resources && c.resources.requests && c.resources.requests[m.resource.name])) err(`${id(h)}: ${m.resource.name} utilisation needs ${m.resource.name} requests on ${id(t)}`);
      }
    }
  });

  check(where("NetworkPolicies allow exactly the traffic the system needs"), (err) => {
    const nps = ofKind("NetworkPolicy");
    const allows = (targetW, from, port) => nps.some((np) => labelsMatch(np.spec.podSelector, podLabels(targetW)) &&
      (np.spec.ingress || []).some((r) => {
        const portOk = !r.ports || r.ports.some((p) => p.port === port || (typeof p.port === "string" && containersOf(targetW).some((c) => portNumber(c, p.port) === port)));
        if (!portOk) return false;
        if (from === "anyone") return !r.from || r.from.length === 0;
        return (r.from || []).some((peer) => {
          if (peer.ipBlock) return false;
          if (from === "prometheus") return peer.namespaceSelector && peer.podSelector && labelsMatch(peer.podSelector, { "app.kubernetes.io/name": "prometheus" });
          return !peer.namespaceSelector && peer.podSelector && labelsMatch(peer.podSelector, podLabels(from));
        });
      }));
    for (const np of nps) {
      if (!workloads.some((w) => labelsMatch(np.spec.podSelector, podLabels(w)))) err(`${id(np)}: podSelector matches no workload`);
      for (const r of np.spec.ingress || []) for (const peer of r.from || []) {
        if (peer.podSelector && !peer.namespaceSelector && !workloads.some((w) => labelsMatch(peer.podSelector, podLabels(w)))) err(`${id(np)}: a peer podSelector matches no workload`);
      }
    }
    if (!nodeSts || !gatewayDep || !nodeCfg) return;
    const gwHttp = portNumber(gatewayC, "http");
    // clients reach exactly the gateway listeners that the load balancer exposes
    const lb = ofKind("Service").find((s) => s.spec.type === "LoadBalancer");
    const onLb = new Set(((lb && lb.spec.ports) || []).map((p) => portOf(gatewayC, p.targetPort === undefined ? p.port : p.targetPort)).filter(Boolean).map((cp) => cp.containerPort));
    const need = [
      ...[...onLb].map((port) => [gatewayDep, "anyone", port, `clients from anywhere to the gateways' listener on the load balancer`]),
      [gatewayDep, "prometheus", gwHttp, "Prometheus to the gateways' /metrics"],
      [nodeSts, gatewayDep, portNumber(nodeC, "mqtt"), "gateways to the nodes' MQTT port"],
      [nodeSts, gatewayDep, portNumber(nodeC, "http"), "gateways to the nodes' health checks"],
      [nodeSts, nodeSts, portNumber(nodeC, "hazelcast"), "nodes to nodes on the Hazelcast port"],
      [nodeSts, nodeSts, portNumber(nodeC, "bus"), "nodes to nodes on the forwarding port"],
      [nodeSts, "prometheus", portNumber(nodeC, "http"), "Prometheus to the nodes' /metrics"],
    ];
    for (const [t, from, port, what] of need) if (!allows(t, from, port)) err(`not allowed: ${what} (${port})`);
    const forbidden = [
      [nodeSts, "anyone", portNumber(nodeC, "hazelcast"), "anyone to the Hazelcast port"],
      ...(nodeC.ports || []).filter((p) => NODE_LISTENERS.includes(p.name)).map((p) =>
        [nodeSts, "anyone", p.containerPort, `anyone to the nodes' ${p.name} port (clients go through the gateways; with the PROXY protocol a node believes whatever header it is sent)`]),
      ...(gatewayC.ports || []).filter((p) => !onLb.has(p.containerPort)).map((p) =>
        [gatewayDep, "anyone", p.containerPort, `anyone to the gateways' ${p.name} port ${p.containerPort}, which the load balancer does not expose`]),
    ];
    for (const [t, from, port, what] of forbidden) if (allows(t, from, port)) err(`allowed but should not be: ${what}`);
    if (!nps.some((np) => labelsMatch(np.spec.podSelector, podLabels(nodeSts)))) err("no NetworkPolicy selects the nodes");
  });

  const monitors = ofKind("ServiceMonitor");
  if (monitors.length || ofKind("PrometheusRule").length) {
    check(where("ServiceMonitors select Services with the named ports; job names are the rules'; PrometheusRule = alerts.yml"), (err) => {
      const jobs = new Set();
      for (const m of monitors) {
        const svcs = ofKind("Service").filter((s) => labelsMatch(m.spec.selector, s.metadata.labels));
        if (svcs.length === 0) err(`${id(m)} selects no Service`);
        for (const e of m.spec.endpoints || []) {
          if (!svcs.some((s) => (s.spec.ports || []).some((p) => p.name === e.port))) err(`${id(m)}: no selected Service has a port named ${e.port}`);
          const job = (e.relabelings || []).find((r) => r.targetLabel === "job");
          if (!job) err(`${id(m)}: the job label is not set (the rules select on job)`);
          else { jobs.add(job.replacement); if (!promJobs.has(job.replacement)) err(`${id(m)}: job ${job.replacement} is not a job of deploy/prometheus/prometheus.yml`); }
        }
      }
      for (const j of ["mqtt-node", "mqtt-gateway"]) if (monitors.length && !jobs.has(j)) err(`no ServiceMonitor sets job ${j}`);
      const rules = ofKind("PrometheusRule");
      if (rules.length !== 1) err(`expected one PrometheusRule, found ${rules.length}`);
      else if (!deepEqual(rules[0].spec.groups, alertsFile.groups)) err(`${id(rules[0])} differs from deploy/prometheus/alerts.yml: run scripts/check-manifests.sh --update-rules`);
    });
  }
}

check("OPERATOR_CREATED lists only Secrets and ConfigMaps that some overlay mounts", (err) => {
  if (overlays.length === 0) return;
  for (const o of OPERATOR_CREATED) if (!operatorUsed.has(`${o.kind}/${o.name}`)) err(`${o.kind} ${o.name}: no rendered overlay mounts it; remove it from OPERATOR_CREATED`);
});

// ------------------------------------------------------------------------------------------------ monitoring files
check("alerts.yml: every alert has a severity, a summary, a description and a duration; jobs exist", (err) => {
  for (const g of alertsFile.groups || []) for (const r of g.rules || []) {
    if (!r.alert) continue;
    if (!["critical", "warning"].includes((r.labels || {}).severity)) err(`${r.alert}: severity must be critical or warning`);
    if (!(r.annotations || {}).summary || !(r.annotations || {}).description) err(`${r.alert}: summary and description needed`);
    if (!r.for) err(`${r.alert}: no 'for'`);
    for (const m of String(r.expr).matchAll(/job=~?"([^"]+)"/g)) for (const j of m[1].split("|")) if (!promJobs.has(j)) err(`${r.alert}: job ${j} is not scraped by deploy/prometheus/prometheus.yml`);
  }
});

check("dashboard: valid JSON, datasource variable, every panel has queries, unique ids, no overlaps, known jobs", (err) => {
  const d = JSON.parse(read("deploy", "grafana", "dashboards", "mqtt-cluster.json"));
  if (!d.uid || !d.title) err("uid and title needed");
  const vars = ((d.templating || {}).list || []);
  if (!vars.some((v) => v.type === "datasource" && v.name === "datasource" && v.query === "prometheus")) err("no datasource variable 'datasource' of type prometheus");
  const ids = new Set();
  const boxes = [];
  for (const p of d.panels || []) {
    if (ids.has(p.id)) err(`panel id ${p.id} twice`);
    ids.add(p.id);
    const g = p.gridPos;
    if (!g || g.w < 1 || g.h < 1 || g.x + g.w > 24) err(`panel ${p.title}: bad gridPos`);
    else {
      for (const b of boxes) if (g.x < b.x + b.w && b.x < g.x + g.w && g.y < b.y + b.h && b.y < g.y + g.h) err(`panels ${b.title} and ${p.title} overlap`);
      boxes.push({ ...g, title: p.title });
    }
    if (p.type === "row") continue;
    if (!p.targets || p.targets.length === 0) err(`panel ${p.title}: no queries`);
    for (const t of p.targets || []) {
      if (!t.expr) err(`panel ${p.title}: a target without expr`);
      if (!t.datasource || t.datasource.uid !== "${datasource}") err(`panel ${p.title}: target not on \${datasource}`);
      for (const m of String(t.expr).matchAll(/job=~?"([^"]+)"/g)) for (const j of m[1].split("|")) if (!promJobs.has(j)) err(`panel ${p.title}: job ${j} is not scraped`);
    }
    if (!p.datasource || p.datasource.uid !== "${datasource}") err(`panel ${p.title}: not on \${datasource}`);
  }
});

// ------------------------------------------------------------------------------------------------ compose
check("docker-compose.yml: nodes, gateway, Prometheus and Grafana agree with each other and with the files", (err) => {
  const dir = rel("deploy");
  const c = YAML.parse(read("deploy", "docker-compose.yml"), { merge: true });
  const svcs = c.services || {};
  const nodes = Object.entries(svcs).filter(([, s]) => (s.command || [])[0] === "node");
  const gws = Object.entries(svcs).filter(([, s]) => (s.command || [])[0] === "gateway");
  if (nodes.length !== 3) err(`expected 3 node services, found ${nodes.length}`);
  if (gws.length !== 1) err(`expected 1 gateway service, found ${gws.length}`);
  for (const [name, s] of Object.entries(svcs)) {
    if (s.build) {
      if (!fs.existsSync(path.join(dir, s.build.context || "."))) err(`${name}: build context ${s.build.context} does not exist`);
      if (!fs.existsSync(path.join(dir, s.build.context || ".", s.build.dockerfile || "Dockerfile"))) err(`${name}: ${s.build.dockerfile} does not exist`);
    }
    for (const v of s.volumes || []) {
      const host = String(v).split(":")[0];
      if (host.startsWith(".") && !fs.existsSync(path.join(dir, host))) err(`${name}: volume ${host} does not exist`);
    }
    for (const t of (s.healthcheck || {}).test || []) if (String(t).startsWith("/app/") && !read("deploy", "Dockerfile").includes(` ${t}\n`)) err(`${name}: healthcheck ${t} is not installed by the Dockerfile`);
  }
  const nodePorts = [];
  for (const [name, s] of nodes) {
    const env = s.environment || {};
    const cfg = {};
    for (const [k, v] of nodeKeys) cfg[k] = v.def;
    for (const [k, v] of Object.entries(env)) {
      if (!k.startsWith("MQTTC_")) continue;
      if (!nodeEnvToKey.has(k)) err(`${name}: ${k} is no node variable (the node would not start)`);
      else cfg[nodeEnvToKey.get(k)] = String(v);
    }
    if (cfg["node.name"] !== name) err(`${name}: MQTTC_NODE_NAME ${cfg["node.name"]}, expected the service name`);
    if (Number(cfg["cluster.size"]) !== nodes.length) err(`${name}: cluster.size ${cfg["cluster.size"]} for ${nodes.length} nodes`);
    const want = nodes.map(([n]) => `${n}:${cfg["cluster.port"]}`).sort().join(",");
    if (String(cfg["cluster.members"]).split(",").sort().join(",") !== want) err(`${name}: cluster.members ${cfg["cluster.members"]}, expected ${want}`);
    nodePorts.push({ name, mqtt: cfg["mqtt.port"], http: cfg["http.port"] });
  }
  for (const [name, s] of gws) {
    const cmd = s.command.map(String);
    const i = cmd.indexOf("--nodes");
    const want = nodePorts.map((n) => `${n.name}:${n.mqtt}:${n.http}`).sort().join(",");
    if (i < 0 || cmd[i + 1].split(",").sort().join(",") !== want) err(`${name}: --nodes should be ${want}`);
  }
  const scrape = (job) => ((promConfig.scrape_configs || []).find((j) => j.job_name === job) || { static_configs: [] })
    .static_configs.flatMap((sc) => sc.targets).sort().join(",");
  const wantNodes = nodePorts.map((n) => `${n.name}:${n.http}`).sort().join(",");
  if (scrape("mqtt-node") !== wantNodes) err(`prometheus.yml job mqtt-node targets ${scrape("mqtt-node")}, expected ${wantNodes}`);
  const gwTargets = gws.map(([n]) => `${n}:${gatewayKeys.get("http-port").def}`).sort().join(",");
  if (scrape("mqtt-gateway") !== gwTargets) err(`prometheus.yml job mqtt-gateway targets ${scrape("mqtt-gateway")}, expected ${gwTargets}`);
  for (const rf of promConfig.rule_files || []) if (!fs.existsSync(rel("deploy", "prometheus", rf))) err(`prometheus.yml: rule file ${rf} missing`);
  const prom = svcs.prometheus || {};
  if (!(prom.volumes || []).some((v) => String(v).startsWith("./prometheus:/etc/prometheus"))) err("prometheus: deploy/prometheus is not mounted at /etc/prometheus");
  const graf = svcs.grafana || {};
  const provider = YAML.parse(read("deploy", "grafana", "provisioning", "dashboards", "mqtt-cluster.yml")).providers[0];
  const dashMount = (graf.volumes || []).map(String).find((v) => v.startsWith("./grafana/dashboards:"));
  if (!dashMount || dashMount.split(":")[1] !== provider.options.path) err(`grafana: dashboards not mounted at the provider's path ${provider.options.path}`);
  const home = (graf.environment || {}).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
  if (home && !fs.existsSync(rel("deploy", "grafana", "dashboards", path.basename(home)))) err(`grafana: home dashboard ${home} missing`);
  const ds = YAML.parse(read("deploy", "grafana", "provisioning", "datasources", "prometheus.yml")).datasources[0];
  if (!/^http:\/\/prometheus:9090\/?$/.test(ds.url)) err(`grafana datasource url ${ds.url} is not the prometheus service`);
  if (!(graf.volumes || []).some((v) => String(v).startsWith("./grafana/provisioning:/etc/grafana/provisioning"))) err("grafana: provisioning not mounted");
});

// ------------------------------------------------------------------------------------------------ image
check("Dockerfile: copied paths exist and are not ignored, jars match the poms, JVM flags match pom.xml, ports and user", (err) => {
  const text = read("deploy", "Dockerfile").replace(/\\\n/g, " ");
  const ignore = read("deploy", "Dockerfile.dockerignore").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const toRx = (p) => new RegExp("^" + p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*\//g, "(.*/)?").replace(/\*/g, "[^/]*") + "(/.*)?$");
  const ignored = (p) => ignore.some((g) => !g.startsWith("!") && toRx(g).test(p.replace(/^\.\//, "").replace(/\/$/, "")));
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  for (const l of lines) {
    const m = l.match(/^(COPY|ADD)\s+(.*)$/);
    if (!m) continue;
    const parts = m[2].split(/\s+/).filter((p) => !p.startsWith("--"));
    if (/--from=/.test(m[2])) continue;
    for (const src of parts.slice(0, -1)) {
      if (src === ".") continue;
      if (!fs.existsSync(rel(src))) err(`COPY ${src}: does not exist`);
      else if (ignored(src)) err(`COPY ${src}: excluded by Dockerfile.dockerignore`);
    }
  }
  for (const essential of ["pom.xml", "cluster/pom.xml", "broker-node/pom.xml", "lb-gateway/pom.xml", "broker-node/src", "lb-gateway/src", "cluster/src"]) {
    if (ignored(essential)) err(`${essential} is excluded by Dockerfile.dockerignore`);
  }
  const rootPom = read("pom.xml");
  for (const mod of (rootPom.match(/<module>([^<]+)<\/module>/g) || []).map((x) => x.replace(/<\/?module>/g, ""))) {
    if (ignored(`${mod}/pom.xml`)) err(`module ${mod}'s pom.xml is excluded: the reactor cannot load`);
  }
  for (const m of text.matchAll(/([a-z-]+)\/target\/([a-z-]+)\.jar/g)) {
    const pom = fs.existsSync(rel(m[1], "pom.xml")) ? read(m[1], "pom.xml") : "";
    if (!pom.includes(`<finalName>${m[2]}</finalName>`)) err(`${m[0]}: ${m[1]}/pom.xml builds no jar named ${m[2]}`);
  }
  const jvm = (rootPom.match(/<hazelcast\.jvm\.args>([^<]+)<\/hazelcast\.jvm\.args>/) || [])[1];
  const entry = (read("deploy", "docker-entrypoint.sh").match(/^HAZELCAST_JAVA_OPTS="([^"]+)"/m) || [])[1];
  if (!jvm || !entry || jvm.trim().split(/\s+/).join(" ") !== entry.trim().split(/\s+/).join(" ")) err(`docker-entrypoint.sh HAZELCAST_JAVA_OPTS differs from pom.xml hazelcast.jvm.args:\n          pom:   ${jvm}\n          entry: ${entry}`);
  const entrypoint = (text.match(/^ENTRYPOINT\s+\["([^"]+)"/m) || [])[1];
  if (!entrypoint || !new RegExp(`COPY [^\\n]*deploy/docker-entrypoint\\.sh ${entrypoint.replace(/[/.]/g, "\\$&")}\\n`).test(text + "\n")) err(`ENTRYPOINT ${entrypoint} is not the copied deploy/docker-entrypoint.sh`);
  const exposed = new Set((text.match(/^EXPOSE\s+(.*)$/m) || ["", ""])[1].split(/\s+/).filter(Boolean).map(Number));
  for (const { objects } of overlays) for (const w of objects.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet")) {
    for (const c of w.spec.template.spec.containers) for (const p of c.ports || []) if (!exposed.has(p.containerPort)) err(`${id(w)} port ${p.containerPort} is not EXPOSEd`);
  }
  if (dockerUid === null) err("no numeric USER (runAsNonRoot needs one)");
});

console.log(`check-manifests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
