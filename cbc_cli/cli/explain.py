"""The ``cbc explain`` command: a finding or a patient topic in plain language."""

from typing import Annotated

import typer

from cbc_cli.cli.options import print_view
from cbc_cli.errors import UsageError


def explain(
    finding: Annotated[
        str | None,
        typer.Argument(
            help="A finding code (anemia) or a topic (infection-precautions).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Explain a finding or a patient topic in plain language (no argument: list them)."""
    from cbc_cli.explanations import EXPLANATIONS, TOPICS
    from cbc_cli.render import explanation_list, explanation_view, topic_view

    if finding is None:
        print_view(explanation_list())
        return
    name = finding.strip().lower()
    if name in EXPLANATIONS:
        print_view(explanation_view(EXPLANATIONS[name]))
    elif name in TOPICS:
        print_view(topic_view(TOPICS[name]))
    else:
        import difflib

        near = difflib.get_close_matches(name, [*EXPLANATIONS, *TOPICS], n=1, cutoff=0.7)
        raise UsageError(
            f"unknown finding or topic {finding!r}"
            + (f": did you mean {near[0]!r}?" if near else ""),
            code="topic.unknown",
            hint="findings: " + ", ".join(EXPLANATIONS) + "; topics: " + ", ".join(TOPICS),
        )
