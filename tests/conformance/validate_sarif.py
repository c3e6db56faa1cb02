"""Validate SARIF logs against the official SARIF 2.1.0 JSON schema.

Usage: validate_sarif.py SCHEMA FILE...

SCHEMA is sarif-2.1.0.json from the pinned @microsoft/sarif-multitool-linux
npm package (scripts/validate-sarif finds it). Prints one line per problem
(file, JSON path, message) and a summary; exit 0 all valid, 1 a file is
invalid, 2 the schema or a file could not be read.
"""

import json
import sys

from jsonschema import Draft202012Validator


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            schema = json.load(f)
    except (OSError, ValueError) as e:
        print(f"validate_sarif: cannot read the schema {argv[1]}: {e}", file=sys.stderr)
        return 2
    validator = Draft202012Validator(schema)
    bad = 0
    results = 0
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                log = json.load(f)
        except (OSError, ValueError) as e:
            print(f"validate_sarif: {path}: not JSON: {e}", file=sys.stderr)
            return 2
        errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
        for e in errors:
            where = "/".join(str(p) for p in e.absolute_path) or "(root)"
            print(f"{path}: {where}: {e.message}")
        bad += 1 if errors else 0
        if isinstance(log, dict):
            results += sum(len(r.get("results") or []) for r in log.get("runs") or [])
    print(f"validate_sarif: {len(argv) - 2} file(s), {results} result(s), {bad} invalid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
