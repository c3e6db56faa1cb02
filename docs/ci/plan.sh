#!/usr/bin/env bash
# The plan of a pull request, computed by a trusted binary (the platform
# binary built from the pull request's base): it synthesizes the base, then
# compares the pull request's assembly (untrusted input: the loader confines
# and bounds it) with it. Writes into OUT:
#   plan.md       the comment (at most 60,000 characters; shortened plans keep
#                 every replacement, data-loss and widening line)
#   plan-full.md  the whole plan, nothing left out (kept as an artifact)
#   plan.json     the plan for gates (schema in docs/diff.md)
#   status        "success" or "failure" (widening access or data loss)
#
#   plan.sh --bin BIN --pr PR_ASSEMBLY --base-dir BASE_CHECKOUT --out OUT
set -euo pipefail

bin="" pr="" base="" out=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --bin) bin="$2"; shift 2 ;;
        --pr) pr="$2"; shift 2 ;;
        --base-dir) base="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) echo "plan.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [[ -z "$bin" || -z "$pr" || -z "$base" || -z "$out" ]]; then
    echo "usage: plan.sh --bin BIN --pr PR_ASSEMBLY --base-dir BASE_CHECKOUT --out OUT" >&2
    exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
base_asm="$out/base.out"

# The base is synthesized where its crate is (context, meshsynth.json).
(cd "$base" && "$bin" synth -o "$base_asm" >/dev/null)

set +e
"$bin" diff --assembly "$pr" --against "$base_asm" --format markdown \
    --full-plan "$out/plan-full.md" --exit-code >"$out/plan.md"
code=$?
set -e
# 0: no change, 2: changes; anything else is an error (a broken or hostile
# assembly): the job fails and posts nothing.
if [[ $code -ne 0 && $code -ne 2 ]]; then
    echo "plan.sh: meshsynth diff failed (exit $code)" >&2
    exit 1
fi
"$bin" diff --assembly "$pr" --against "$base_asm" --format json >"$out/plan.json"
rm -rf "$base_asm"

if python3 -c '
import json, sys
plan = json.load(open(sys.argv[1]))
widens = plan["summary"]["security"]["widens"]
loss = any(r.get("dataLoss") for s in plan["stacks"] for r in s["resources"])
sys.exit(0 if widens == 0 and not loss else 1)
' "$out/plan.json"; then
    echo success >"$out/status"
else
    echo failure >"$out/status"
fi
