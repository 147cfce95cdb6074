"""Write a deterministic FHIR NDJSON bulk export or HL7 v2 batch of about a given size.

FHIR: resources in the order a Bulk Data export lists them (its Patient, Observation and
DiagnosticReport files one after the other): every Patient, then every Observation, then every
DiagnosticReport. A sample is 4 CBC Observations (WBC, hemoglobin, platelets, ANC) plus 4 other
tests (sodium, potassium, creatinine, glucose: most of a real export is other tests); two samples
in three have a report naming their CBC results, the others are loose Observations of one
subject and time. Observations are written in blocks of 64 samples, shuffled within the block,
so that a sample's results are not adjacent. One Patient per 3 samples.

HL7: one batch (FHS/BHS ... BTS/FTS) of ORU^R01 messages, one sample each (PID, OBR, 4 OBX).

Usage: python benchmarks/gen_streams.py fhir|hl7 MEGABYTES OUT
Prints the number of samples written.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TextIO

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CBC = [
    ("6690-2", "Leukocytes", 7.0, 2.5, "10*3/uL"),
    ("718-7", "Hemoglobin", 13.5, 1.8, "g/dL"),
    ("777-3", "Platelets", 250, 70, "10*3/uL"),
    ("751-8", "Neutrophils", 4.2, 1.6, "10*3/uL"),
]
OTHER = [
    ("2951-2", "Sodium", 140, 3, "mmol/L"),
    ("2823-3", "Potassium", 4.2, 0.4, "mmol/L"),
    ("2160-0", "Creatinine", 0.9, 0.2, "mg/dL"),
    ("2345-7", "Glucose", 95, 15, "mg/dL"),
]
BLOCK = 64


def _observation(
    rng: random.Random,
    ident: str,
    test: tuple[str, str, float, float, str],
    subject: str,
    when: str,
) -> dict[str, object]:
    code, name, mean, sd, unit = test
    return {
        "resourceType": "Observation",
        "id": ident,
        "meta": {"lastUpdated": when},
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": code, "display": name}], "text": name},
        "subject": {"reference": subject},
        "effectiveDateTime": when,
        "issued": when,
        "valueQuantity": {
            "value": round(max(rng.gauss(mean, sd), mean / 10), 1),
            "unit": unit,
            "system": UCUM,
            "code": unit,
        },
    }


def write_fhir(target: int, out: Path, seed: int = 20261203) -> int:
    """Write about ``target`` bytes of NDJSON to ``out``; the number of samples."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        parts = [Path(tmp) / name for name in ("patients", "observations", "reports")]
        patients, observations, reports = (p.open("w", encoding="utf-8") for p in parts)
        size = samples = 0
        block: list[str] = []
        while size < target:
            n = samples
            samples += 1
            person = n // 3
            subject = f"Patient/p{person}"
            if n % 3 == 0:
                line = json.dumps(
                    {
                        "resourceType": "Patient",
                        "id": f"p{person}",
                        "gender": rng.choice(["female", "male"]),
                        "birthDate": f"{rng.randint(1935, 2006)}-{rng.randint(1, 12):02d}-"
                        f"{rng.randint(1, 28):02d}",
                    }
                )
                patients.write(line + "\n")
                size += len(line) + 1
            when = f"2024-{1 + n % 12:02d}-{1 + n // 12 % 28:02d}T{n // 336 % 24:02d}:" + (
                f"{n // 8064 % 60:02d}:00Z"
            )
            ids = []
            for number, test in enumerate(CBC + OTHER):
                ident = f"o{n}-{number}"
                if number < len(CBC):
                    ids.append(ident)
                block.append(json.dumps(_observation(rng, ident, test, subject, when)))
            if n % 3:
                line = json.dumps(
                    {
                        "resourceType": "DiagnosticReport",
                        "id": f"r{n}",
                        "identifier": [{"system": "urn:lab:accession", "value": f"ACC{n:08d}"}],
                        "status": "final",
                        "code": {"coding": [{"system": LOINC, "code": "58410-2"}]},
                        "subject": {"reference": subject},
                        "effectiveDateTime": when,
                        "result": [{"reference": f"Observation/{i}"} for i in ids],
                    }
                )
                reports.write(line + "\n")
                size += len(line) + 1
            if len(block) >= BLOCK * 8:
                size += _flush(rng, block, observations)
        size += _flush(rng, block, observations)
        for f in (patients, observations, reports):
            f.close()
        with out.open("wb") as whole:
            for part in parts:
                with part.open("rb") as piece:
                    shutil.copyfileobj(piece, whole, 1 << 20)
    return samples


def _flush(rng: random.Random, block: list[str], out: TextIO) -> int:
    rng.shuffle(block)
    text = "".join(line + "\n" for line in block)
    out.write(text)
    block.clear()
    return len(text)


def write_hl7(target: int, out: Path, seed: int = 20261203) -> int:
    """Write about ``target`` bytes of one HL7 v2 batch to ``out``; the number of samples."""
    rng = random.Random(seed)
    samples = 0
    with out.open("w", encoding="utf-8", newline="") as f:
        f.write("FHS|^~\\&|LIS|CITYLAB|||20240313060000\rBHS|^~\\&|LIS|CITYLAB|||20240313060000\r")
        size = 0
        while size < target:
            n = samples
            samples += 1
            sex = rng.choice("FM")
            stamp = f"2024{1 + n % 12:02d}{1 + n // 12 % 28:02d}{n // 336 % 24:02d}{n % 60:02d}00"
            birth = f"{rng.randint(1935, 2006)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            segments = [
                f"MSH|^~\\&|LIS|CITYLAB|EHR|CLINIC|{stamp}||ORU^R01^ORU_R01|M{n:09d}|P|2.5.1",
                f"PID|1||MRN{n // 3:08d}^^^CITYHOSP^MR||Doe^Sam||{birth}|{sex}",
                f"OBR|1|PLC{n:08d}|FIL{n:08d}|58410-2^CBC panel^LN|||{stamp}",
            ]
            for number, (code, name, mean, sd, unit) in enumerate(CBC, start=1):
                value = round(max(rng.gauss(mean, sd), mean / 10), 1)
                segments.append(f"OBX|{number}|NM|{code}^{name}^LN||{value}|{unit}||||F")
            text = "\r".join(segments) + "\r"
            f.write(text)
            size += len(text)
        f.write(f"BTS|{samples}\rFTS|1\r")
    return samples


def main() -> int:
    kind, megabytes, out = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3])
    out.parent.mkdir(parents=True, exist_ok=True)
    write = write_fhir if kind == "fhir" else write_hl7
    print(write(int(megabytes * 1_000_000), out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
