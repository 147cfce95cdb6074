"""Deterministic samples for the Arrow, Parquet, Spark and Dask tests, and the CLI's answers.

Wide: a row per sample; long: a row per result. Five draws per person, dated, so that trend has
series to follow. Some cells are what real exports hold: an empty cell, a reported bound
(``<0.1``), an unreadable value, a missing age or sex, an SI unit in a column of its own (long).
Each row carries ``row``, its line number in the CSV file, as a line column for the engines
whose partitions do not know their lines.
"""

from __future__ import annotations

import csv
import io
import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

WIDE_HEADER = ["row", "patient_id", "sample_id", "collected_at", "sex", "age", "wbc", "hgb"]
WIDE_HEADER += ["plt", "anc"]
LONG_HEADER = ["row", "patient_id", "sample_id", "collected_at", "sex", "age", "analyte"]
LONG_HEADER += ["value", "unit"]


def _value(rng: random.Random, text: str) -> str:
    roll = rng.random()
    if roll < 0.01:
        return ""
    if roll < 0.015:
        return "<0.1"
    if roll < 0.02:
        return "see note"
    return text


def samples(n: int, seed: int = 15) -> list[dict[str, str]]:
    """``n`` samples, the same for the same seed."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        person, draw = divmod(i, 5)
        low = rng.random() < 0.3
        sex = rng.choice(["F", "M", "F", "M", ""])
        age = rng.choice([str(rng.randint(1, 90)), str(rng.randint(18, 90)), "", "6 mo"])
        sample = {
            "patient_id": f"P{person:06d}",
            "sample_id": f"S{i:07d}",
            "collected_at": (date(2026, 1, 1) + timedelta(days=4 * draw)).isoformat(),
            "sex": sex,
            "age": age,
            "wbc": _value(rng, f"{max(rng.gauss(2.0 if low else 7.0, 1.5), 0.1):.1f}"),
            "hgb": _value(rng, f"{max(rng.gauss(8.5 if low else 13.5, 1.5), 3.0):.1f}"),
            "plt": _value(rng, f"{max(rng.gauss(40 if low else 250, 40), 2):.0f}"),
            "anc": _value(rng, f"{max(rng.gauss(0.6 if low else 4.0, 0.8), 0.0):.2f}"),
        }
        if rng.random() < 0.005:  # a sample still pending: no value cbc can read
            sample.update(wbc="pending", hgb="pending", plt="", anc="")
        out.append(sample)
    return out


def wide_csv(path: Path, n: int) -> Path:
    """A wide CSV export of ``n`` samples."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(WIDE_HEADER)
        for line, s in enumerate(samples(n), start=2):
            writer.writerow([str(line), *(s[c] for c in WIDE_HEADER[1:])])
    return path


_LONG_UNITS = {"wbc": "10^9/L", "hgb": "g/L", "plt": "10^9/L", "anc": "10^9/L"}


def long_csv(path: Path, n: int) -> Path:
    """A long CSV export of the same ``n`` samples: a row per result, hemoglobin in g/L."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(LONG_HEADER)
        line = 2
        for s in samples(n):
            for analyte, unit in _LONG_UNITS.items():
                value = s[analyte]
                if analyte == "hgb" and value.replace(".", "").isdigit():
                    value = f"{float(value) * 10:.0f}"
                ids = [s[c] for c in ("patient_id", "sample_id", "collected_at", "sex", "age")]
                writer.writerow([str(line), *ids, analyte, value, unit])
                line += 1
    return path


def cli_csv(path: Path, *args: str) -> tuple[list[str], list[list[str]]]:
    """``cbc check PATH --format csv --no-formula-guard``: the header and the rows."""
    return _cbc(["check", str(path), "--format", "csv", "--no-formula-guard", *args])


def cli_trend(path: Path, *args: str) -> tuple[list[str], list[list[str]]]:
    """``cbc trend PATH --format csv --no-formula-guard``: the header and the rows."""
    return _cbc(["trend", str(path), "--format", "csv", "--no-formula-guard", *args])


def _cbc(argv: list[str]) -> tuple[list[str], list[list[str]]]:
    done = subprocess.run(
        [sys.executable, "-m", "cbc_cli", *argv],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode in (0, 3), done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    return rows[0], rows[1:]


def text(value: Any) -> str:
    """An Arrow/pandas cell as the CSV output writes it (null is an empty cell)."""
    if value is None:
        return ""
    try:
        if value != value:  # NaN, pandas NA
            return ""
    except TypeError:  # pandas NA compares to NA, not to a bool
        return ""
    return str(value)


def by_row(
    header: list[str], rows: list[list[str]], columns: list[str], key: str = "row"
) -> dict[str, list[str]]:
    """The given columns of the rows, keyed by the ``row`` (line) column."""
    k = header.index(key)
    where = [header.index(c) for c in columns]
    return {r[k]: [r[i] for i in where] for r in rows}


def readme_recipe(name: str) -> str:
    """The Python block of README.md that follows ``<!-- recipe: NAME -->``."""
    import re

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- recipe: {name} -->\n```python\n(.*?)```", readme, flags=re.S)
    assert found, f"README.md has no {name} recipe"
    return found[1]


def run_recipe(name: str, where: Path, monkeypatch: Any) -> dict[str, Any]:
    """Run a README recipe in ``where``, beside a copy of examples/; return its names."""
    import shutil

    root = Path(__file__).resolve().parent.parent
    shutil.copytree(root / "examples", where / "examples")
    monkeypatch.chdir(where)
    names: dict[str, Any] = {"__name__": f"recipe_{name}"}
    exec(compile(readme_recipe(name), f"README.md ({name} recipe)", "exec"), names)
    return names
