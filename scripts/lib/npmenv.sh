# shellcheck shell=bash
# scripts/lib/npmenv.sh -- the pinned npm packages of the conformance step (the CRD validators).
#
# Source this file, then call `npmenv_ensure`; on success NPMENV_MODULES holds the node_modules
# directory to hand to tests/conformance/validate_crds.mjs.
#
# How it works:
#   * packages are pinned, with integrity hashes, by tests/conformance/npm/package-lock.json;
#   * they are installed with `npm ci --ignore-scripts` (exactly the lock, no install scripts) into
#     ${MESHSYNTH_TOOLS_HOME:-$HOME/.cache/meshsynth}/npm/<sha256 of the lock>/, under an
#     exclusive lock (flock), so concurrent first runs install once;
#   * a stamp file marks a finished install; a later run with the same lock does nothing.
#
# Needs node (>= 20) and npm on PATH. Functions return non-zero (they never exit).

if [[ -n "${_MESHSYNTH_NPMENV_LOADED:-}" ]]; then
    return 0
fi
_MESHSYNTH_NPMENV_LOADED=1

NPMENV_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NPMENV_LOCK_DIR="$NPMENV_ROOT/tests/conformance/npm"
# shellcheck disable=SC2034 # read by the scripts that source this file
NPMENV_MODULES=""

npmenv_log() { printf '%s\n' "npmenv: $*" >&2; }

npmenv_ensure() {
    local node_major
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        npmenv_log "node and npm are needed for the CRD validators (Node.js >= 20); install them (e.g. apt-get install nodejs npm)"
        return 1
    fi
    node_major="$(node -p 'process.versions.node.split(".")[0]')"
    if ((node_major < 20)); then
        npmenv_log "Node.js $(node --version) is too old for the CRD validators; Node.js >= 20 is needed"
        return 1
    fi
    local home hash dir
    home="${MESHSYNTH_TOOLS_HOME:-${HOME:?}/.cache/meshsynth}"
    hash="$(cat "$NPMENV_LOCK_DIR/package.json" "$NPMENV_LOCK_DIR/package-lock.json" | sha256sum | cut -c1-16)"
    dir="$home/npm/$hash"
    if [[ ! -f "$dir/.meshsynth-installed" ]]; then
        mkdir -p "$home/npm"
        (
            flock 9
            if [[ ! -f "$dir/.meshsynth-installed" ]]; then
                npmenv_log "installing the CRD validators (one-time; pinned by tests/conformance/npm/package-lock.json) into $dir"
                rm -rf "$dir"
                mkdir -p "$dir"
                cp "$NPMENV_LOCK_DIR/package.json" "$NPMENV_LOCK_DIR/package-lock.json" "$dir/"
                # Node 20 runs these packages though some declare engines >= 22; the
                # conformance self-test proves the validators work on the node at hand.
                if ! (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error --engine-strict=false >&2); then
                    rm -rf "$dir"
                    exit 1
                fi
                touch "$dir/.meshsynth-installed"
            fi
        ) 9>"$home/npm/.lock" || {
            npmenv_log "npm ci failed (see above)"
            return 1
        }
    fi
    NPMENV_MODULES="$dir/node_modules"
}
