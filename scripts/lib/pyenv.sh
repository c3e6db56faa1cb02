# shellcheck shell=bash
# scripts/lib/pyenv.sh -- one pinned Python virtualenv per conformance tool.
#
# Source this file, then call `pyenv_ensure TOOL`; on success PYENV_VENV holds the venv
# directory (use "$PYENV_VENV/bin/..."). TOOL is the basename of a lock file
# tests/conformance/requirements/TOOL.txt (cfn-lint, k8s, checkov, moto).
#
# How it works:
#   * venvs live in ${MESHSYNTH_TOOLS_HOME:-$HOME/.cache/meshsynth}/venvs/TOOL;
#   * a stamp file inside the venv records sha256(lock file) + the Python version and path;
#     when it matches, nothing else happens (no pip call; ~15 ms, one python start);
#   * otherwise the venv is rebuilt from scratch under an exclusive lock
#     (venvs/.TOOL.lock, flock), so concurrent first runs install once and the others wait;
#   * the lock file pins every transitive dependency, so it is installed with --no-deps and
#     then verified with `pip check` (a missing pin fails loudly instead of floating);
#   * cfn-lint, k8s and checkov are byte-compiled after install (cfn-lint imports its rules in
#     a way that never writes .pyc, so without this every run pays ~2 s of compiling).
#
# Environment: MESHSYNTH_TOOLS_HOME (where venvs live), MESHSYNTH_PYTHON (interpreter used to
# create the venvs; default python3). pip's own configuration (PIP_INDEX_URL, proxies, ...)
# is honoured.
#
# Functions return non-zero (they never exit) so callers decide what to do.

if [[ -n "${_MESHSYNTH_PYENV_LOADED:-}" ]]; then
    return 0
fi
_MESHSYNTH_PYENV_LOADED=1

# Repository root (this file is scripts/lib/pyenv.sh).
MESHSYNTH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# MESHSYNTH_REQUIREMENTS_DIR: other lock files (used by the selftest to exercise this file).
PYENV_REQUIREMENTS_DIR="${MESHSYNTH_REQUIREMENTS_DIR:-$MESHSYNTH_ROOT/tests/conformance/requirements}"
PYENV_MIN_PYTHON="3.11"   # the lock files pin packages that need >= 3.11 (numpy, networkx)
# shellcheck disable=SC2034 # read by the scripts that source this file
PYENV_VENV=""

# A PYTHONPATH/PYTHONHOME meant for something else must not leak into the tool venvs.
unset PYTHONPATH PYTHONHOME

pyenv_log() { printf '%s\n' "pyenv: $*" >&2; }

pyenv_tools_home() {
    if [[ -n "${MESHSYNTH_TOOLS_HOME:-}" ]]; then
        printf '%s\n' "$MESHSYNTH_TOOLS_HOME"
    elif [[ -n "${HOME:-}" ]]; then
        printf '%s\n' "$HOME/.cache/meshsynth"
    else
        pyenv_log "neither MESHSYNTH_TOOLS_HOME nor HOME is set"
        return 1
    fi
}

pyenv_tools() {
    local f
    for f in "$PYENV_REQUIREMENTS_DIR"/*.txt; do
        [[ -e "$f" ]] || continue
        f="${f##*/}"
        printf '%s\n' "${f%.txt}"
    done
}

# Print "<real interpreter path> <fingerprint>" for the base interpreter and lock file.
# One interpreter start (-I -S: isolated, no site import) also resolves pyenv-style shims,
# so later calls use the real binary.
_pyenv_probe() {
    local py="$1" lock="$2"
    "$py" -I -S -c '
import hashlib, platform, sys
with open(sys.argv[1], "rb") as f:
    digest = hashlib.sha256(f.read()).hexdigest()
print(sys.executable, "lock-sha256=%s python=%s %s" % (digest, platform.python_version(), sys.executable))
' "$lock"
}

_pyenv_check_python() {
    local py="$1"
    if ! command -v "$py" >/dev/null 2>&1; then
        pyenv_log "ERROR: '$py' not found. The conformance tools need Python >= $PYENV_MIN_PYTHON with the"
        pyenv_log "venv module (Debian/Ubuntu: apt-get install python3 python3-venv), or set MESHSYNTH_PYTHON."
        return 1
    fi
    if ! "$py" -I -c "import sys; sys.exit(0 if sys.version_info >= tuple(map(int, '$PYENV_MIN_PYTHON'.split('.'))) else 1)"; then
        pyenv_log "ERROR: $("$py" --version 2>&1) is too old; the conformance tools need Python >= $PYENV_MIN_PYTHON"
        pyenv_log "(set MESHSYNTH_PYTHON to a newer interpreter)."
        return 1
    fi
    # Debian ships `venv` without ensurepip unless python3-venv is installed.
    if ! "$py" -I -c 'import venv, ensurepip' >/dev/null 2>&1; then
        pyenv_log "ERROR: $py has no working 'venv' module (ensurepip missing)."
        pyenv_log "On Debian/Ubuntu install it with: apt-get install python3-venv"
        return 1
    fi
}

# Take an exclusive lock on file descriptor 9 (opened by the caller).
_pyenv_lock_fd9() {
    local what="$1" py="$2"
    if command -v flock >/dev/null 2>&1; then
        if ! flock -n 9; then
            pyenv_log "waiting for another process that is installing $what ..."
            flock 9
        fi
    else
        # No flock(1) (e.g. macOS): take the same flock(2) lock from Python. The lock belongs to
        # the open file description shared with this shell, so it outlives the helper process.
        "$py" -I -S -c 'import fcntl; fcntl.flock(9, fcntl.LOCK_EX)' 2>/dev/null || true
    fi
}

# _pyenv_build TOOL VENV LOCK PYTHON STAMP_TEXT
_pyenv_build() {
    local tool="$1" venv="$2" lock="$3" py="$4" stamp="$5"
    local log="$venv.install.log" start=$SECONDS site

    pyenv_log "installing the '$tool' tool venv (one-time; pinned by ${lock#"$MESHSYNTH_ROOT"/}) into $venv"
    rm -rf "$venv"
    : >"$log"
    if ! "$py" -m venv "$venv" >>"$log" 2>&1; then
        pyenv_log "ERROR: '$py -m venv $venv' failed (log: $log):"
        tail -n 20 "$log" >&2
        rm -rf "$venv"
        return 1
    fi
    # PIP_USER/PIP_TARGET/PIP_PREFIX from a user's config would send packages outside the venv.
    if ! grep -qvE '^[[:space:]]*(#|$)' "$lock"; then
        : # a lock file without requirements: nothing to install
    elif ! env -u PIP_TARGET -u PIP_PREFIX PIP_USER=0 PIP_DISABLE_PIP_VERSION_CHECK=1 \
        "$venv/bin/python" -m pip install --no-input --no-deps --no-compile --progress-bar off \
        -r "$lock" >>"$log" 2>&1; then
        pyenv_log "ERROR: pip install of $lock failed (full log: $log):"
        tail -n 25 "$log" >&2
        return 1
    fi
    if ! "$venv/bin/python" -m pip check >>"$log" 2>&1; then
        pyenv_log "ERROR: 'pip check' failed: $lock is missing a pin (log: $log):"
        tail -n 10 "$log" >&2
        return 1
    fi
    case "$tool" in
        cfn-lint | k8s | checkov)
            # Parallel byte-compile (-j0 = all cores); pip's own compile step is serial.
            site="$("$venv/bin/python" -I -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
            "$venv/bin/python" -m compileall -q -j0 "$site" >>"$log" 2>&1 || true
            ;;
        *) ;; # moto: compiled lazily on first import (halves install time, warm start unchanged)
    esac
    printf '%s\n' "$stamp" >"$venv/.meshsynth-stamp.tmp"
    mv -f "$venv/.meshsynth-stamp.tmp" "$venv/.meshsynth-stamp"
    pyenv_log "'$tool' venv ready ($((SECONDS - start)) s)"
}

# pyenv_ensure TOOL: make sure the venv for TOOL exists and matches its lock file.
# Sets PYENV_VENV. Returns 1 on failure (message already printed).
pyenv_ensure() {
    local tool="$1" home venv lock py probe real stamp have=""
    lock="$PYENV_REQUIREMENTS_DIR/$tool.txt"
    if [[ ! -f "$lock" ]]; then
        pyenv_log "ERROR: unknown tool '$tool' (no lock file $lock)"
        return 1
    fi
    home="$(pyenv_tools_home)" || return 1
    venv="$home/venvs/$tool"
    py="${MESHSYNTH_PYTHON:-python3}"

    # Fast path: stamp matches and the venv's interpreter still runs (base Python not removed).
    if probe="$(_pyenv_probe "$py" "$lock" 2>/dev/null)"; then
        real="${probe%% *}"
        stamp="${probe#* }"
        if [[ -f "$venv/.meshsynth-stamp" && -x "$venv/bin/python" ]]; then
            have="$(<"$venv/.meshsynth-stamp")"
            if [[ "$have" == "$stamp" ]]; then
                PYENV_VENV="$venv"
                return 0
            fi
        fi
    fi

    _pyenv_check_python "$py" || return 1
    probe="$(_pyenv_probe "$py" "$lock")" || return 1
    real="${probe%% *}"
    stamp="${probe#* }"

    mkdir -p "$home/venvs" || return 1
    local rc=0
    # fd 9 holds the lock until it is closed below (or this process exits).
    exec 9>>"$home/venvs/.$tool.lock"
    _pyenv_lock_fd9 "$tool" "$real"
    # Another process may have finished the install while we waited.
    if [[ -f "$venv/.meshsynth-stamp" && -x "$venv/bin/python" && "$(<"$venv/.meshsynth-stamp")" == "$stamp" ]]; then
        rc=0
    else
        if [[ -f "$venv/.meshsynth-stamp" ]]; then
            pyenv_log "'$tool' venv is stale (lock file or Python changed); rebuilding"
        fi
        _pyenv_build "$tool" "$venv" "$lock" "$real" "$stamp" || rc=$?
    fi
    exec 9>&-
    [[ $rc -eq 0 ]] || return "$rc"
    # shellcheck disable=SC2034 # read by the scripts that source this file
    PYENV_VENV="$venv"
}
