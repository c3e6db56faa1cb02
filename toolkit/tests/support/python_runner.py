"""Runs the deploy tests' Python probes in one long-lived process (support/emulator.rs, `python`).

Usage: scripts/moto python python_runner.py, then one JSON request a line on stdin:
{"argv": ["SCRIPT.py", ARGS...]} or {"argv": ["-c", "SOURCE", ARGS...]}; one JSON answer a line on
stdout: {"code": EXIT_CODE, "stdout": ..., "stderr": ...}. It ends at the end of its input.

Each probe is a script as `python SCRIPT ARGS` would run it, with its own globals, sys.argv, and
captured output. Starting a Python with boto3 cost about a second a probe; here boto3 is imported
once and its service models are loaded once.
"""

import contextlib
import io
import json
import runpy
import sys
import traceback

import boto3  # noqa: F401  (imported once, for every probe)


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    saved = sys.argv
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            if argv[0] == "-c":
                sys.argv = ["-c"] + argv[2:]
                exec(compile(argv[1], "<string>", "exec"), {"__name__": "__main__"})
            else:
                sys.argv = list(argv)
                runpy.run_path(argv[0], run_name="__main__")
    except SystemExit as e:
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code
        else:
            err.write(f"{e.code}\n")
            code = 1
    except BaseException:  # noqa: BLE001  (a probe's failure is its answer, not the runner's)
        traceback.print_exc(file=err)
        code = 1
    finally:
        sys.argv = saved
    return {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def main():
    for line in sys.stdin:
        answer = run(json.loads(line)["argv"])
        sys.__stdout__.write(json.dumps(answer) + "\n")
        sys.__stdout__.flush()


if __name__ == "__main__":
    main()
