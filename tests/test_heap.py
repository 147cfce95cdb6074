"""The C heap's policy for batch runs (cbc_cli.heap): asked of glibc where there is one, a no-op
elsewhere. The columnar tests run with it asked (ColumnarCsv.run asks it first)."""

from __future__ import annotations

import platform
import sys

import pytest

from cbc_cli import heap


def test_glibc_keeps_freed_memory() -> None:
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc's mallopt is asked only on Linux with glibc")
    assert heap.keep_freed_memory() is True


def test_elsewhere_it_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert heap.keep_freed_memory() is False
