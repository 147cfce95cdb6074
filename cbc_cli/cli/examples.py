"""The "Examples:" at the end of each command's help: commands a person can copy, each line
within 76 columns (80 with the indent; Rich would cut a longer one)."""


def examples(*lines: str) -> tuple[str, ...]:
    """Example command lines of one command."""
    return lines


def epilog(lines: tuple[str, ...], plain: bool) -> str:
    """The "Examples:" epilog of a command's help, its lines kept as they are (in Click's plain
    layout, ``\\b`` stops it from re-wrapping them into one paragraph; Rich keeps lines)."""
    keep = "\b\n" if plain else ""
    return "Examples:\n\n" + keep + "\n".join(f"  {line}" for line in lines)


CHECK = examples(
    "cbc check --hgb 9.1 --anc 0.8 --plt 62 --sex female --age 54",
    "cbc check --hgb 91g/L --anc 800/uL --temp 38.4 --days-since-chemo 10",
    "cbc check            # on a terminal: asks for each value",
    "cbc check results.csv --format csv -o checked.csv --summary",
    "cbc check export.csv --fail-on critical --format ndjson --brief",
)
TREND = examples(
    "cbc trend examples/trend_chemo_cycle.csv --since 2026-03-02",
    "cbc trend results.csv --patient mrn --format json",
    "cbc trend examples/trend_transplant.csv --since 2026-05-01 --transplant pb",
    "cbc trend results.csv --format html -o trend.html",
)
EXPLAIN = examples(
    "cbc explain                # the findings and topics there are",
    "cbc explain neutropenia",
    "cbc explain infection-precautions",
    "cbc explain --format json  # every explanation, for a program",
)
SCHEMA = examples(
    "cbc schema              # JSON Schema of cbc check --format json",
    "cbc schema --brief      # that of --brief records",
    "cbc schema --trend      # that of cbc trend --format json",
    "cbc schema --ranges     # that of a lab's range file",
)
RANGES = examples(
    "cbc ranges list",
    "cbc ranges show hgb --sex female --age 54",
    "cbc ranges validate my_lab.csv",
    "cbc ranges show anc --ranges my_lab.csv",
)
COMPLETION = examples(
    "cbc completion bash > ~/.cbc-completion.bash   # then: . it from ~/.bashrc",
    "cbc completion zsh > ~/.zfunc/_cbc             # a folder on your fpath",
    "cbc completion fish > ~/.config/fish/completions/cbc.fish",
)
