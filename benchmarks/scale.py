"""Sharded indexes at scale: build rate, peak memory, query latency and size, one index against 2 and 4 shards,
built and served on this machine and on a local Ray instance.

Records are generated from real ones (``synth.py``); queries are SciFact's claims (pasted text: ``match="any"``,
feedback on) and the typed mix of ``speed.py`` (topics, phrases, ``methods:``, ``au:``, years, booleans) drawn
from the generated corpus. Each configuration runs in a fresh process, one after another in turn, ``--rounds``
times: its build is timed, its peak memory per process read (the largest of this process, its children and, on
Ray, Ray's worker processes: each one's high-water mark), its folder measured, and the queries timed after one
warm-up query. The report gives medians over the rounds and ratios to the single index.

    python benchmarks/scale.py 200000                       # every configuration, one round
    python benchmarks/scale.py 1000000 --configs one,local4 --rounds 1

Configurations: ``one`` (one index, one process: ``procs=1``), ``one2`` (one index, the default two processes),
``localN`` (N shards, a process each, searched in this process), ``rayN`` (N shards built by Ray tasks and
served by Ray actors, ``ray.init(num_cpus=2)``).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import DATA, load_collection, machine, median, percentile  # noqa: E402

CONFIGS = ("one", "one2", "local2", "local4", "ray2", "ray4")


def corpus(n: int, workdir: Path) -> Path:
    """``n`` generated records as JSON lines, made once per size."""
    from synth import records

    path = workdir / f"synth-{n}.jsonl"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            for record in records(n):
                f.write(orjson.dumps(record) + b"\n")
        tmp.rename(path)
    return path


def queries(corpus_file: Path, workdir: Path, claims: int) -> Path:
    from speed import typed_queries

    path = workdir / f"queries-{corpus_file.stem}.json"
    if not path.exists():
        _, texts, _ = load_collection(DATA / "scifact")
        typed = [q["searchlib"] for q in typed_queries(corpus_file, n_each=10)]
        path.write_bytes(orjson.dumps({"claims": list(texts.values())[:claims], "typed": typed}))
    return path


def _ray_workers() -> list[Path]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if (proc / "cmdline").read_bytes().startswith(b"ray::"):
                found.append(proc)
        except OSError:
            continue
    return found


def _cpu_s(ray_workers: bool) -> float:
    """CPU seconds (user and system) of this process, its children and Ray's workers: on a machine shared with
    other work, the build's cost that waiting for a CPU does not inflate."""
    used = sum(
        r.ru_utime + r.ru_stime for r in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )
    if ray_workers:
        tick = os.sysconf("SC_CLK_TCK")
        for proc in _ray_workers():
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used += (int(fields[11]) + int(fields[12])) / tick
    return used


def _peak_mib(ray_workers: bool) -> float:
    """The largest peak resident memory of one process: this one, its children (ended) and Ray's workers."""
    peaks = [resource.getrusage(w).ru_maxrss / 1024 for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    if ray_workers:
        for proc in _ray_workers():
            try:
                status = (proc / "status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def worker(config: str, corpus_file: Path, where: Path, query_file: Path | None) -> dict:
    """Build ``config``'s index at ``where`` (``query_file`` None), or open it and time the queries."""
    import searchlib

    digits = config.removeprefix("local").removeprefix("ray")
    shards = int(digits) if digits.isdigit() else None
    on_ray = config.startswith("ray")
    out: dict = {"config": config}
    executor = None
    if on_ray:
        import ray

        t = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        out["ray_init_s"] = time.perf_counter() - t
        executor = "ray"
    if query_file is None:
        n = sum(1 for line in open(corpus_file, "rb") if line.strip())
        cpu_before = _cpu_s(on_ray)
        t = time.perf_counter()
        if shards is None:
            index = searchlib.build_index(corpus_file, where, overwrite=True, procs=1 if config == "one" else 2)
        else:
            index = searchlib.build_index(corpus_file, where, overwrite=True, shards=shards, executor=executor)
        build = time.perf_counter() - t
        cpu = _cpu_s(on_ray) - cpu_before
        out.update(papers=n, build_s=build, papers_per_s=n / build, peak_mib=_peak_mib(on_ray))
        out.update(cpu_s=cpu, papers_per_cpu_s=n / cpu, load=os.getloadavg()[0])
        size = sum(f.stat().st_size for f in where.rglob("*") if f.is_file())
        out.update(size_mib=size / 2**20, bytes_per_paper=size / n)
        index.close()
        return out
    spec = orjson.loads(query_file.read_bytes())
    t = time.perf_counter()
    index = searchlib.open_index(where, executor=executor)
    out["open_s"] = time.perf_counter() - t
    for kind, texts, options in (
        ("claims", spec["claims"], {"match": "any", "plain": True}),
        ("typed", spec["typed"], {}),
    ):
        index.search(texts[0], **options)  # warm-up
        times = []
        for text in texts:
            t = time.perf_counter()
            try:
                [h.id for h in index.search(text, limit=10, **options)]
            except searchlib.SearchlibError:
                pass
            times.append((time.perf_counter() - t) * 1000)
        out[kind] = {"p50": percentile(times, 50), "p95": percentile(times, 95), "n": len(times)}
    index.close()
    return out


def _run(config: str, corpus_file: Path, where: Path, query_file: Path | None) -> dict | None:
    cmd = [sys.executable, __file__, "--worker", config, str(corpus_file), str(where), str(query_file or "-")]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"{config} failed:\n{done.stderr[-3000:]}", file=sys.stderr)
        return None
    return orjson.loads(done.stdout.strip().splitlines()[-1])


def report(n: int, runs: list[dict]) -> str:
    by: dict[str, list[dict]] = {}
    for run in runs:
        by.setdefault(run["config"], []).append(run)

    def med(config: str, *keys: str) -> float:
        values = []
        for run in by.get(config, []):
            value = run
            for key in keys:
                value = value.get(key, {}) if isinstance(value, dict) else {}
            if isinstance(value, (int, float)):
                values.append(value)
        return median(values)

    base = "one" if "one" in by else "one2"  # one index, built in one process if that was run
    base_rate = med(base, "papers_per_s")
    base_claims = med(base, "claims", "p50")
    base_typed = med(base, "typed", "p50")
    lines = [
        f"{n:,} generated papers; {machine()}",
        f"rounds: {max(len(v) for v in by.values())}; medians over the rounds; ratios to `{base}`",
        "",
        "| config | papers/s | x one | papers/CPU-s | peak MiB/process | bytes/paper | claims p50 / p95 ms "
        "| x one | typed p50 / p95 ms | x one |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for config in CONFIGS:
        if config not in by:
            continue
        rate = med(config, "papers_per_s")
        claims, typed = med(config, "claims", "p50"), med(config, "typed", "p50")
        lines.append(
            f"| {config} | {rate:,.0f} | {rate / base_rate:.2f} | {med(config, 'papers_per_cpu_s'):,.0f} | "
            f"{med(config, 'peak_mib'):,.0f} | "
            f"{med(config, 'bytes_per_paper'):,.0f} | {claims:.1f} / {med(config, 'claims', 'p95'):.1f} | "
            f"{claims / base_claims:.2f} | {typed:.1f} / {med(config, 'typed', 'p95'):.1f} | "
            f"{typed / base_typed:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=200_000)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--claims", type=int, default=100)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/searchlib-scale"))
    parser.add_argument("--query-only", action="store_true", help="time the queries of indexes built before")
    parser.add_argument("--worker", nargs=4, metavar=("CONFIG", "CORPUS", "WHERE", "QUERIES"))
    args = parser.parse_args()
    if args.worker:
        config, corpus_file, where, query_file = args.worker
        queries_file = None if query_file == "-" else Path(query_file)
        print(orjson.dumps(worker(config, Path(corpus_file), Path(where), queries_file)).decode())
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    corpus_file = corpus(args.n, args.workdir)
    query_file = queries(corpus_file, args.workdir, args.claims)
    configs = [c for c in args.configs.split(",") if c]
    runs: list[dict] = []
    log = args.workdir / f"runs-{args.n}.jsonl"
    for r in range(args.rounds):
        for config in configs[r % len(configs) :] + configs[: r % len(configs)]:  # a different first each round
            where = args.workdir / f"index-{args.n}-{config}"
            run = {} if args.query_only else _run(config, corpus_file, where, None)
            searched = _run(config, corpus_file, where, query_file) if run is not None else None
            if run is None or searched is None:
                continue
            run.update(searched)
            runs.append(run)
            with open(log, "ab") as f:
                f.write(orjson.dumps(run) + b"\n")
            print(f"round {r + 1} {config}: " + orjson.dumps(run).decode(), flush=True)
    print(report(args.n, runs))


if __name__ == "__main__":
    main()
