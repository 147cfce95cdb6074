"""The shape of the code: a pure core that loads no UI library, and a light single-sample path."""

from __future__ import annotations

import subprocess
import sys

CORE = (
    "cbc_cli",
    "cbc_cli.models",
    "cbc_cli.errors",
    "cbc_cli.analytes",
    "cbc_cli.units",
    "cbc_cli.age",
    "cbc_cli.ranges",
    "cbc_cli.grading",
    "cbc_cli.engine",
    "cbc_cli.explanations",
    "cbc_cli.parse",
    "cbc_cli.batch",
    "cbc_cli.readers",
    "cbc_cli.readers.tabular",
    "cbc_cli.readers.json_reader",
    "cbc_cli.writers.csv_writer",
    "cbc_cli.writers.batch_writers",
)


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_core_loads_no_rich_typer_or_click() -> None:
    loaded = _modules_after("\n".join(f"import {m}" for m in CORE))
    ui = sorted(m for m in loaded if m.split(".")[0] in {"rich", "typer", "click"})
    assert ui == []


def test_single_sample_path_builds_no_pydantic_models() -> None:
    # Building Pydantic models costs more than the rest of a `cbc check`: the valid-file and
    # single-sample paths use dataclasses, and Pydantic only when a file is invalid or for schemas.
    code = (
        "from cbc_cli import interpret\n"
        "interpret({'hgb': '9.1', 'anc': '0.8', 'plt': '62'}, sex='female', age=54)"
    )
    loaded = _modules_after(code)
    assert "pydantic.main" not in loaded
    assert "pydantic._internal._model_construction" not in loaded
    # numpy (columnar batch), hl7 and fhir.resources (message formats) load only on their paths.
    heavy = {"numpy", "hl7", "fhir", "polars", "duckdb", "pyarrow"}
    assert not {m.split(".")[0] for m in loaded} & heavy


def test_cli_module_imports_render_lazily() -> None:
    loaded = _modules_after("import cbc_cli.cli")
    assert "cbc_cli.render" not in loaded
    assert "rich.table" not in loaded
    assert "numpy" not in loaded
    assert "cbc_cli.trend" not in loaded


def test_core_reads_no_environment() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "cbc_cli"
    edges = {"cli.py", "cli_trend.py", "batch_cli.py", "render.py", "render_trend.py"}
    for path in root.rglob("*.py"):
        if path.name in edges:
            continue
        text = path.read_text(encoding="utf-8")
        assert "os.environ" not in text, path
        assert "getenv" not in text, path
        assert "print(" not in text, path
