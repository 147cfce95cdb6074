"""Persons: each row's sex and age texts read once per distinct pair (as the row path reads
them, the run's context filling gaps) and placed, for each analyte, in the class of persons
whose values the engine judges by the same basis (engine.value_basis); persons alike in sex,
conditions and the side of each age-band bound they lie on share one entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cbc_cli.batch import (
    merge_patient,
)
from cbc_cli.engine import is_child, value_basis
from cbc_cli.grading import missing_context
from cbc_cli.readers.records import CellReader

if TYPE_CHECKING:
    import numpy as np


from cbc_cli.columnar.cells import Cells
from cbc_cli.columnar.tables import (
    DENSE_PERSON_PAIRS,
)


class Persons(Cells):
    """The persons of a columnar run (see cbc_cli.columnar)."""

    def _person_keys(self, ids: dict[int, np.ndarray], n: int) -> np.ndarray:
        """Each row's person id; -1 where the sex or age cannot be read."""
        import numpy as np

        ctx = self.fast.tab.columns.context

        def encoded(name: str) -> tuple[np.ndarray, list[str]]:
            if name not in ctx:
                return np.zeros(n, dtype=np.int64), [""]
            return ids[ctx[name]], self.vocabulary(ctx[name]).texts

        sex_i, sexes = encoded("sex")
        age_i, ages = encoded("age")
        n_sexes, n_ages = len(sexes), len(ages)
        if n_sexes * n_ages <= DENSE_PERSON_PAIRS:
            # The usual export: a few sex texts and ages. A table of every pair, filled as pairs
            # come, is looked up faster than hashed keys.
            table = self._person_table
            if table.shape[0] < n_sexes or table.shape[1] < n_ages:
                grown = np.full((max(n_sexes, 4), max(n_ages, 128)), -2, dtype=np.int64)
                grown[: table.shape[0], : table.shape[1]] = table
                self._person_table = table = grown
            person = table[sex_i, age_i]
            missing = np.flatnonzero(person == -2)
            if len(missing):
                for s_id, a_id in dict.fromkeys(
                    zip(sex_i[missing].tolist(), age_i[missing].tolist(), strict=True)
                ):
                    table[s_id, a_id] = self._person(sexes[s_id], ages[a_id])
                person[missing] = table[sex_i[missing], age_i[missing]]
            return np.asarray(person, dtype=np.int64)
        # Person ids by (sex text, age text) pair, one key each: memory grows with the pairs
        # seen, not with the product of the two vocabularies. Stored as id + 1 (0: unreadable).
        pairs = (sex_i.astype(np.uint64) << np.uint64(32)) | age_i.astype(np.uint64)

        def new_persons(keys: np.ndarray, _: np.ndarray) -> list[int]:
            return [self._person(sexes[k >> 32], ages[k & 0xFFFFFFFF]) + 1 for k in keys.tolist()]

        return np.asarray(self._pairs.ids(pairs, new_persons) - 1, dtype=np.int64)

    def _person(self, sex: str, age: str) -> int:
        """The id of the person these texts give (read as the scalar path reads them, the run's
        context filling gaps); -1 when either cannot be read. Each caller keeps the id of each
        pair of texts it has asked about (see _person_keys): this is asked once a pair."""
        cell = CellReader(None)
        own = cell.patient({"sex": sex, "age": age}.get)
        if cell.errors:
            return -1
        patient = merge_patient(own, self.context) if self.context is not None else own
        if missing_context(self.scheme, patient) is not None:
            # Not graded without it: the scalar path writes the error row (cbc_cli.batch).
            return -1
        if self.sink in ("brief", "ndjson") and is_child(patient):
            # A child's record speaks to the parent ("your child's care team":
            # engine.care_message; the findings' words too), which no outcome shared with
            # adults can: the row path.
            return -1
        # Ranges and criteria are chosen by the age only through which side of each band bound
        # it lies on (Patient.fits): persons alike in those sides, sex and conditions share one
        # entry, so eighty ages of adults (or 3,000 ages in days) cost one set of bases, not one
        # each.
        sides = self._bands.sides(patient.age)
        signature = (
            patient.sex,
            patient.pregnancy_trimester,
            patient.profiles,
            sides,
            # An age too coarse for some bound is judged against every range it could fall in,
            # which its span decides (ranges._span): such ages are not merged.
            patient.age if sides is not None and not self._bands.decided(sides) else None,
        )
        index = self._person_by_signature.get(signature)
        if index is None:
            index = self._person_by_signature[signature] = len(self._person_by_signature)
            for judged in self._judged.values():
                judged.add_person(value_basis(judged.analyte, patient, self.ranges, self.scheme))
        return index

    @property
    def persons_kept(self) -> int:
        """How many persons the run keeps: one for each sex, conditions and side of each age
        bound met (not one for each distinct age: see _person)."""
        return len(self._person_by_signature)

    def person_id(self, sex: str, age: str) -> int:
        """The person id of these sex and age texts (for judge_rows); -1 when either cannot be
        read or the scheme cannot grade without more (the scalar path writes that row)."""
        return self._person(sex, age)
