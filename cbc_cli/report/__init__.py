"""HTML and PDF reports for ``cbc check`` and ``cbc trend``: a page to open, print and keep.

An edge module, imported only for ``--format html`` and ``--format pdf`` (the terminal path of
``cbc check`` never loads it, nor Jinja2). The page is one self-contained file (inline stylesheet
and SVG charts, no script, nothing fetched); the PDF is the same page printed by WeasyPrint, an
optional extra (``pip install 'cbc-cli[report]'``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from cbc_cli.errors import UsageError

if TYPE_CHECKING:
    from cbc_cli.grading import Scheme
    from cbc_cli.models import Result, SchemeInfo
    from cbc_cli.readers.records import Record
    from cbc_cli.trend import TrendReport

MAX_SAMPLES = 200
"""The most samples one HTML or PDF report holds: a page is for people to read, not an export."""
INSTALL_HINT = "pip install 'cbc-cli[report]' (from a clone: pip install '.[report]')"


def check_document(
    results: Sequence[Result],
    scheme: SchemeInfo,
    fmt: str,
    records: Sequence[Record | None] = (),
) -> str | bytes:
    """The ``cbc check`` report as HTML text or PDF bytes."""
    _check_pdf_available(fmt)
    if len(results) > MAX_SAMPLES:
        raise too_many()
    from cbc_cli.report.html import check_page

    page = check_page(results, scheme, records)
    return page if fmt == "html" else to_pdf(page)


def trend_document(report: TrendReport, fmt: str) -> str | bytes:
    """The ``cbc trend`` report as HTML text or PDF bytes."""
    _check_pdf_available(fmt)
    draws = sum(len(p.draws) for p in report.persons)
    if draws > MAX_SAMPLES * 10 or len(report.persons) > MAX_SAMPLES:
        raise UsageError(
            f"an {fmt.upper()} report holds at most {MAX_SAMPLES} people and "
            f"{MAX_SAMPLES * 10} draws",
            code="report.too_large",
            hint="use {format} csv or json for a larger series, or pick people out first",
        )
    from cbc_cli.report.html import trend_page

    page = trend_page(report)
    return page if fmt == "html" else to_pdf(page)


def too_many() -> UsageError:
    """The error for an input with more samples than a report holds (exit 2)."""
    return UsageError(
        f"an HTML or PDF report holds at most {MAX_SAMPLES} samples",
        code="report.too_large",
        hint="use {format} csv or json for a larger file, or split it",
    )


def _check_pdf_available(fmt: str) -> None:
    if fmt != "pdf":
        return
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        raise UsageError(
            "PDF output needs WeasyPrint, which is not installed",
            code="extra.missing",
            hint=f"install it with: {INSTALL_HINT}",
        ) from None
    except OSError as exc:  # WeasyPrint installed, but its system library (Pango) is missing
        raise UsageError(
            "PDF output needs the Pango library, which WeasyPrint could not load",
            code="extra.missing",
            hint=f"install Pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0); "
            f"{exc.__class__.__name__}",
        ) from None


def to_pdf(page: str) -> bytes:
    """The page printed to PDF by WeasyPrint, with every fetch refused (the page needs none)."""
    _check_pdf_available("pdf")
    import weasyprint

    def refuse(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        raise ValueError("cbc reports fetch nothing")

    document = weasyprint.HTML(string=page, url_fetcher=refuse, base_url=".")
    pdf: bytes = document.write_pdf()
    return pdf


def write_document(out: TextIO, document: str | bytes) -> None:
    """Write an HTML page (text) or a PDF (bytes, to the stream's binary buffer)."""
    if isinstance(document, str):
        out.write(document)
        return
    if out.isatty():
        raise UsageError(
            "a PDF cannot be shown on a terminal",
            code="output.invalid",
            hint="write it to a file: {output} report.pdf",
        )
    out.flush()
    out.buffer.write(document)
    out.buffer.flush()


class ReportWriter:
    """Collects a file's results (at most :data:`MAX_SAMPLES`) and writes one report on close."""

    def __init__(self, out: TextIO, scheme: Scheme, fmt: str) -> None:
        from cbc_cli.api import scheme_info

        _check_pdf_available(fmt)
        self.out = out
        self.scheme = scheme_info(scheme)
        self.fmt = fmt
        self.results: list[Result] = []
        self.records: list[Record | None] = []

    def write(self, record: Record, result: Result) -> None:
        """Keep one sample for the report."""
        if len(self.results) >= MAX_SAMPLES:
            raise too_many()
        self.results.append(result)
        self.records.append(record)

    def close(self) -> None:
        """Render and write the report (nothing when no sample was read)."""
        if self.results:
            write_document(
                self.out, check_document(self.results, self.scheme, self.fmt, self.records)
            )
