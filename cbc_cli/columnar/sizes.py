"""The chunk sizes of a columnar run, read at each run (so that a test can set them here)."""

CHUNK_BYTES = 1 << 20
"""About 25,000 rows of a typical export: larger chunks measured no faster (benchmarks/batch.py)
and hold more memory."""
BRIEF_SHARE = 8
"""A brief NDJSON run reads chunks of CHUNK_BYTES / BRIEF_SHARE (measured: 1M rows at 2
processes, 295 MiB at the peak with whole chunks, 111 MiB with an eighth)."""
