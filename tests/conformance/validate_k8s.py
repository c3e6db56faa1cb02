#!/usr/bin/env python3
"""validate_k8s.py - strict, offline validation of the Kubernetes manifests meshsynth emits.

Run inside the `k8s` tool venv (scripts/conformance does that; or
`"$(scripts/conformance-tools path k8s)/bin/python" tests/conformance/validate_k8s.py PATH...`).

* Core kinds (group/version/kind served by the chosen Kubernetes version) are validated against
  the strict JSON schemas bundled with kubernetes-validate: unknown fields, wrong types and missing
  required fields are errors everywhere. A built-in group with a version the chosen Kubernetes
  does not serve (autoscaling/v2beta2, policy/v1beta1, ...) is an error.
* Custom kinds are validated against <schemas>/<group>/<kind lowercased>_<version>.json, made
  strict in memory (see `strictify`). A kind without a schema is an error.
* Semantic checks the API server does and JSON Schema cannot express: name/namespace syntax,
  label and annotation syntax, container and port names, selector vs. template labels.

Output: one line per problem `FILE:DOCINDEX KIND/NAME: PATH: MESSAGE`, then
`validate_k8s: N documents, E errors (S skipped)`. Exit 1 on any error, 0 if none, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import difflib
import fnmatch
import json
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional

import jsonschema
import kubernetes_validate
import yaml
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

PROG = "validate_k8s"
HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))  # tests/conformance/ -> repo root
DEFAULT_CRD_DIR = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "schemas"))
DEFAULT_K8S_VERSION = "1.31"
# Install inputs that live beside the manifests but are not cluster objects. They are skipped when
# walking directories; a file named explicitly on the command line is always validated.
DEFAULT_EXCLUDES = ("*.istiooperator.yaml", "*.istiooperator.yml", "*.values.yaml", "*.values.yml")
YAML_SUFFIXES = (".yaml", ".yml")
KV_SCHEMA_ROOT = os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema")
OBJECTMETA = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
MAX_VALUE_REPR = 60

Path = list  # a JSON path: list of str (keys) and int (indexes)


class UsageError(Exception):
    """Bad command line or environment: exit 2."""


# =========================================================================== YAML reading
#
# kubectl/kustomize read YAML with sigs.k8s.io/yaml (go-yaml, YAML 1.1 resolution for plain
# scalars such as yes/on/off -> bool, which meshsynth must therefore quote) and then go through
# JSON. Differences from PyYAML's SafeLoader that matter, and what we do about them:
#   * timestamps: go-yaml -> JSON keeps them as strings; PyYAML would build datetime -> keep str;
#   * duplicate mapping keys: go-yaml rejects them; PyYAML silently keeps the last -> report;
#   * non-string mapping keys (80: x, true: y) become strings in JSON -> stringify;
#   * a bare "=" scalar (YAML 1.1 "value" tag) is just a string.

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # LibYAML parser when available


class K8sLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader variant that behaves like sigs.k8s.io/yaml for the points above."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []  # (line, key) of the current document

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            ident = (key_node.tag, key_node.value)
            if ident in seen:
                self.duplicates.append((key_node.start_mark.line + 1, key_node.value))
            seen.add(ident)
        return super().construct_mapping(node, deep=deep)


def _as_plain_string(loader: yaml.BaseLoader, node: yaml.Node) -> str:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


K8sLoader.add_constructor("tag:yaml.org,2002:timestamp", _as_plain_string)
K8sLoader.add_constructor("tag:yaml.org,2002:value", _as_plain_string)


def _json_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


def to_json_like(value: Any) -> Any:
    """Stringify mapping keys recursively (what the YAML -> JSON conversion does)."""
    if isinstance(value, dict):
        return {_json_key(k): to_json_like(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json_like(v) for v in value]
    return value


@dataclass
class Document:
    index: int
    data: Any = None
    node: Optional[yaml.Node] = None
    error: Optional[str] = None
    duplicates: list = field(default_factory=list)


def read_documents(text: str) -> Iterator[Document]:
    """Yield every document of a YAML stream (empty ones too: they keep their index)."""
    loader = K8sLoader(text)
    index = 0
    try:
        while loader.check_node():
            loader.duplicates = []
            node = loader.get_node()
            data = loader.construct_document(node)
            yield Document(index, data, node, None, list(loader.duplicates))
            index += 1
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).replace('in "<unicode string>", ', "").split())
        yield Document(index, error="YAML parse error: %s" % detail)
    finally:
        loader.dispose()


def line_of(node: Optional[yaml.Node], path: Path) -> Optional[int]:
    """1-based source line of the deepest YAML node found along `path` (None if unknown).

    For a path ending in a mapping key, the line of the key itself is returned."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in path:
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                    line = key_node.start_mark.line + 1
                    nxt = value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            nxt = node.value[part]
            line = nxt.start_mark.line + 1
        if nxt is None:
            break
        node = nxt
    return line


# =========================================================================== schemas


def _version_tuple(text: str) -> tuple[int, int]:
    m = re.match(r"^v?(\d+)\.(\d+)(?:\.\d+)?$", text.strip())
    if not m:
        raise UsageError("bad Kubernetes version %r (expected e.g. 1.31)" % text)
    return int(m.group(1)), int(m.group(2))


def bundled_k8s_versions() -> dict[tuple[int, int], str]:
    """Strict schema directories shipped by kubernetes-validate, by (major, minor)."""
    out: dict[tuple[int, int], str] = {}
    for name in os.listdir(KV_SCHEMA_ROOT):
        m = re.match(r"^v(\d+)\.(\d+)\.\d+-local-strict$", name)
        if m:
            out[(int(m.group(1)), int(m.group(2)))] = os.path.join(KV_SCHEMA_ROOT, name)
    return out


def schema_file_stem(group: str, version: str, kind: str) -> str:
    """kubernetes-validate's file naming: <kind>-<first group label>-<version>.json."""
    gv = version if not group else "%s-%s" % (group.split(".")[0], version)
    return "%s-%s.json" % (kind.lower(), gv)


class CoreSchemas:
    """kubernetes-validate's strict schemas for one Kubernetes minor version.

    Kinds are routed by the exact (group, version, kind) triples listed in the definitions'
    x-kubernetes-group-version-kind (the file-name scheme of kubernetes-validate drops the group's
    domain, so `apps.example.com/v1 Deployment` would otherwise hit apps/v1 Deployment)."""

    def __init__(self, wanted: str) -> None:
        want = _version_tuple(wanted)
        self.bundled = bundled_k8s_versions()
        if not self.bundled:
            raise UsageError("kubernetes-validate %s ships no strict schemas" % kubernetes_validate.__version__)
        lo, hi = min(self.bundled), max(self.bundled)
        if not lo <= want <= hi:
            raise UsageError("Kubernetes %d.%d is not covered by kubernetes-validate %s (it bundles %d.%d to %d.%d)"
                             % (want + (kubernetes_validate.__version__,) + lo + hi))
        chosen = max(v for v in self.bundled if v <= want)
        self.version = "%d.%d" % chosen
        self.directory = self.bundled[chosen]
        with open(os.path.join(self.directory, "_definitions.json"), encoding="utf-8") as f:
            definitions = json.load(f)
        self.defs_uri: str = definitions["$id"]
        self.definitions: dict[str, Any] = definitions["$defs"]
        self.registry: Registry = Registry().with_resource(self.defs_uri, Resource.from_contents(definitions))
        self.by_gvk: dict[tuple[str, str, str], str] = {}
        for name, schema in self.definitions.items():
            for gvk in schema.get("x-kubernetes-group-version-kind") or []:
                self.by_gvk.setdefault((gvk["group"], gvk["version"], gvk["kind"]), name)
        self.groups = {g for (g, _, _) in self.by_gvk}
        self._validators: dict[str, jsonschema.protocols.Validator] = {}

    def ref(self, definition: str) -> dict:
        return {"$ref": "%s#/$defs/%s" % (self.defs_uri, definition)}

    def validator(self, group: str, version: str, kind: str) -> Optional[jsonschema.protocols.Validator]:
        name = self.by_gvk.get((group, version, kind))
        if name is None:
            return None
        if name not in self._validators:
            self._validators[name] = jsonschema.Draft202012Validator(self.ref(name), registry=self.registry)
        return self._validators[name]

    def is_builtin_group(self, group: str) -> bool:
        # "extensions" is listed through meta kinds; groups without a dot are Kubernetes' own.
        return group in self.groups or "." not in group

    def why_not_served(self, group: str, version: str, kind: str) -> str:
        gv = "%s/%s" % (group, version) if group else version
        served = sorted(v for (g, v, k) in self.by_gvk if g == group and k == kind)
        if served:
            msg = "%s %s is not served by Kubernetes %s (served: %s)" % (
                gv, kind, self.version, ", ".join("%s/%s" % (group, v) if group else v for v in served))
        else:
            kinds = sorted({k for (g, _, k) in self.by_gvk if g == group and not k.endswith(("List", "Options"))
                            and k not in ("WatchEvent", "Status")})
            msg = "%s %s: no such kind in Kubernetes %s" % (gv, kind, self.version)
            elsewhere = sorted("%s/%s" % (g, v) if g else v for (g, v, k) in self.by_gvk if k == kind)
            close = difflib.get_close_matches(kind, kinds, n=1)
            if elsewhere:  # e.g. extensions/v1beta1 Ingress -> networking.k8s.io/v1
                msg += " (%s is served as %s)" % (kind, ", ".join(elsewhere))
            elif close:
                msg += " (did you mean %s?)" % close[0]
        # Which bundled versions still had it (cheap: file existence only).
        stem = schema_file_stem(group, version, kind)
        had = ["%d.%d" % v for v, d in sorted(self.bundled.items()) if os.path.exists(os.path.join(d, stem))]
        if had:
            msg += "; it exists in Kubernetes %s" % (had[0] if len(had) == 1 else "%s..%s" % (had[0], had[-1]))
        return msg


# --- CRD schema adjustments -------------------------------------------------------------------
#
# The catalog schemas come from kubeconform's openapi2jsonschema conversion of the CRDs'
# openAPIV3Schema: every object that lists `properties` got `additionalProperties: false`, except
# the document root; `metadata` is just {"type": "object"}. The API server (with kubectl's default
# strict field validation) behaves differently in a few places, which `strictify` reproduces:

_SCHEMA_MAP_KEYWORDS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LIST_KEYWORDS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_KEYWORDS = ("additionalProperties", "items", "not", "if", "then", "else", "contains",
                    "propertyNames", "unevaluatedProperties", "unevaluatedItems", "additionalItems")


def strictify(node: Any, structural: bool = True) -> Any:
    """Return an adjusted copy of a CRD (sub)schema.

    `structural` is False inside allOf/anyOf/oneOf/not, whose branches only add constraints
    (the API server requires them not to declare types or fields of their own)."""
    if isinstance(node, list):
        return [strictify(x, structural) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SCHEMA_MAP_KEYWORDS and isinstance(value, dict):
            out[key] = {k: strictify(v, True) for k, v in value.items()}
        elif key in _SCHEMA_LIST_KEYWORDS and isinstance(value, list):
            out[key] = [strictify(v, False) for v in value]
        elif key in _SCHEMA_KEYWORDS and isinstance(value, (dict, list)):
            out[key] = strictify(value, key in ("additionalProperties", "items"))
        else:
            out[key] = value  # enum, required, default, descriptions, x-kubernetes-* ... verbatim
    preserve = out.get("x-kubernetes-preserve-unknown-fields") is True

    # OpenAPI `nullable: true` -> JSON Schema needs "null" among the types (and in an enum).
    if out.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]

    # x-kubernetes-int-or-string: integer or string, whatever `type` says (the converter usually
    # already wrote an anyOf; make sure no leftover `type` contradicts it).
    if out.get("x-kubernetes-int-or-string") is True:
        out.pop("type", None)
        if not any(k in out for k in ("anyOf", "oneOf")):
            out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        if out.get("nullable") is True:
            out["anyOf"] = list(out.get("anyOf", [])) + [{"type": "null"}]

    # x-kubernetes-preserve-unknown-fields: the API server keeps unknown fields here, so they
    # must be accepted (the converter added additionalProperties: false regardless).
    if preserve and out.get("additionalProperties") is False:
        del out["additionalProperties"]

    # Embedded resources implicitly allow apiVersion/kind/metadata.
    if out.get("x-kubernetes-embedded-resource") is True and isinstance(out.get("properties"), dict):
        for k in ("apiVersion", "kind"):
            out["properties"].setdefault(k, {"type": "string"})
        out["properties"].setdefault("metadata", {"type": "object"})

    # An object with no properties, no additionalProperties and no preserve-unknown-fields keeps
    # nothing: the API server prunes (or, with strict field validation, rejects) any field in it.
    if (structural and out.get("type") == "object" and "properties" not in out
            and "additionalProperties" not in out and not preserve
            and not any(k in out for k in ("anyOf", "oneOf", "allOf", "patternProperties"))):
        out["additionalProperties"] = False
    return out


def crd_root_schema(raw: dict, group: str, version: str, core: CoreSchemas) -> dict:
    """Adjust a CRD document schema and close its root (the converter leaves the root open)."""
    schema = strictify(raw)
    schema.pop("$schema", None)
    props = schema.setdefault("properties", {})
    props["apiVersion"] = {"const": "%s/%s" % (group, version)}
    # Schema files are named by the lower-cased kind, so the exact spelling is unknown here; at
    # least require the CamelCase form every Kubernetes kind has.
    props["kind"] = {"type": "string", "pattern": "^[A-Z][A-Za-z0-9]*$"}
    # metadata is always a standard ObjectMeta: validate it with the strict core definition.
    props["metadata"] = core.ref(OBJECTMETA)
    if schema.get("x-kubernetes-preserve-unknown-fields") is not True:
        schema["additionalProperties"] = False
    else:
        schema.pop("additionalProperties", None)
    schema.setdefault("type", "object")
    return schema


class CrdSchemas:
    """<dir>/<group>/<kind lowercased>_<version>.json files (datreeio/CRDs-catalog layout)."""

    def __init__(self, directory: Optional[str], core: CoreSchemas) -> None:
        self.directory = directory
        self.core = core
        self.files: dict[tuple[str, str, str], str] = {}
        self._validators: dict[tuple[str, str, str], jsonschema.protocols.Validator] = {}
        if directory is None:
            return
        for group in sorted(os.listdir(directory)):
            gdir = os.path.join(directory, group)
            if not os.path.isdir(gdir):
                continue
            for fname in os.listdir(gdir):
                if fname.endswith(".json") and "_" in fname:
                    kind, _, version = fname[:-5].rpartition("_")
                    self.files[(group, version, kind.lower())] = os.path.join(gdir, fname)

    @property
    def available(self) -> bool:
        return self.directory is not None

    def has_group(self, group: str) -> bool:
        return any(g == group for (g, _, _) in self.files)

    def validator(self, group: str, version: str, kind: str) -> Optional[jsonschema.protocols.Validator]:
        key = (group, version, kind.lower())
        path = self.files.get(key)
        if path is None:
            return None
        if key not in self._validators:
            with open(path, encoding="utf-8") as f:
                raw = json.load(f)
            schema = crd_root_schema(raw, group, version, self.core)
            self._validators[key] = jsonschema.Draft202012Validator(schema, registry=self.core.registry)
        return self._validators[key]

    def why_missing(self, group: str, version: str, kind: str) -> str:
        gv = "%s/%s" % (group, version)
        msg = "no schema for %s %s (looked for %s/%s/%s_%s.json)" % (
            gv, kind, self.directory, group, kind.lower(), version)
        versions = sorted(v for (g, v, k) in self.files if g == group and k == kind.lower())
        if versions:
            msg += "; schemas exist for versions %s" % ", ".join(versions)
        return msg


# =========================================================================== schema errors


def fmt_path(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += "[%d]" % part
        else:
            part = str(part)
            simple = re.match(r"^[A-Za-z0-9_-]+$", part) is not None
            out += ("." if out else "") + part if simple else '["%s"]' % part
    return out or "<root>"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE_REPR else text[:MAX_VALUE_REPR - 3] + "..."


_JSON_TYPE_NAMES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
                    float: "number", type(None): "null"}


def _json_type(value: Any) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def _known_properties(schema: Any) -> list[str]:
    return sorted(schema.get("properties", {}).keys()) if isinstance(schema, dict) else []


def describe(err: ValidationError) -> list[tuple[Path, str]]:
    """Turn one jsonschema error into (path, message) pairs that read like kubectl's."""
    path: Path = list(err.absolute_path)
    v = err.validator
    if v in ("additionalProperties", "unevaluatedProperties") and isinstance(err.instance, dict):
        known = _known_properties(err.schema)
        patterns = [re.compile(p) for p in (err.schema.get("patternProperties") or {})] \
            if isinstance(err.schema, dict) else []
        out = []
        for key in err.instance:
            if key in known or any(p.search(key) for p in patterns):
                continue
            msg = "unknown field %r" % key
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.7)
            if close:
                msg += " (did you mean %r?)" % close[0]
            elif not known:
                msg += " (no fields are allowed here)"
            out.append((path + [key], msg))
        return out or [(path, err.message)]
    if v == "required":
        missing = err.message.split("'")[1] if err.message.count("'") >= 2 else "?"
        return [(path + [missing], "required field is missing")]
    if v == "type":
        want = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        want = [t for t in want if t != "null"] or want
        return [(path, "expected %s, got %s %s" % (" or ".join(want), _json_type(err.instance), _short(err.instance)))]
    if v == "enum":
        allowed = [x for x in err.validator_value if x is not None]
        return [(path, "%s is not one of %s" % (_short(err.instance), _short(allowed)))]
    if v == "const":
        return [(path, "must be %s, got %s" % (_short(err.validator_value), _short(err.instance)))]
    if v == "oneOf" and not err.context:
        # Valid under several branches: Istio/Gateway "only one of" constraints.
        fields = sorted({r for branch in err.validator_value if isinstance(branch, dict)
                         for r in branch.get("required", []) if isinstance(err.instance, dict) and r in err.instance})
        if len(fields) > 1:
            return [(path, "fields %s are mutually exclusive (set at most one)" % ", ".join(fields))]
    if v in ("oneOf", "anyOf") and err.context:
        inner = best_match(err.context)
        sub = describe(inner)
        return [(p, m) for p, m in sub]
    msg = " ".join(err.message.split())
    if len(msg) > 300:
        msg = msg[:297] + "..."
    return [(path, msg)]


# =========================================================================== semantic checks

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_QUALIFIED_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_IANA_SVC_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def check_dns1123_label(value: str) -> Optional[str]:
    if len(value) > 63 or not _DNS1123_LABEL.match(value):
        return "must be a DNS-1123 label: at most 63 characters of [a-z0-9-], starting and ending alphanumeric"
    return None


def check_dns1123_subdomain(value: str) -> Optional[str]:
    if len(value) > 253 or not _DNS1123_SUBDOMAIN.match(value):
        return ("must be a DNS-1123 subdomain: at most 253 characters of [a-z0-9.-], "
                "each dot-separated part starting and ending alphanumeric")
    return None


def check_dns1035_label(value: str) -> Optional[str]:
    if len(value) > 63 or not _DNS1035_LABEL.match(value):
        return "must be a DNS-1035 label: at most 63 characters of [a-z0-9-], starting with a letter, ending alphanumeric"
    return None


def check_qualified_name(key: str) -> Optional[str]:
    """Label/annotation key: [prefix/]name, prefix a DNS-1123 subdomain, name <= 63 chars."""
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix:
            return "prefix before '/' must not be empty"
        if check_dns1123_subdomain(prefix):
            return "prefix %r must be a DNS-1123 subdomain (lower case, at most 253 characters)" % prefix
    if not name:
        return "name part must not be empty"
    if len(name) > 63 or not _QUALIFIED_NAME.match(name):
        return "name part must be at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric"
    return None


def check_label_value(value: str) -> Optional[str]:
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        return "must be empty or at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric"
    return None


def check_port_name(value: str) -> Optional[str]:
    """IANA_SVC_NAME, as required for container port names."""
    if (len(value) > 15 or not _IANA_SVC_NAME.match(value) or "--" in value
            or not re.search(r"[a-z]", value)):
        return ("must be an IANA service name: at most 15 characters of [a-z0-9-], with at least one letter, "
                "no leading, trailing or double '-'")
    return None


# Name rules by (group, kind); everything else must be a DNS-1123 subdomain.
_DNS1035_NAME_KINDS = {("", "Service")}
_DNS1123_LABEL_NAME_KINDS = {("", "Namespace")}
# RBAC objects only need a valid path segment (names such as "system:metrics-reader" are fine).
_PATH_SEGMENT_NAME_GROUPS = {"rbac.authorization.k8s.io"}
# Workloads whose spec.selector.matchLabels must match spec.template.metadata.labels.
_SELECTOR_MUST_MATCH = {("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"),
                        ("apps", "ReplicaSet"), ("argoproj.io", "Rollout")}
_ANNOTATIONS_MAX_BYTES = 256 * 1024


def _check_name(group: str, kind: str, name: str) -> Optional[str]:
    if (group, kind) in _DNS1035_NAME_KINDS:
        return check_dns1035_label(name)
    if (group, kind) in _DNS1123_LABEL_NAME_KINDS:
        return check_dns1123_label(name)
    if group in _PATH_SEGMENT_NAME_GROUPS:
        if name in (".", "..") or "/" in name or "%" in name:
            return "may not be '.' or '..' and may not contain '/' or '%'"
        return None
    return check_dns1123_subdomain(name)


def _check_labels(labels: Any, path: Path) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    if not isinstance(labels, dict):
        return out
    for key, value in labels.items():
        why = check_qualified_name(key)
        if why:
            out.append((path + [key], "invalid label key %r: %s" % (key, why)))
        if isinstance(value, str):
            why = check_label_value(value)
            if why:
                out.append((path + [key], "invalid label value %r: %s" % (value, why)))
    return out


def _check_object_meta(meta: Any, path: Path) -> list[tuple[Path, str]]:
    """labels and annotations of any ObjectMeta (top-level or a pod template's)."""
    out: list[tuple[Path, str]] = []
    if not isinstance(meta, dict):
        return out
    out += _check_labels(meta.get("labels"), path + ["labels"])
    annotations = meta.get("annotations")
    if isinstance(annotations, dict):
        total = 0
        for key, value in annotations.items():
            why = check_qualified_name(key)
            if why:
                out.append((path + ["annotations", key], "invalid annotation key %r: %s" % (key, why)))
            total += len(key.encode()) + (len(value.encode()) if isinstance(value, str) else 0)
        if total > _ANNOTATIONS_MAX_BYTES:
            out.append((path + ["annotations"], "annotations total %d bytes, more than the limit of %d"
                        % (total, _ANNOTATIONS_MAX_BYTES)))
    return out


def _get(obj: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(obj, dict):
            obj = obj.get(key)
        else:
            return None
    return obj


def _pod_templates(doc: dict, group: str, kind: str) -> list[tuple[Path, Any]]:
    """(path, template) for pod templates: objects with `metadata` and a pod `spec`."""
    if (group, kind) == ("batch", "CronJob"):
        return [(["spec", "jobTemplate", "spec", "template"], _get(doc, "spec", "jobTemplate", "spec", "template"))]
    if (group, kind) == ("", "Pod"):
        return [([], doc)]
    if isinstance(_get(doc, "spec", "template"), dict):
        return [(["spec", "template"], _get(doc, "spec", "template"))]
    return []


def _check_pod_spec(spec: Any, path: Path) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    if not isinstance(spec, dict):
        return out
    seen: dict[str, str] = {}
    for field_name in ("initContainers", "containers"):
        containers = spec.get(field_name)
        if not isinstance(containers, list):
            continue
        for i, c in enumerate(containers):
            if not isinstance(c, dict):
                continue
            cpath = path + [field_name, i]
            name = c.get("name")
            if isinstance(name, str):
                why = check_dns1123_label(name)
                if why:
                    out.append((cpath + ["name"], "container name %r %s" % (name, why)))
                if name in seen:
                    out.append((cpath + ["name"], "duplicate container name %r (also in %s)" % (name, seen[name])))
                seen.setdefault(name, field_name)
            ports = c.get("ports")
            if isinstance(ports, list):
                for j, port in enumerate(ports):
                    pname = port.get("name") if isinstance(port, dict) else None
                    if isinstance(pname, str):
                        why = check_port_name(pname)
                        if why:
                            out.append((cpath + ["ports", j, "name"], "port name %r %s" % (pname, why)))
    return out


def _check_service(doc: dict) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    out += _check_labels(_get(doc, "spec", "selector"), ["spec", "selector"])
    ports = _get(doc, "spec", "ports")
    if isinstance(ports, list):
        names: set[str] = set()
        for j, port in enumerate(ports):
            if not isinstance(port, dict):
                continue
            pname = port.get("name")
            if isinstance(pname, str) and pname:
                why = check_dns1123_label(pname)
                if why:
                    out.append((["spec", "ports", j, "name"], "port name %r %s" % (pname, why)))
                if pname in names:
                    out.append((["spec", "ports", j, "name"], "duplicate port name %r" % pname))
                names.add(pname)
            elif len(ports) > 1:
                out.append((["spec", "ports", j, "name"], "required when a Service has more than one port"))
    return out


def semantic_problems(doc: dict, group: str, kind: str) -> list[tuple[Path, str]]:
    """API-server validation that JSON Schema cannot express."""
    out: list[tuple[Path, str]] = []
    meta = doc.get("metadata")
    if not isinstance(meta, dict):
        if meta is None:
            out.append((["metadata", "name"], "required field is missing (no metadata)"))
        return out
    name = meta.get("name")
    if name is None or name == "":
        out.append((["metadata", "name"], "required field is missing"))
    elif isinstance(name, str):
        why = _check_name(group, kind, name)
        if why:
            out.append((["metadata", "name"], "%r %s" % (name, why)))
    namespace = meta.get("namespace")
    if isinstance(namespace, str):
        why = check_dns1123_label(namespace)
        if why:
            out.append((["metadata", "namespace"], "%r %s" % (namespace, why)))
    out += _check_object_meta(meta, ["metadata"])

    for tpath, template in _pod_templates(doc, group, kind):
        if not isinstance(template, dict):
            continue
        if tpath:  # a Pod's own metadata was checked above
            out += _check_object_meta(template.get("metadata"), tpath + ["metadata"])
        out += _check_pod_spec(template.get("spec"), tpath + ["spec"])

    selector = _get(doc, "spec", "selector", "matchLabels")
    if isinstance(selector, dict):
        out += _check_labels(selector, ["spec", "selector", "matchLabels"])
        if (group, kind) in _SELECTOR_MUST_MATCH and isinstance(_get(doc, "spec", "template"), dict):
            labels = _get(doc, "spec", "template", "metadata", "labels") or {}
            if isinstance(labels, dict):
                wrong = sorted(k for k, v in selector.items() if labels.get(k) != v)
                if wrong:
                    out.append((["spec", "selector", "matchLabels"],
                                "selector does not match template labels (%s)" % ", ".join(
                                    "%s=%s" % (k, selector[k]) for k in wrong)))
    if (group, kind) == ("", "Service"):
        out += _check_service(doc)
    return out


# =========================================================================== driver


@dataclass
class Options:
    core: CoreSchemas
    crds: CrdSchemas
    semantic: bool = True


@dataclass
class Result:
    problems: list = field(default_factory=list)  # (path, message)
    ident: str = "-"
    skipped: bool = False


def _null_in_nullable_oneof(err: ValidationError) -> bool:
    """The core schemas model IntOrString/Quantity as oneOf[string|null, integer|null]: `null`
    matches both branches and fails the oneOf, although the API server accepts null (= unset)."""
    if err.validator != "oneOf" or err.instance is not None or not isinstance(err.validator_value, list):
        return False
    for branch in err.validator_value:
        types = branch.get("type") if isinstance(branch, dict) else None
        if not (types == "null" or (isinstance(types, list) and "null" in types)):
            return False
    return True


def check_document(doc: Any, node: Optional[yaml.Node], opts: Options) -> Result:
    if not isinstance(doc, dict):
        return Result([([], "document is not a mapping (got %s %s)" % (_json_type(doc), _short(doc)))])
    raw_kind, raw_api, meta = doc.get("kind"), doc.get("apiVersion"), doc.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) and isinstance(meta.get("name"), str) else ""
    res = Result(ident="%s/%s" % (raw_kind if isinstance(raw_kind, str) and raw_kind else "<no kind>",
                                  name or "<no name>"))
    if (not isinstance(raw_api, str) or not raw_api or raw_api.count("/") > 1
            or raw_api.startswith("/") or raw_api.endswith("/")):
        res.problems.append((["apiVersion"], "missing or malformed: %s" % _short(raw_api)))
    if not isinstance(raw_kind, str) or not raw_kind:
        res.problems.append((["kind"], "missing or not a string: %s" % _short(raw_kind)))
    if res.problems or not isinstance(raw_api, str) or not isinstance(raw_kind, str):
        return res
    kind: str = raw_kind
    group, _, version = raw_api.rpartition("/")

    validator = opts.core.validator(group, version, kind)
    if validator is None and not (opts.core.is_builtin_group(group) and not opts.crds.has_group(group)):
        if not opts.crds.available:
            res.skipped = True  # CRD schema check skipped (announced loudly by main)
            return res
        validator = opts.crds.validator(group, version, kind)
        if validator is None:
            res.problems.append((["apiVersion"], opts.crds.why_missing(group, version, kind)))
            return res
    elif validator is None:
        res.problems.append((["apiVersion"], opts.core.why_not_served(group, version, kind)))
        return res

    errors = sorted((e for e in validator.iter_errors(doc) if not _null_in_nullable_oneof(e)),
                    key=lambda e: [str(p) for p in e.absolute_path])
    seen: set[tuple[str, str]] = set()
    for err in errors:
        for path, msg in describe(err):
            key = (fmt_path(path), msg)
            if key not in seen:
                seen.add(key)
                res.problems.append((path, msg))
    if opts.semantic:
        res.problems.extend(semantic_problems(doc, group, kind))
    return res


def iter_files(paths: list[str], excludes: list[str]) -> Iterator[tuple[str, bool]]:
    """Yield (file, excluded). Directories are walked recursively in sorted order; excludes apply
    to files found by walking (matched against the file name and the path)."""
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs.sort()
                found += [os.path.join(root, f) for f in files if f.lower().endswith(YAML_SUFFIXES)]
            for f in sorted(found):
                hit = any(fnmatch.fnmatch(os.path.basename(f), g) or fnmatch.fnmatch(f, g) for g in excludes)
                yield f, hit
        else:
            yield p, False


KUSTOMIZATION_FILE_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def is_kustomize_input(fname: str, data: Any) -> bool:
    """kustomize.config.k8s.io documents, and kustomization files without apiVersion/kind
    (kustomize accepts those too)."""
    if not isinstance(data, dict):
        return False
    api = data.get("apiVersion")
    if isinstance(api, str) and api.startswith("kustomize.config.k8s.io/"):
        return True
    return os.path.basename(fname) in KUSTOMIZATION_FILE_NAMES and "apiVersion" not in data and "kind" not in data


def resolve_crd_dir(flag: Optional[str]) -> tuple[Optional[str], str]:
    """(directory or None, where it came from / why it is missing)."""
    if flag is not None:
        if not os.path.isdir(flag):
            raise UsageError("--crd-schemas %s: not a directory" % flag)
        return flag, "--crd-schemas"
    env = os.environ.get("MESHSYNTH_CRD_SCHEMAS")
    if env:
        if os.path.isdir(env):
            return env, "MESHSYNTH_CRD_SCHEMAS"
        return None, "MESHSYNTH_CRD_SCHEMAS=%s does not exist" % env
    if os.path.isdir(DEFAULT_CRD_DIR):
        return DEFAULT_CRD_DIR, "default (../shared/schemas)"
    return None, ("%s does not exist (the CRD schemas are looked up in ../shared/schemas next to the "
                  "repository; set MESHSYNTH_CRD_SCHEMAS to use another directory)" % DEFAULT_CRD_DIR)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog=PROG, description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("paths", nargs="*", metavar="PATH", help="manifest file or directory (recursive)")
    ap.add_argument("--k8s-version", default=os.environ.get("MESHSYNTH_K8S_VERSION") or DEFAULT_K8S_VERSION,
                    help="Kubernetes version for core kinds (default %(default)s; env MESHSYNTH_K8S_VERSION)")
    ap.add_argument("--crd-schemas", metavar="DIR", default=None,
                    help="CRD schema directory (default: $MESHSYNTH_CRD_SCHEMAS, else ../shared/schemas)")
    ap.add_argument("--require-crd-schemas", action="store_true",
                    default=os.environ.get("MESHSYNTH_REQUIRE_CRD_SCHEMAS") == "1",
                    help="fail (exit 2) instead of skipping when the CRD schemas are missing "
                         "(env MESHSYNTH_REQUIRE_CRD_SCHEMAS=1)")
    ap.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                    help="skip files matching GLOB (name or path) when walking directories; repeatable")
    ap.add_argument("--no-default-excludes", action="store_true",
                    help="do not skip %s when walking directories" % " ".join(DEFAULT_EXCLUDES))
    ap.add_argument("--no-semantic", action="store_true", help="JSON-schema checks only")
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on errors, 0 on --help
        return int(exc.code or 0)
    out = sys.stdout
    try:
        if not args.paths:
            raise UsageError("no PATH given")
        missing = [p for p in args.paths if not os.path.exists(p)]
        if missing:
            raise UsageError("no such file or directory: %s" % ", ".join(missing))
        core = CoreSchemas(args.k8s_version)
        crd_dir, crd_origin = resolve_crd_dir(args.crd_schemas)
        if crd_dir is None and args.require_crd_schemas:
            raise UsageError("CRD schemas required but missing: %s" % crd_origin)
    except UsageError as exc:
        print("%s: error: %s" % (PROG, exc), file=sys.stderr)
        return 2
    opts = Options(core=core, crds=CrdSchemas(crd_dir, core), semantic=not args.no_semantic)

    skip_banner = []
    if crd_dir is None:
        skip_banner = [
            "%s: %s" % (PROG, "*" * 78),
            "%s: CRD SCHEMA CHECK SKIPPED: %s." % (PROG, crd_origin),
            "%s: Custom-resource documents (Istio, KEDA, Argo Rollouts, prometheus-operator, Gateway API, ...)"
            % PROG,
            "%s: are NOT validated and are counted as skipped. Core kinds are still fully validated." % PROG,
            "%s: %s" % (PROG, "*" * 78),
        ]
        out.write("\n".join(skip_banner) + "\n")

    excludes = list(args.exclude) + ([] if args.no_default_excludes else list(DEFAULT_EXCLUDES))
    ndocs = nerrors = nskipped = nkustomize = nexcluded = 0
    for fname, excluded in iter_files(args.paths, excludes):
        if excluded:
            nexcluded += 1
            continue
        try:
            with open(fname, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            out.write("%s:0 -: <file>: cannot read: %s\n" % (fname, exc))
            nerrors += 1
            continue
        for d in read_documents(text):
            if d.error:
                out.write("%s:%d -: <document>: %s\n" % (fname, d.index, d.error))
                nerrors += 1
                continue
            if d.data is None:
                continue  # empty document (e.g. a leading or trailing ---)
            data = to_json_like(d.data)
            if is_kustomize_input(fname, data):
                nkustomize += 1  # kustomization.yaml / Component: a build input, not a cluster object
                continue
            ndocs += 1
            res = check_document(data, d.node, opts)
            if res.skipped:
                nskipped += 1
            lines = ["<document>: duplicate mapping key %r (line %d); Kubernetes rejects duplicate keys" % (k, ln)
                     for ln, k in d.duplicates]
            for path, msg in res.problems:
                line = line_of(d.node, path) if path else None
                lines.append("%s: %s%s" % (fmt_path(path), msg, " (line %d)" % line if line else ""))
            for text in lines:
                out.write("%s:%d %s: %s\n" % (fname, d.index, res.ident, text))
            nerrors += len(lines)
    if nkustomize:
        out.write("%s: %d kustomize documents not validated (kustomization files are build inputs, not cluster objects)\n"
                  % (PROG, nkustomize))
    if nexcluded:
        out.write("%s: %d files excluded (%s)\n" % (PROG, nexcluded, " ".join(excludes)))
    if skip_banner:
        out.write("%s: CRD SCHEMA CHECK SKIPPED (%d custom-resource documents not validated)\n" % (PROG, nskipped))
    out.write("%s: %d documents, %d errors (%d skipped)\n" % (PROG, ndocs, nerrors, nskipped))
    return 1 if nerrors else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        sys.exit(1)
