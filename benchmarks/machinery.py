"""Does a speed mechanism pay for itself? A/B runs of the three figures a user feels, the arms taking turns.

The figures:

- ``cold``: a new ``searchlib search --any CLAIM`` process (import, open the index, answer the claim), its CPU
  time (user + sys, from ``RUSAGE_CHILDREN``) and its wall time; one untimed start first, so the index's files
  are in the page cache as after a build or a search.
- ``claims``: SciFact claims (``match="any"``, feedback on unless ``--feedback off``) answered in one process on
  an opened index, each claim's CPU time (``time.process_time``); the figure is the median (p50) claim. Each
  arm's pass is a new process.
- ``build``: an index built from a record file in a new process, its CPU time (the build's helper processes
  included), its papers per second of wall time, and the CPU time of its busiest process (what its wall time
  would be where each process has a core of its own).

An arm (``--arm``) is a source tree and a switch: ``switch`` (this checkout), ``name=path`` or
``name=path:switch``, a switch being a few lines run in the child before the work that turn a mechanism off
(:data:`SWITCHES`). Arms take turns, ``--reps`` times, and each arm's figure is the median of its runs; the
machine is shared, so CPU time is the figure that decides and wall time is shown beside it (``--callgrind``
counts a cold start's instructions instead, the same from run to run; ``--python`` runs the children with
another interpreter, e.g. a venv without SciPy).

Three switches name mechanisms since removed (``no-deferral``, ``whole-table``, ``no-one-posting-path``): on
this tree they change nothing, and they are run against a checkout from before the removal
(``git worktree add /tmp/before <rev>``, then ``--arm name=/tmp/before:switch``).

    python benchmarks/machinery.py cold --index IX --arm base --arm no-deferral --reps 21
    python benchmarks/machinery.py claims --index IX --arm base --arm no-term-rows --claims 100 --reps 3
    python benchmarks/machinery.py build --corpus synth-50000.jsonl --arm base --arm whoosh-hashes --reps 3
    python benchmarks/machinery.py build --corpus corpus.jsonl --arm one-process --arm whoosh-writer --reps 3
    python benchmarks/machinery.py cold --index IX --arm main=/tmp/before --arm branch=. --reps 21

An index for ``--index`` is built by ``build_index(file)`` from records of ``benchmarks/synth.py`` (200k for
the cold start and claims figures, 50k for the build figure).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import DATA, load_collection  # noqa: E402

#: What each switch runs before the work: the mechanism it names turned off, the rest as it is.
SWITCHES = {
    "base": "",
    # Whoosh imported with its unused imports (urllib.request, its word-variation tables), as plain Whoosh does.
    "no-deferral": "import urllib.request, whoosh.lang.morph_en\n",
    # NLTK imported as it imports itself (SciPy's stats and sparse too, where SciPy is installed).
    "plain-nltk": (
        "from searchlib.analysis import stemtable as _st\n"
        "def _plain():\n"
        "    from nltk.stem.snowball import EnglishStemmer\n"
        "    return EnglishStemmer()\n"
        "_st._snowball_stemmer = _plain\n"
    ),
    # The stem table read whole at the first word looked up, not bisected.
    "whole-table": "from searchlib.analysis import stemtable as _st\n_st.LOOKUPS_BEFORE_LOAD = 0\n",
    # Term infos looked up through Whoosh's reader, not in the mapped term table.
    "no-term-rows": "from searchlib._engine import postings as _p\n_p.term_row = lambda *a: _p.UNREAD\n",
    # Postings read through Whoosh's public matcher, not block by block from the postings file.
    "whoosh-postings": (
        "from searchlib._engine import postings as _p\n"
        "from whoosh.matching import FilterMatcher\n"
        "def _read(reader, field, btext, info):\n"
        "    m = reader.postings(field, btext)\n"
        "    m = m.child if isinstance(m, FilterMatcher) else m\n"
        "    ids, weights = [], []\n"
        "    while m.is_active():\n"
        "        ids.append(m.id()); weights.append(m.weight()); m.next()\n"
        "    return ids, weights\n"
        "_p.read_postings = _read\n"
    ),
    # Blocks read whole, positions too, as Whoosh's matcher reads them (no reading of the pickles' opcodes).
    "whole-blocks": (
        "from searchlib._engine import postings as _p\n"
        "_p._ids_and_weights = lambda postfile, n, compression, start, end: _p._read_whole("
        "postfile, compression, start, end)\n"
    ),
    # Field lengths read through Whoosh's public reader, a paper at a time.
    "whoosh-lengths": (
        "from searchlib._engine import postings as _p\n"
        "from whoosh.util.numeric import length_to_byte\n"
        "def _lengths(reader, field):\n"
        "    n = reader.doc_count_all()\n"
        "    return bytes(length_to_byte(reader.doc_field_length(d, field, 0) or 0) for d in range(n))\n"
        "_p.length_bytes = _lengths\n"
    ),
    # The term table's hash tables written by Whoosh's HashWriter, a call per slot, not a table per call.
    "whoosh-hashes": (
        "from searchlib._engine import termtable as _tt\n"
        "from whoosh.filedb.filetables import HashWriter\n"
        "_tt.write_hash_tables = HashWriter._write_hashes\n"
    ),
    # A build in one process, one segment (the writer's steps that let helper processes write segments unused).
    "one-process": "from searchlib._engine import parallel as _pp\n_pp.default_procs = lambda: 1\n",
    # Whoosh's own segment writer (a posting at a time), in one process, with searchlib's block size.
    "whoosh-writer": (
        "from searchlib._engine import parallel as _pp\n"
        "from searchlib._engine.segwriter import BLOCK_POSTINGS\n"
        "from whoosh.codec.whoosh3 import W3Codec\n"
        "from whoosh.writing import SegmentWriter\n"
        "class _Writer(SegmentWriter):\n"
        "    def __init__(self, ix, spill_postings=None, **kwargs):\n"
        "        super().__init__(ix, codec=W3Codec(blocklimit=BLOCK_POSTINGS), **kwargs)\n"
        "_pp.FastSegmentWriter = _Writer\n"
        "_pp.default_procs = lambda: 1\n"
    ),
    # A term in one paper written by the general block loop, not its own shorter path.
    "no-one-posting-path": (
        "import inspect, textwrap\n"
        "from searchlib._engine import segwriter as _sw\n"
        "_src = textwrap.dedent(inspect.getsource(_sw._TermWriter.write)).replace('if n == 1:', 'if False:')\n"
        "_ns = {}\n"
        "exec(compile(_src, _sw.__file__, 'exec'), vars(_sw), _ns)\n"
        "_sw._TermWriter.write = _ns['write']\n"
    ),
}


# -- the children --------------------------------------------------------------------------------------------

_COLD = (
    "import sys\n{switch}from searchlib.cli import main\n"
    "sys.exit(main(['search', '--index', sys.argv[1], '--any', sys.argv[2]]))\n"
)

_CLAIMS = """import sys, time, orjson
{switch}import searchlib
ix = searchlib.open_index(sys.argv[1])
claims = orjson.loads(open(sys.argv[2], 'rb').read())
feedback = sys.argv[3] == "on"
ix.search(claims[0], limit=10, match="any", plain=True, feedback=feedback)  # reads what every search uses
times = []
for text in claims:
    t = time.process_time()
    [h.id for h in ix.search(text, limit=10, match="any", plain=True, feedback=feedback)]
    times.append(time.process_time() - t)
print(orjson.dumps(times).decode())
"""

_BUILD = (
    "import resource, sys\n{switch}import searchlib\nsearchlib.build_index(sys.argv[1], sys.argv[2]).close()\n"
    "cpu = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]\n"
    "print(*(r.ru_utime + r.ru_stime for r in cpu))  # the build's process, and its helpers\n"
)


#: The interpreter the children run (``--python``: e.g. a venv with only searchlib's own dependencies).
PYTHON = [sys.executable]


def _child(lib: Path, code: str, *args: str, callgrind: bool = False) -> tuple[float, float, str]:
    """Run ``code`` in a new interpreter with ``lib`` first on its path: (CPU s, wall s, its output); with
    ``callgrind``, under Valgrind, the instructions it ran (in millions) in place of the CPU time."""
    env = {**os.environ, "PYTHONPATH": str(lib)}
    cmd = [*PYTHON, "-c", code, *args]
    if callgrind:
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=lib)  # not this folder's searchlib
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"a child failed:\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if callgrind:
        found = re.search(r"Collected : (\d+)", proc.stderr)
        if found is None:
            raise SystemExit(f"no instruction count from callgrind:\n{proc.stderr[-2000:]}")
        cpu = int(found.group(1)) / 1e6
    return cpu, wall, proc.stdout


def _arms(specs: list[str]) -> list[tuple[str, Path, str]]:
    """``switch`` or ``name=path`` or ``name=path:switch`` -> (name, source tree, switch code)."""
    out = []
    for spec in specs:
        name, _, rest = spec.partition("=")
        path, _, switch = rest.partition(":") if rest else (str(HERE.parent), "", name)
        switch = switch or "base"
        if switch not in SWITCHES:
            raise SystemExit(f"unknown switch {switch!r}; one of {', '.join(SWITCHES)}")
        out.append((name, Path(path).resolve(), SWITCHES[switch]))
    return out


def _claims(n: int) -> list[str]:
    _, queries, _ = load_collection(DATA / "scifact")
    claims = list(queries.values())
    return [claims[i * len(claims) // n] for i in range(n)] if 0 < n < len(claims) else claims


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("figure", choices=("cold", "claims", "build"))
    ap.add_argument("--arm", action="append", required=True, help="switch, name=path or name=path:switch")
    ap.add_argument("--index", type=Path, help="the index (cold, claims)")
    ap.add_argument("--corpus", type=Path, help="the records to build from (build)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--claims", type=int, default=100, help="claims timed, evenly spaced (claims)")
    ap.add_argument("--feedback", choices=("on", "off"), default="on", help="claims searched with feedback or not")
    ap.add_argument("--query", help="the claim a cold start answers (default: SciFact's first test claim)")
    ap.add_argument("--callgrind", action="store_true", help="cold: count instructions (Valgrind), not CPU time")
    ap.add_argument("--json", type=Path, help="also write every run's figures here")
    ap.add_argument("--python", help="the interpreter the children run (default: this one)")
    args = ap.parse_args()
    if args.python:
        PYTHON[:] = [args.python]
    arms = _arms(args.arm)
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in arms}
    # A build's CPU in its busiest process: its wall time where each process has a core to itself.
    longest: dict[str, list[float]] = {name: [] for name, _, _ in arms}
    with tempfile.TemporaryDirectory(prefix="machinery-") as tmp:
        if args.figure == "cold":
            query = args.query or _claims(0)[0]
            for _name, lib, switch in arms:  # untimed: the index's files into the page cache, the code compiled
                _child(lib, _COLD.format(switch=switch), str(args.index), query)
        elif args.figure == "claims":
            claims_file = Path(tmp) / "claims.json"
            claims_file.write_bytes(orjson.dumps(_claims(args.claims)))
        for _ in range(args.reps):
            for name, lib, switch in arms:
                if args.figure == "cold":
                    code = _COLD.format(switch=switch)
                    cpu, wall, _out = _child(lib, code, str(args.index), query, callgrind=args.callgrind)
                    runs[name].append((cpu, wall))
                elif args.figure == "claims":
                    code = _CLAIMS.format(switch=switch)
                    _cpu, _wall, out = _child(lib, code, str(args.index), str(claims_file), args.feedback)
                    runs[name].append((statistics.median(orjson.loads(out)), 0.0))
                else:
                    where = Path(tmp) / f"ix-{name}"
                    cpu, wall, out = _child(lib, _BUILD.format(switch=switch), str(args.corpus), str(where))
                    runs[name].append((cpu, wall))
                    longest[name].append(max(map(float, out.split())))
                    subprocess.run(["rm", "-rf", str(where)], check=True)
            print(".", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    first = statistics.median(cpu for cpu, _ in runs[arms[0][0]])
    unit, scale = ("s", 1) if args.figure == "build" else ("M instr", 1) if args.callgrind else ("ms", 1000)
    for name, _lib, _switch in arms:
        cpu = statistics.median(c for c, _ in runs[name])
        wall = statistics.median(w for _, w in runs[name])
        what = "instructions" if args.callgrind else "CPU"
        line = f"{args.figure:6} {name:22} {what} {cpu * scale:9.1f} {unit} ({cpu / first - 1:+6.1%})"
        if args.figure == "build":
            n = sum(1 for line in open(args.corpus, "rb") if line.strip())
            busiest = statistics.median(longest[name])
            line += f"  wall {wall:.1f} s, {n / wall:.0f} papers/s; busiest process {busiest:.1f} s CPU"
        elif args.figure == "cold":
            line += f"  wall {wall * 1000:.0f} ms"
        print(line + f"  [{len(runs[name])} runs]")
    if args.json:
        args.json.write_bytes(orjson.dumps({"figure": args.figure, "runs": runs}))


if __name__ == "__main__":
    main()
