"""Every test runs as in a pipeline with no terminal and no colour, and no lab ranges or settings
from the environment of whoever runs the tests; Ctrl-C raises KeyboardInterrupt, as in a
process started from a terminal."""

from __future__ import annotations

import io
import signal
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _ctrl_c_raises() -> Iterator[None]:
    # A shell starts a background job (`.ci/run &`) with SIGINT ignored, and Python then leaves
    # it ignored: the Ctrl-C tests would see no interrupt at all.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.fixture(autouse=True)
def _no_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    # stdin is an empty pipe unless a test gives it content.
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("CBC_RANGES", raising=False)
    # Nor settings: no CBC_* variable, and no user cbc.toml (README, Config files and presets).
    for name in ("CBC_CONFIG", "CBC_PRESET", "CBC_SCHEME", "CBC_DATE_FORMAT", "CBC_INPUT_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent/cbc-tests-config")
