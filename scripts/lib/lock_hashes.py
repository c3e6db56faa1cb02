"""Adds the SHA-256 of every distribution file of each pin to a lock file,
so pip installs it in hash-checking mode (`--require-hashes` is implied when
every requirement has a hash): a package re-uploaded or swapped on the
index, or by a proxy, is refused instead of installed.

    python3 scripts/lib/lock_hashes.py LOCK.txt...

Hashes come from the index's JSON simple API (PEP 691) at PIP_INDEX_URL
(default https://pypi.org/simple), for every file of the pinned version
(all platforms and the sdist), so the lock installs wherever the pin does.
Comment lines are kept; a pin's old hashes are replaced.
"""

import json
import os
import re
import sys
import urllib.request


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def files_of(name, version, index):
    url = f"{index.rstrip('/')}/{normalize(name)}/"
    req = urllib.request.Request(url, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        data = json.load(r)
    wheel_name = re.sub(r"[-_.]+", "_", name).lower()
    hashes = []
    for f in data["files"]:
        fn = f["filename"].lower()
        stems = (f"{wheel_name}-{version}-".lower(), f"{normalize(name)}-{version}.".lower(),
                 f"{wheel_name}-{version}.".lower())
        if any(fn.startswith(s) for s in stems) and "sha256" in f.get("hashes", {}):
            hashes.append(f["hashes"]["sha256"])
    if not hashes:
        raise SystemExit(f"lock_hashes: no files of {name}=={version} on {index}")
    return sorted(set(hashes))


def main(paths):
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple")
    for path in paths:
        lines = open(path).read().splitlines()
        out = []
        for line in lines:
            if line.lstrip().startswith("--hash") or line.strip() == "":
                continue
            if line.startswith("#"):
                out.append(line)
                continue
            pin = line.rstrip(" \\").strip()
            m = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^ ;]+)$", pin)
            if not m:
                raise SystemExit(f"lock_hashes: {path}: not a pin: {line!r}")
            hashes = files_of(m.group(1), m.group(3), index)
            out.append(pin + " \\")
            for i, h in enumerate(hashes):
                out.append(f"    --hash=sha256:{h}" + (" \\" if i + 1 < len(hashes) else ""))
        open(path, "w").write("\n".join(out) + "\n")
        print(f"lock_hashes: {path}: {sum(1 for l in out if '==' in l)} pins hashed", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
