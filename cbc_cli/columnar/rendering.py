"""What each sink makes of one combination of answers, once per combination: the brief NDJSON
record with holes for a row's id, line and values, or the summary's (finding, grade) keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cbc_cli.analytes import ANALYTES
from cbc_cli.brief import brief_record, dumps
from cbc_cli.engine import (
    Decision,
    care_message,
)
from cbc_cli.models import Flag

if TYPE_CHECKING:
    pass


from cbc_cli.columnar.persons import Persons
from cbc_cli.columnar.tables import (
    Verdict,
)

_HOLE = "\x00"
"""A placeholder in a brief record's template: a row's sample id, line or value goes there."""


_HOLE_JSON = b'"\\u0000"'


BRIEF_BEFORE_ID = b'{"sample_id":'
"""The piece of a brief record before its sample id (brief_record)."""


BRIEF_BEFORE_LINE = b',"line":'
"""The piece of a brief record between its sample id and its line (brief_record)."""


class Rendering(Persons):
    """The sinks' side of a new combination of answers (see cbc_cli.columnar)."""

    def _sink_outcomes(self, verdicts: list[Verdict | None]) -> list[tuple[Any, ...]] | None:
        """For new combinations, what the brief or summary sink needs (see Outcomes.extra):
        nothing for one the scalar path takes."""
        if self.sink not in ("brief", "summary") and not self.count_summary:
            return None
        extra: list[tuple[Any, ...]] = []
        for verdict in verdicts:
            if verdict is None:
                extra.append(())
                continue
            flags, grades, decision = verdict
            if self.sink != "brief":  # the summary's keys (the summary sink, or count_summary)
                extra.append(
                    tuple(
                        (c, "-" if (g := decision.finding_grade(c, grades)) is None else str(g))
                        for c in decision.codes
                    )
                )
            else:
                ordered = {c: grades[c] for c, _, _ in self.graded if c in grades}
                extra.append(self._brief_pieces(decision, flags, ordered))
        return extra

    def _brief_pieces(
        self,
        decision: Decision,
        flags: Mapping[str, Flag | None],
        grades: dict[str, int | None],
    ) -> tuple[bytes, ...]:
        """An outcome's brief record with holes for the row's id, line and values, cut at
        them: one piece before each analyte's value (b"" for an analyte without one), then
        the tail after the last value."""
        # The context is the run's: after chemotherapy for every row, or for none.
        after_chemo = self.context is not None and self.context.days_since_chemo is not None
        message, safety = care_message(
            decision, flags.values(), fever=False, after_chemo=after_chemo
        )
        analytes: dict[str, Any] = {
            a: {"value": _HOLE, "unit": ANALYTES[a].unit, "flag": flags[a]}
            for a in self.read
            if a in flags
        }
        record = brief_record(
            sample_id=_HOLE,
            line=_HOLE,  # type: ignore[arg-type]
            status="ok",
            urgency=decision.urgency,
            message=message,
            safety=safety,
            findings=list(decision.codes),
            grades=grades,
            analytes=analytes,
        )
        cut = (dumps(record) + "\n").encode("utf-8").split(_HOLE_JSON)
        if cut[:2] != [BRIEF_BEFORE_ID, BRIEF_BEFORE_LINE] or len(cut) != 3 + len(analytes):
            raise RuntimeError("the brief record's fields are not in the order assembled here")
        slots = [b""] * (len(self.read) + 1)
        present = [j for j, a in enumerate(self.read) if a in flags]
        for slot, piece in zip([*present, len(self.read)], cut[2:], strict=True):
            slots[slot] = piece
        return tuple(slots)
