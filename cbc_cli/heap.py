"""The C heap's policy for a long batch run (glibc on Linux): freed memory kept for reuse.

A columnar run allocates and frees buffers of one to a few MiB for every chunk (the chunk, its
lines, numpy arrays, its output). glibc's default serves such sizes with fresh mappings or trims
the heap's top after each chunk, so the next chunk pays page faults again: about a sixth of a
1M-row run's CPU went to the kernel (benchmarks/batch.py; docs/scale.md). Keeping up to
TRIM_BYTES free at the heap's top and serving blocks under MMAP_BYTES from the heap lets each
chunk reuse the last one's pages; peak memory moves little, as the chunks are the same size.
"""

from __future__ import annotations

import sys

MMAP_BYTES = 16 << 20
"""Blocks this size and larger get their own mapping (the default adapts from 128 KiB)."""
TRIM_BYTES = 32 << 20
"""Free memory at the heap's top kept rather than given back to the system."""

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def keep_freed_memory() -> bool:
    """Ask glibc's allocator to keep freed memory for reuse (see the module's docstring);
    False where there is no glibc ``mallopt`` to ask (another C library or system). Forked
    workers inherit the setting."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_BYTES)
    )
