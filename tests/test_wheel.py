"""The shipped range files are found from an installed wheel, not only from the source tree."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_finds_its_ranges(tmp_path: Path) -> None:
    wheels = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
    )
    wheel = next(wheels.glob("cbc_cli-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--target",
            purelib,
            str(wheel),
        ],
        check=True,
    )
    # Typer, Rich and Pydantic come from this environment; cbc_cli only from the wheel (plain
    # paths in a .pth file are added after the venv's own site-packages, and the editable
    # install's own .pth hook is not run from there).
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib) / "zz_test_deps.pth").write_text("\n".join(deps) + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copy(ROOT / "examples" / "report_day12.csv", work)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "CBC_RANGES"}}
    env["NO_COLOR"] = "1"
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import cbc_cli, cbc_cli.ranges as r; "
            "print(cbc_cli.__file__); print(r.shipped_ranges_dir())",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert where[0].startswith(purelib)
    assert where[1].startswith(purelib)
    cbc = Path(purelib) / "bin" / "cbc"
    argv = [str(cbc)] if cbc.exists() else [str(python), "-m", "cbc_cli"]
    done = subprocess.run(
        [*argv, "check", "report_day12.csv", "--format", "json"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)["results"][0]
    assert result["analytes"][0]["reference_range"]["origin"] == "adult.toml, range #1"
    # The report's templates and stylesheet are package data: the HTML page works from the wheel.
    page = subprocess.run(
        [*argv, "check", "report_day12.csv", "--format", "html"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert page.returncode == 0, page.stderr
    assert page.stdout.startswith("<!DOCTYPE html>")
    assert "Contact your care team soon" in page.stdout
    assert ".urgency" in page.stdout  # the stylesheet, inline
    grading = subprocess.run(
        [
            *argv,
            "check",
            "--hgb",
            "9",
            "--sex",
            "male",
            "--age",
            "40",
            "--grading",
            "daids",
            "--format",
            "json",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(grading.stdout)["grading"]["id"] == "daids21"
    # The presets are package data too: `cbc presets list` names each from the wheel.
    presets = subprocess.run(
        [*argv, "presets", "list"], cwd=work, env=env, capture_output=True, text=True, check=True
    )
    assert [line.split()[0] for line in presets.stdout.splitlines()] == [
        "beckman-dxh",
        "epic-long",
        "loinc-long",
        "sysmex-xn",
    ]
