"""The ``cbc explain`` command: a finding or a patient topic in plain language."""

import sys
from enum import StrEnum
from typing import Annotated

import typer

from cbc_cli.cli.options import print_view
from cbc_cli.errors import UsageError


class ExplainFormat(StrEnum):
    """What ``cbc explain --format`` writes."""

    table = "table"
    json = "json"


def explain(
    finding: Annotated[
        str | None,
        typer.Argument(
            help="A finding code (anemia) or a topic (infection-precautions).",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        ExplainFormat,
        typer.Option(
            "--format",
            "-f",
            help="json: every finding's and topic's texts (or the one named), once, for "
            "scripts that read --brief records.",
        ),
    ] = ExplainFormat.table,
    child: Annotated[
        bool,
        typer.Option(
            "--child",
            help="Word the page for a child's parent, as a child's result is worded (the "
            "'More:' line of a child's result names it).",
        ),
    ] = False,
) -> None:
    """Explain a finding or a patient topic in plain language (no argument: list them)."""
    from cbc_cli.explanations import EXPLANATIONS, TOPICS, child_explanation, child_topic
    from cbc_cli.render import explanation_list, explanation_view, topic_view

    name = None if finding is None else finding.strip().lower()
    if child and output_format is ExplainFormat.json:
        raise UsageError(
            "--child words a page for reading; --format json gives the texts as a program "
            "reads them",
            code="option.conflict",
            hint="drop --child, or drop --format json",
        )
    if output_format is ExplainFormat.json and (name is None or name in (*EXPLANATIONS, *TOPICS)):
        import json

        from cbc_cli.brief import explanations_data

        document = explanations_data(name)
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    if name is None:
        print_view(explanation_list())
        return
    if name in EXPLANATIONS:
        page = child_explanation(name) if child else EXPLANATIONS[name]
        print_view(explanation_view(page, child=child))
    elif name in TOPICS:
        print_view(topic_view(child_topic(name) if child else TOPICS[name], child=child))
    else:
        import difflib

        near = difflib.get_close_matches(name, [*EXPLANATIONS, *TOPICS], n=1, cutoff=0.7)
        raise UsageError(
            f"unknown finding or topic {finding!r}"
            + (f": did you mean {near[0]!r}?" if near else ""),
            code="topic.unknown",
            hint="findings: " + ", ".join(EXPLANATIONS) + "; topics: " + ", ".join(TOPICS),
        )
