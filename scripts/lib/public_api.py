#!/usr/bin/env python3
"""The library's public API as sorted text lines, from rustdoc's JSON.

One line per public item a platform crate can name: modules, types, traits,
functions, methods of inherent impls, struct fields, enum variants,
constants and re-exports (listed at the path a user writes). Signatures
are rendered from the JSON so a changed parameter or field type is a
changed line. Trait impls are left out except the trait's name per type
(`impl Default for X`), since blanket and derived impls are noise.

Used by scripts/public-api, which compares the listing with the release
baseline in api/ and with CHANGELOG.md.
"""
import json
import sys

# rustdoc JSON format versions whose layout this lister was checked against.
FORMATS = {57}
KINDS_LEAF = {"constant", "static", "type_alias", "macro", "proc_macro"}


class Lister:
    def __init__(self, doc):
        self.doc = doc
        self.index = doc["index"]
        self.lines = set()
        self.seen = set()

    def item(self, id_):
        return self.index.get(str(id_))

    # ---- types -------------------------------------------------------
    def ty(self, t):
        if t is None:
            return "()"
        (k, v), = t.items()
        if k == "primitive":
            return v
        if k == "generic":
            return v
        if k == "resolved_path":
            return v["path"].split("::")[-1] + self.args(v.get("args"))
        if k == "borrowed_ref":
            lt = (v.get("lifetime") or "") + " " if v.get("lifetime") else ""
            m = "mut " if v.get("is_mutable") else ""
            return f"&{lt}{m}{self.ty(v['type'])}"
        if k == "tuple":
            return "(" + ", ".join(self.ty(x) for x in v) + ")"
        if k == "slice":
            return f"[{self.ty(v)}]"
        if k == "array":
            return f"[{self.ty(v['type'])}; {v['len']}]"
        if k == "impl_trait":
            return "impl " + " + ".join(self.bound(b) for b in v)
        if k == "dyn_trait":
            return "dyn " + " + ".join(self.ty({"resolved_path": p["trait"]}) for p in v["traits"])
        if k == "qualified_path":
            return f"<{self.ty(v['self_type'])}>::{v['name']}"
        if k == "raw_pointer":
            return ("*mut " if v.get("is_mutable") else "*const ") + self.ty(v["type"])
        if k == "function_pointer":
            return "fn(" + ", ".join(self.ty(p[1]) for p in v["sig"]["inputs"]) + ")"
        return k

    def args(self, a):
        if not a:
            return ""
        if "angle_bracketed" in a:
            parts = []
            for x in a["angle_bracketed"]["args"]:
                if "type" in x:
                    parts.append(self.ty(x["type"]))
                elif "lifetime" in x:
                    parts.append(x["lifetime"])
                elif "const" in x:
                    parts.append(str(x["const"].get("expr")))
            for c in a["angle_bracketed"].get("constraints", []):
                b = c.get("binding", {})
                if "equality" in b and "type" in b["equality"]:
                    parts.append(f"{c['name']} = {self.ty(b['equality']['type'])}")
            return "<" + ", ".join(parts) + ">" if parts else ""
        if "parenthesized" in a:
            p = a["parenthesized"]
            out = "(" + ", ".join(self.ty(x) for x in p["inputs"]) + ")"
            return out + (f" -> {self.ty(p['output'])}" if p.get("output") else "")
        return ""

    def bound(self, b):
        if "trait_bound" in b:
            return self.ty({"resolved_path": b["trait_bound"]["trait"]})
        if "outlives" in b:
            return b["outlives"]
        if "use" in b:
            # Precise capturing (`+ use<'a, T>`): what an `impl Trait` borrows.
            names = [a if isinstance(a, str) else next(iter(a.values())) for a in b["use"]]
            return "use<" + ", ".join(names) + ">"
        return "?"

    def generics(self, g):
        ps = []
        for p in g.get("params", []):
            kind = p["kind"]
            if "type" in kind and kind["type"].get("is_synthetic"):
                continue
            if "type" in kind and kind["type"]["bounds"]:
                ps.append(p["name"] + ": " + " + ".join(self.bound(b) for b in kind["type"]["bounds"]))
            else:
                ps.append(p["name"])
        return "<" + ", ".join(ps) + ">" if ps else ""

    def sig(self, name, f):
        s = f["sig"]
        ins = ", ".join(
            n if n == "self" else f"{n}: {self.ty(t)}" for n, t in s["inputs"]
        )
        out = f" -> {self.ty(s['output'])}" if s.get("output") else ""
        return f"fn {name}{self.generics(f['generics'])}({ins}){out}"

    # ---- walk --------------------------------------------------------
    def add(self, line):
        self.lines.add(line)

    def walk_module(self, id_, path):
        it = self.item(id_)
        if it is None:
            return
        for cid in it["inner"]["module"]["items"]:
            self.walk(cid, path, None)

    def walk(self, id_, path, name):
        it = self.item(id_)
        if it is None or it.get("visibility") != "public":
            return
        (kind, inner), = it["inner"].items()
        if kind == "use":
            target = inner.get("id")
            if inner.get("is_glob"):
                t = self.item(target) if target is not None else None
                if t is not None and "module" in t["inner"]:
                    self.walk_module(target, path)
                else:
                    self.add(f"{path}::* (glob re-export of {inner['source']})")
                return
            if target is None or self.item(target) is None:
                self.add(f"reexport {path}::{inner['name']} = {inner['source']}")
                return
            self.walk(target, path, inner["name"])
            return
        name = name or it.get("name")
        if name is None:
            return
        full = f"{path}::{name}"
        dep = " #[deprecated]" if it.get("deprecation") else ""
        key = (id_, full)
        if key in self.seen:
            return
        self.seen.add(key)
        if kind == "module":
            self.add(f"mod {full}{dep}")
            self.walk_module(id_, full)
        elif kind == "struct":
            self.add(f"struct {full}{self.generics(inner['generics'])}{dep}")
            sk = inner["kind"]
            fields = []
            if isinstance(sk, dict) and "plain" in sk:
                fields = sk["plain"]["fields"]
                if sk["plain"].get("has_stripped_fields"):
                    self.add(f"struct {full} has private fields")
            elif isinstance(sk, dict) and "tuple" in sk:
                for i, fid in enumerate(sk["tuple"]):
                    if fid is not None:
                        f = self.item(fid)
                        if f and f.get("visibility") == "public":
                            self.add(f"field {full}.{i}: {self.ty(f['inner']['struct_field'])}")
            for fid in fields:
                f = self.item(fid)
                if f and f.get("visibility") == "public":
                    fd = " #[deprecated]" if f.get("deprecation") else ""
                    self.add(f"field {full}.{f['name']}: {self.ty(f['inner']['struct_field'])}{fd}")
            self.impls(inner.get("impls", []), full)
        elif kind == "enum":
            self.add(f"enum {full}{self.generics(inner['generics'])}{dep}")
            if inner.get("has_stripped_variants"):
                self.add(f"enum {full} has hidden variants")
            for vid in inner["variants"]:
                v = self.item(vid)
                vk = v["inner"]["variant"]["kind"]
                shape = ""
                if isinstance(vk, dict) and "tuple" in vk:
                    shape = "(" + ", ".join(
                        self.ty(self.item(f)["inner"]["struct_field"]) if f is not None and self.item(f) else "_"
                        for f in vk["tuple"]) + ")"
                elif isinstance(vk, dict) and "struct" in vk:
                    shape = " { " + ", ".join(
                        f"{self.item(f)['name']}: {self.ty(self.item(f)['inner']['struct_field'])}"
                        for f in vk["struct"]["fields"] if self.item(f)) + " }"
                vd = " #[deprecated]" if v.get("deprecation") else ""
                self.add(f"variant {full}::{v['name']}{shape}{vd}")
            self.impls(inner.get("impls", []), full)
        elif kind == "union":
            self.add(f"union {full}{dep}")
        elif kind == "trait":
            self.add(f"trait {full}{self.generics(inner['generics'])}{dep}")
            for mid in inner["items"]:
                m = self.item(mid)
                if m and "function" in m["inner"]:
                    self.add(f"trait-fn {full}::{self.sig(m['name'], m['inner']['function'])}")
                elif m:
                    self.add(f"trait-item {full}::{m['name']}")
        elif kind == "function":
            self.add(f"{self.sig(full, inner)}{dep}")
        elif kind in KINDS_LEAF:
            t = ""
            if kind in ("constant",):
                t = ": " + self.ty(inner["type"])
            elif kind == "static":
                t = ": " + self.ty(inner["type"])
            elif kind == "type_alias":
                t = " = " + self.ty(inner["type"])
            self.add(f"{kind} {full}{t}{dep}")
        else:
            self.add(f"{kind} {full}{dep}")

    def impls(self, ids, full):
        for iid in ids:
            im = self.item(iid)
            if im is None:
                continue
            i = im["inner"]["impl"]
            if i.get("is_synthetic") or i.get("blanket_impl") is not None:
                continue
            if i.get("trait") is not None:
                tname = self.ty({"resolved_path": i["trait"]})
                self.add(f"impl {tname} for {full}")
                continue
            for mid in i["items"]:
                m = self.item(mid)
                if m is None or m.get("visibility") != "public":
                    continue
                md = " #[deprecated]" if m.get("deprecation") else ""
                if "function" in m["inner"]:
                    self.add(f"method {full}::{self.sig(m['name'], m['inner']['function'])}{md}")
                elif "assoc_const" in m["inner"] or "constant" in m["inner"]:
                    self.add(f"assoc-const {full}::{m['name']}{md}")


def listing(path):
    with open(path) as fh:
        doc = json.load(fh)
    if doc.get("format_version") not in FORMATS:
        raise SystemExit(
            f"public-api: rustdoc JSON format {doc.get('format_version')} is not one this lister "
            f"reads ({sorted(FORMATS)}); the toolchain changed: check the listing by hand and add it")
    lister = Lister(doc)
    root = doc["root"]
    crate = lister.item(root)["name"]
    lister.walk_module(root, crate)
    return sorted(lister.lines)


if __name__ == "__main__":
    for line in listing(sys.argv[1]):
        print(line)
