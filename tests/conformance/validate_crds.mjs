#!/usr/bin/env node
// validate_crds.mjs - validate the custom resources meshsynth emits (Istio, Gateway API, KEDA,
// Argo Rollouts, Prometheus Operator) with the validators the @kubernetes-models/* npm packages
// generate from the upstream CRDs (versions pinned in tests/conformance/npm/package-lock.json).
//
// Usage: node validate_crds.mjs --modules NODE_MODULES_DIR PATH...
//   PATH: a YAML file, or a directory walked recursively for *.yaml / *.yml. Install inputs
//   (*.istiooperator.yaml, *.values.yaml) and kustomization.yaml are not cluster objects: skipped.
//
// Core Kubernetes kinds are left to validate_k8s.py (kubernetes-validate's strict schemas). A
// custom kind with no validator here is an error: nothing custom goes unchecked.
//
// What the generated validators check: types, required fields, enums, patterns, formats, oneOf and
// the CRDs' CEL-free constraints. What they do not: unknown fields (the CRD schemas do not forbid
// them; the API server prunes them), which validate_k8s.py checks when ../shared/schemas exists.
//
// Output: one line per problem `FILE:DOCINDEX KIND/NAME: PATH: MESSAGE`, then
// `validate_crds: N documents, C custom validated, E errors`. Exit 1 on any error, 0 if none,
// 2 on usage errors.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const PROG = "validate_crds";

// API group → the npm package whose validators cover it.
const PACKAGES = {
  "networking.istio.io": "@kubernetes-models/istio",
  "security.istio.io": "@kubernetes-models/istio",
  "telemetry.istio.io": "@kubernetes-models/istio",
  "extensions.istio.io": "@kubernetes-models/istio",
  "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
  "keda.sh": "@kubernetes-models/keda",
  "argoproj.io": "@kubernetes-models/argo-rollouts",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

const SKIP_SUFFIXES = [".istiooperator.yaml", ".istiooperator.yml", ".values.yaml", ".values.yml"];

function usage(message) {
  process.stderr.write(`${PROG}: ${message}\nusage: node validate_crds.mjs --modules NODE_MODULES_DIR PATH...\n`);
  process.exit(2);
}

function walk(path, out) {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) walk(join(path, name), out);
    return;
  }
  const base = path.split("/").pop();
  if (!/\.ya?ml$/.test(base)) return;
  if (base === "kustomization.yaml" || base === "kustomization.yml") return;
  if (SKIP_SUFFIXES.some((s) => base.endsWith(s))) return;
  out.push(path);
}

async function main() {
  const args = process.argv.slice(2);
  let modules = null;
  const paths = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--modules") {
      modules = args[++i];
      if (!modules) usage("--modules needs a directory");
    } else if (args[i] === "-h" || args[i] === "--help") {
      process.stdout.write("usage: node validate_crds.mjs --modules NODE_MODULES_DIR PATH...\n");
      return 0;
    } else {
      paths.push(args[i]);
    }
  }
  if (!modules) usage("--modules is required");
  if (paths.length === 0) usage("no PATH given");
  const yaml = await import(pathToFileURL(join(modules, "yaml", "dist", "index.js")).href);

  const files = [];
  for (const p of paths) {
    try {
      walk(p, files);
    } catch (e) {
      usage(`${p}: ${e.message}`);
    }
  }

  const cache = new Map();
  async function modelFor(group, version, kind) {
    const pkg = PACKAGES[group];
    if (!pkg) return undefined;
    const key = `${group}/${version}`;
    if (!cache.has(key)) {
      const index = join(resolve(modules), pkg, group, version, "index.js");
      try {
        cache.set(key, await import(pathToFileURL(index).href));
      } catch {
        cache.set(key, null);
      }
    }
    const mod = cache.get(key);
    return mod ? mod[kind] ?? null : null;
  }

  let documents = 0;
  let custom = 0;
  let errors = 0;
  const report = (where, what, path, message) => {
    errors++;
    process.stdout.write(`${where} ${what}: ${path || "(root)"}: ${message}\n`);
  };
  for (const file of files) {
    let docs;
    try {
      docs = yaml.parseAllDocuments(readFileSync(file, "utf8"));
    } catch (e) {
      report(`${file}:0`, "-", "", `cannot read: ${e.message}`);
      continue;
    }
    for (const [index, doc] of docs.entries()) {
      if (doc.errors.length > 0) {
        report(`${file}:${index}`, "-", "", `YAML: ${doc.errors[0].message}`);
        continue;
      }
      const obj = doc.toJS();
      if (obj === null || obj === undefined) continue;
      documents++;
      const apiVersion = String(obj.apiVersion ?? "");
      const kind = String(obj.kind ?? "");
      const name = obj.metadata?.name ?? "?";
      const where = `${file}:${index}`;
      const what = `${kind}/${name}`;
      const slash = apiVersion.indexOf("/");
      const group = slash < 0 ? "" : apiVersion.slice(0, slash);
      const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
      if (!group.includes(".") || (group.endsWith(".k8s.io") && !PACKAGES[group])) {
        continue; // a core kind: validate_k8s.py's job
      }
      const Model = await modelFor(group, version, kind);
      if (!Model) {
        report(where, what, "", `no pinned validator for ${apiVersion} ${kind}; add its package to tests/conformance/npm`);
        continue;
      }
      custom++;
      try {
        new Model(obj).validate();
      } catch (e) {
        const list = Array.isArray(e.errors) && e.errors.length > 0 ? e.errors : [{ instancePath: "", message: e.message }];
        for (const err of list) {
          const params = err.params && Object.keys(err.params).length > 0 ? ` ${JSON.stringify(err.params)}` : "";
          report(where, what, err.instancePath, `${err.message}${params}`);
        }
      }
    }
  }
  process.stdout.write(`${PROG}: ${documents} documents, ${custom} custom validated, ${errors} errors\n`);
  return errors > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${PROG}: ${e.stack || e}\n`);
    process.exit(2);
  },
);
