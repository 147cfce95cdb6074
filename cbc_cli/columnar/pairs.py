"""Rows whose hemoglobin and hematocrit do not fit together (engine.hgb_hct_disagreement).

The engine's note on such a pair ("Check these values", ``Result.consistency``) reads both
values at once, so it is in no answer set: the sinks that write it (whole results and brief
records) leave those rows to the scalar path. The engine is asked once per distinct pair of
value texts; this module compares no value with any limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cbc_cli.engine import HGB_HCT, hgb_hct_disagreement
from cbc_cli.splitter import KeyIndex
from cbc_cli.units import Quantity

if TYPE_CHECKING:
    import numpy as np


class PairCheck:
    """Whether each row's (hemoglobin, hematocrit) pair is out of keeping, kept across chunks
    by pair of value text ids."""

    def __init__(self) -> None:
        self._seen = KeyIndex()
        self._apart: list[bool] = []
        """By pair id: whether the engine finds the pair out of keeping."""

    def apart(
        self,
        ids: Sequence[np.ndarray],
        values: Sequence[Sequence[Quantity | int]],
    ) -> np.ndarray:
        """For each row: whether its pair is out of keeping. ``ids`` holds each row's value
        text id of hemoglobin and of hematocrit (in HGB_HCT order), ``values`` what each text
        id reads as (a quantity, or an int for no value or one the scalar path reads)."""
        import numpy as np

        apart = self._apart

        def new(keys: np.ndarray, _: np.ndarray) -> range:
            start = len(apart)
            for key in keys.tolist():
                pair = (values[0][key >> 32], values[1][key & 0xFFFFFFFF])
                given = {
                    a: q for a, q in zip(HGB_HCT, pair, strict=True) if isinstance(q, Quantity)
                }
                apart.append(hgb_hct_disagreement(given) is not None)
            return range(start, len(apart))

        first, second = ids
        key = (first.astype(np.uint64) << np.uint64(32)) | second.astype(np.uint64)
        found = self._seen.ids(key, new)  # first: it adds the new pairs to ``apart``
        return np.asarray(apart, dtype=bool).take(found)
