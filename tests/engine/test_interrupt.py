"""Ctrl-C during a long build or add leaves the index as it was at its last commit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson

from searchlib import build_index, bundled_records_path, open_index

ROOT = Path(__file__).resolve().parents[2]

# A child that indexes many records and says when it is well under way, then keeps going.
CHILD = """
import sys
import searchlib
records = [{"title": f"Paper {i} on falls", "doi": f"10.9/x{i}", "abstract": "Falls and fractures " * 40}
           for i in range(int(sys.argv[3]))]
def progress(done, total):
    if done >= 300:
        print("RUNNING", flush=True)
if sys.argv[1] == "build":
    searchlib.build_index(records, sys.argv[2], overwrite=True, progress=progress)
else:
    searchlib.open_index(sys.argv[2]).add(records, progress=progress, batch_size=int(sys.argv[4]))
print("FINISHED", flush=True)
"""


def _interrupt(*args: str) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "RUNNING", proc.stderr.read() if proc.stderr else line
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out + err


def test_ctrl_c_during_a_rebuild_keeps_the_old_index(tmp_path) -> None:
    target = tmp_path / "ix"
    build_index(bundled_records_path(), target)
    code, output = _interrupt("build", str(target), "30000")
    assert code != 0 and "FINISHED" not in output and "KeyboardInterrupt" in output
    index = open_index(target)
    assert len(index) == 10 and index.get("10.1136/bmjqs-2024-017268") is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ix"]  # no staging folder left behind


def test_ctrl_c_during_a_batched_add_keeps_the_batches_committed(tmp_path) -> None:
    target = tmp_path / "ix"
    build_index(bundled_records_path(), target)
    code, output = _interrupt("add", str(target), "3000", "250")
    assert code != 0 and "FINISHED" not in output
    index = open_index(target)
    added = len(index) - 10
    assert added % 250 == 0 and 250 <= added < 3000  # whole batches only, at least the first
    assert index.get(f"10.9/x{added - 1}") is not None and index.get(f"10.9/x{added}") is None
    # and the index still takes writes
    assert index.add([{"title": "After", "doi": "10.9/after", "abstract": "Written after the interrupt."}]) == 1
    assert orjson.dumps(open_index(target).get("10.9/after").title) == b'"After"'
