"""Ctrl-C during a long build or add leaves the index as it was at its last commit.

The child interrupts itself, with a real SIGINT, from its progress callback once a set number of records are
done, so the interrupt always lands at the same point of the build, however busy the machine is.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson

from searchlib import build_index, bundled_records_path, open_index
from tests.engine.crashkit import HANG_GUARD

ROOT = Path(__file__).resolve().parents[2]

# A child that indexes records and sends itself SIGINT (what Ctrl-C sends) once INTERRUPT_AT are done. 3,000
# records: enough for a build to start its helper processes (from 2,000), so they are stopped too.
CHILD = """
import os, signal, sys
import searchlib
signal.signal(signal.SIGINT, signal.default_int_handler)  # a background job inherits SIGINT ignored
records = [{"title": f"Paper {i} on falls", "doi": f"10.9/x{i}", "abstract": "Falls and fractures " * 40}
           for i in range(3000)]
def progress(done, total):
    if done == int(sys.argv[3]):
        os.kill(os.getpid(), signal.SIGINT)
if sys.argv[1] == "build":
    searchlib.build_index(records, sys.argv[2], overwrite=True, progress=progress)
else:
    searchlib.open_index(sys.argv[2]).add(records, progress=progress, batch_size=int(sys.argv[4]))
print("FINISHED", flush=True)
"""


def _interrupt(*args: str) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, env=env, timeout=HANG_GUARD
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_ctrl_c_during_a_rebuild_keeps_the_old_index(tmp_path) -> None:
    target = tmp_path / "ix"
    build_index(bundled_records_path(), target)
    code, output = _interrupt("build", str(target), "300")
    assert code != 0 and "FINISHED" not in output and "KeyboardInterrupt" in output
    index = open_index(target)
    assert len(index) == 10 and index.get("10.1136/bmjqs-2024-017268") is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ix"]  # no staging folder left behind


def test_ctrl_c_during_a_batched_add_keeps_the_batches_committed(tmp_path) -> None:
    target = tmp_path / "ix"
    build_index(bundled_records_path(), target)
    code, output = _interrupt("add", str(target), "600", "250")  # in the third batch of 250
    assert code != 0 and "FINISHED" not in output and "KeyboardInterrupt" in output
    index = open_index(target)
    assert len(index) == 10 + 500  # the two whole batches before the interrupt, nothing of the third
    assert index.get("10.9/x499") is not None and index.get("10.9/x500") is None
    # and the index still takes writes
    assert index.add([{"title": "After", "doi": "10.9/after", "abstract": "Written after the interrupt."}]) == 1
    assert orjson.dumps(open_index(target).get("10.9/after").title) == b'"After"'
