"""Samples from Parquet through the single-process CLI, Spark local[2] and Dask with 2 workers.

Prints, for each engine, the wall time, the job's time once the engine is up (Spark's JVM,
Dask's cluster), rows per second per core of the job, and the peak resident memory of
its largest process of each kind (the CLI; Spark's JVM and its largest Python worker; Dask's
largest worker), sampled from /proc every 0.2 s over the engine's whole process tree.

Usage: pip install -e '.[scale]' && python benchmarks/scale.py [--samples 10000000] [--dir D]
Each engine runs in a fresh process; the Parquet input is written once (row groups of 100,000).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ENGINES = {"cli": 1, "spark": 2, "dask": 2}
"""Engine -> cores it is given."""


def write_input(path: Path, n: int, seed: int = 20261203) -> None:
    """``n`` wide samples like benchmarks/gen_export.py's (15% after chemotherapy, 3% empty)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    schema = pa.schema(
        [("sample_id", pa.string()), ("sex", pa.string()), ("age", pa.int64())]
        + [(c, pa.float64()) for c in ("wbc", "rbc", "hgb", "hct", "mcv", "plt", "anc")]
    )
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, n, 100_000):
            m = min(100_000, n - start)
            low = rng.random(m) < 0.15
            female = rng.random(m) < 0.5
            hgb = rng.normal(np.where(low, 9.0, np.where(female, 13.8, 15.2)), 1.2).clip(4.0)
            wbc = np.where(low, rng.normal(2.2, 0.9, m), rng.normal(7.0, 1.8, m)).clip(0.1)
            share = np.where(low, rng.uniform(0.2, 0.5, m), rng.uniform(0.45, 0.7, m))
            columns = {
                "wbc": wbc.round(1),
                "rbc": (hgb / rng.uniform(2.8, 3.2, m)).clip(1.0).round(2),
                "hgb": hgb.round(1),
                "hct": (hgb * rng.uniform(2.9, 3.1, m)).clip(12).round(0),
                "mcv": rng.normal(92, 7, m).round(0),
                "plt": np.where(low, rng.normal(60, 30, m), rng.normal(260, 60, m)).clip(3).round(),
                "anc": (wbc * share).round(2),
            }
            arrays = [
                pa.array([f"S{i:08d}" for i in range(start, start + m)]),
                pa.array(np.where(female, "F", "M")),
                pa.array(rng.integers(18, 91, m)),
            ]
            for name in ("wbc", "rbc", "hgb", "hct", "mcv", "plt", "anc"):
                values = columns[name]
                arrays.append(pa.array(values, mask=rng.random(m) < 0.03))
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))


def run_engine(engine: str, source: Path, target: Path) -> float:
    """One engine over the whole input, its answers written as Parquet; the seconds the job
    took once the engine was up (Spark's JVM or Dask's cluster started)."""
    if engine == "cli":
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "cbc_cli", "check", str(source), "-o", str(target)],
            check=False,
        )
        assert done.returncode in (0, 1, 3), done.returncode
        return time.perf_counter() - began
    if engine == "spark":
        return _spark(source, target)
    return _dask(source, target)


def _spark(source: Path, target: Path) -> float:
    from pyspark.sql import SparkSession

    from cbc_cli import spark as cbc_spark

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        # Splits of 16 MB: a Parquet file of a few row groups still feeds both cores.
        .config("spark.sql.files.maxPartitionBytes", str(16 << 20))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    began = time.perf_counter()
    answers = cbc_spark.interpret_dataframe(spark.read.parquet(str(source)))
    answers.write.mode("overwrite").parquet(str(target))
    took = time.perf_counter() - began
    spark.stop()
    return took


def _dask(source: Path, target: Path) -> float:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    from cbc_cli import dask as cbc_dask

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster),
    ):
        began = time.perf_counter()
        ddf = dd.read_parquet(str(source), split_row_groups=True)
        cbc_dask.interpret_dataframe(ddf).to_parquet(str(target), overwrite=True)
        return time.perf_counter() - began


def _tree(root: int) -> dict[int, tuple[str, int]]:
    """pid -> (command line, resident kB) for ``root`` and its descendants."""
    children: dict[int, list[int]] = {}
    info: dict[int, tuple[str, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
        rss = next((int(x.split()[1]) for x in status.splitlines() if x.startswith("VmRSS")), 0)
        info[int(entry.name)] = (cmd, rss)
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in info:
            found[pid] = info[pid]
        todo.extend(children.get(pid, []))
    return found


def _kind(cmd: str) -> str:
    if "java" in cmd.split(" ", maxsplit=1)[0]:
        return "spark JVM"
    if "pyspark" in cmd or "daemon" in cmd:
        return "spark python worker"
    if "dask" in cmd or "distributed" in cmd or "spawn" in cmd or "multiprocessing" in cmd:
        return "dask worker"
    return "cbc / driver"


def measure(engine: str, source: Path, target: Path) -> tuple[float, float, dict[str, int]]:
    """Wall time, job time (without the engine's start-up) and peak resident MB by kind of
    process, for one engine in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--run", engine, "--input", str(source), "--out", str(target)],
        stdout=subprocess.PIPE,
        text=True,
    )
    peaks: dict[int, tuple[str, int]] = {}
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            for pid, (cmd, rss) in _tree(proc.pid).items():
                if rss > peaks.get(pid, ("", 0))[1]:
                    peaks[pid] = (cmd, rss)
            stop.wait(0.2)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    out, _ = proc.communicate()
    code = proc.returncode
    wall = time.perf_counter() - start
    stop.set()
    watcher.join()
    assert code == 0, f"{engine} failed ({code})"
    by_kind: dict[str, int] = {}
    for pid, (cmd, rss) in peaks.items():
        kind = "monitor" if pid == proc.pid and engine != "cli" else _kind(cmd)
        by_kind[kind] = max(by_kind.get(kind, 0), rss // 1024)
    return wall, float(out.strip().splitlines()[-1]), by_kind


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/cbc-scale-bench"))
    parser.add_argument("--engines", default="cli,spark,dask")
    parser.add_argument("--run", choices=list(ENGINES), help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(run_engine(args.run, args.input, args.out))
        return 0
    args.dir.mkdir(parents=True, exist_ok=True)
    source = args.dir / f"samples-{args.samples}.parquet"
    if not source.exists():
        began = time.perf_counter()
        write_input(source, args.samples)
        print(f"wrote {args.samples:,} samples in {time.perf_counter() - began:.0f} s: {source}")
    print(f"{args.samples:,} samples from Parquet; {os.cpu_count()} cores on this machine")
    print(f"{'engine':<8}{'cores':>6}{'wall s':>8}{'job s':>8}{'rows/s/core':>13}  peak RSS MB")
    for engine in args.engines.split(","):
        cores = ENGINES[engine]
        wall, job, peaks = measure(engine, source, args.dir / f"answers-{engine}.parquet")
        rate = args.samples / job / cores
        shown = ", ".join(f"{k} {v}" for k, v in sorted(peaks.items()))
        print(f"{engine:<8}{cores:>6}{wall:>8.1f}{job:>8.1f}{rate:>13,.0f}  {shown}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
