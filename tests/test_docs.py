"""README.md stays true: its console examples run, its commands exist, CI runs its test command."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _console_examples() -> list[tuple[str, list[str], int]]:
    """(command, expected output lines, expected exit code) for each `$ ` line of the README."""
    examples: list[tuple[str, list[str], int]] = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *expected = chunk.rstrip("\n").split("\n")
            code = 0
            if expected and (m := re.fullmatch(r"\[exit (\d+)\]", expected[-1])):
                code = int(m[1])
                expected = expected[:-1]
            examples.append((command, expected, code))
    return examples


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize(("command", "expected", "code"), _console_examples())
def test_readme_console_example(command: str, expected: list[str], code: int) -> None:
    argv = shlex.split(command)
    assert argv[0] == "cbc"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb"}
    done = subprocess.run(
        [sys.executable, "-m", "cbc_cli", *argv[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    output = _squash(done.stdout + done.stderr)
    assert done.returncode == code, done.stderr
    for line in expected:
        assert _squash(line) in output, f"{line!r} not in the output of {command!r}"


def test_readme_has_the_two_setup_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    assert "pip install . && cbc check examples/" in blocks[0]
    assert "pip install -e '.[dev]' && python -m pytest" in blocks[1]
    example = re.search(r"cbc check (examples/\S+)", blocks[0])
    assert example is not None
    assert (ROOT / example[1]).is_file()


def test_ci_runs_the_readme_test_command_and_the_linters() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -e '.[dev]'" in ci
    assert "python -m pytest" in ci
    for linter in ("ruff check", "ruff format --check", "mypy"):
        assert linter in ci


def test_every_command_is_documented() -> None:
    from cbc_cli.cli.app import build_app

    app = build_app()

    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    names |= {g.name or "" for g in app.registered_groups}
    for name in names:
        assert f"cbc {name}" in README, f"cbc {name} is not in README.md"
