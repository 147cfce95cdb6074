"""HTML and PDF reports: what the page shows and in which order, escaping of every input value,
a self-contained page, the PDF extra, and the page as a real browser and a PDF renderer show it.

The browser tests open the page in headless Chromium with every host name unresolvable, take a
screenshot and read the page's DOM; the PDF tests turn each page into an image with pdftoppm.
They skip only when those programs are missing (``.ci/run`` installs them).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import run_cli

from cbc_cli import interpret
from cbc_cli.api import resolve_scheme, scheme_info
from cbc_cli.explanations import DISCLAIMER, SAFETY_LINE_LOW_WHITE
from cbc_cli.report import svg
from cbc_cli.report.html import check_page

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOPPM = shutil.which("pdftoppm")
PAYLOAD = '<script>alert(1)</script>"onerror=alert(2) x="'
TREND_ARGS = ("trend", "examples/trend_chemo_cycle.csv", "--since", "2026-03-02")


class _Page(HTMLParser):
    """The elements, attributes and text of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag in {"style", "title"}:
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"style", "title"}:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.text.append(data)


def _elements(markup: str) -> list[tuple[str, dict[str, str]]]:
    """Each element's tag and attributes, in order."""
    parsed = _Page()
    found: list[tuple[str, dict[str, str]]] = []
    parsed.handle_startendtag = lambda tag, attrs: found.append(  # type: ignore[method-assign]
        (tag, {k: v or "" for k, v in attrs})
    )
    parsed.feed(markup)
    return found


def _parse(page: str) -> _Page:
    parsed = _Page()
    parsed.feed(page)
    return parsed


def _words(page: str) -> str:
    """The page's text with runs of white space made one space."""
    return " ".join(" ".join(_parse(page).text).split())


def _cbc(*argv: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "cbc_cli", *argv],
        capture_output=True,
        input=stdin,
        check=False,
        cwd=ROOT,
    )


def _sample_page() -> tuple[str, list[str]]:
    result = interpret(
        {"hgb": "9.1", "anc": "0.8", "plt": "62", "wbc": "1.9", "mcv": "104"},
        sex="female",
        age=54,
    )
    page = check_page([result], scheme_info(resolve_scheme("ctcae5")))
    return page, [f.title for f in result.findings]


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # The examples are named relative to the repository, as README's commands name them.
    monkeypatch.chdir(ROOT)


# --- what the page shows ------------------------------------------------------------------------


def test_check_page_shows_the_message_first_then_counts_findings_sources_disclaimer() -> None:
    page, titles = _sample_page()
    text = _words(page)
    order = [
        "Contact your care team soon",
        "All three kinds of blood cells are low",
        SAFETY_LINE_LOW_WHITE,  # the sample's neutrophils are low
        "The counts",
        "What the results can mean",
        *titles,
        "Where the ranges and grades come from",
        "NCI CTCAE v5.0",
        DISCLAIMER,
    ]
    at = 0
    for words in order:  # each after the one before it
        found = text.find(" ".join(words.split()), at)
        assert found != -1, f"{words!r} is not after the text before it"
        at = found
    # Each finding with its labelled parts; the flags in words, beside their shape.
    for label in ("What it measures", "What it can mean", "What to do", "Precautions"):
        assert label in text
    assert "critically low" in text  # WBC 1.9 is below the adult critical limit 2.0
    assert text.count("low") >= 4


def test_the_message_is_large_and_a_heading() -> None:
    page, _ = _sample_page()
    assert re.search(r'<h2 class="urgency-title">.*Contact your care team soon</h2>', page)
    css = (ROOT / "cbc_cli" / "report" / "templates" / "report.css").read_text()
    assert re.search(r"\.urgency \.urgency-title \{[^}]*font-size: 1\.5rem", css)


def test_each_count_has_a_range_bar_whose_marker_sits_where_the_value_is() -> None:
    bar = svg.range_bar(
        ident="t",
        name="hemoglobin",
        value=9.1,
        value_text="9.1",
        unit="g/dL",
        flag="L",
        flag_words="low",
        low=12.0,
        high=16.0,
        critical_low=6.6,
        critical_high=19.9,
    )
    shapes = _elements(bar)
    band_left = next(float(a["x"]) for t, a in shapes if a.get("class") == "band")
    crit = [float(a["x1"]) for t, a in shapes if a.get("class") == "critical"]
    tip = next(a["points"] for t, a in shapes if t == "polygon")
    marker_x = float(tip.split()[2].split(",")[0])
    # Critical low 6.6 < value 9.1 < range low 12.0, in that order from left to right; the
    # critical high 19.9 is drawn too (not so far that the range would shrink to a sliver).
    assert len(crit) == 2
    assert min(crit) < marker_x < band_left < max(crit)
    assert (
        "hemoglobin: 9.1 g/dL, low; reference range 12 to 16; critical below 6.6; "
        "critical above 19.9</desc>"
    ) in bar
    assert "<title" in bar
    assert "<desc" in bar


def test_marker_shapes_say_the_flag_without_colour() -> None:
    drawn = {}
    for flag in ("N", "L", "H", "LL", "HH", "no-range"):
        s = svg.Svg(10, 10, title="", desc="", label="x")
        s.marker(5, 5, flag)
        drawn[flag] = "".join(s.parts)
    assert drawn["N"].startswith("<circle")
    assert drawn["no-range"].startswith("<rect")
    assert drawn["L"].startswith("<polygon")
    assert drawn["H"].startswith("<polygon")
    assert drawn["L"] != drawn["H"]  # the triangle points down for low, up for high
    assert "<line" in drawn["LL"]
    assert "<line" not in drawn["L"]
    assert len(set(drawn.values())) == 6


def test_log_scale_keeps_the_low_levels_apart() -> None:
    scale = svg.Scale(0.05, 10, 200, 0, log=True)
    y = {v: scale.at(v) for v in (0.1, 0.5, 1.0, 5.0)}
    assert y[0.1] > y[0.5] > y[1.0] > y[5.0]  # pixels grow downwards
    # Equal ratios are equal distances: 0.1 to 0.5 spans as much as 1.0 to 5.0.
    assert y[0.1] - y[0.5] == pytest.approx(y[1.0] - y[5.0])
    assert scale.at(0.001) == 200  # below the scale: on its floor, not off the chart


def test_day_ticks_are_round_steps() -> None:
    assert svg.day_ticks(0, 31) == [0, 7, 14, 21, 28]
    assert svg.day_ticks(-3, 5) == [-3, -2, -1, 0, 1, 2, 3, 4, 5]


def test_trend_page_has_a_chart_per_count_with_levels_milestones_and_days(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, page, err = run_cli(
        capsys, *TREND_ARGS, "--transfusion", "2026-03-14", "--format", "html"
    )
    assert code == 0, err
    charts = re.findall(r"<svg [^>]*class=\"chart\".*?</svg>", page, re.S)
    assert len(charts) == 3
    anc, plt, hgb = charts
    assert "ANC over time" in anc
    assert "Platelets over time" in plt
    assert "Hemoglobin over time" in hgb
    # Key levels (ANC 0.5 and platelets 20), the reference band, day numbers from --since.
    assert ">ANC 0.5</text>" in anc
    assert ">Platelets 20</text>" in plt
    assert ">reference range</text>" in anc
    assert ">28</text>" in anc
    assert "day after day 0 (2026-03-02)" in anc
    assert ">0.5 reached</text>" in anc  # the neutrophil recovery milestone, labelled
    assert ">T</text>" in plt
    assert "platelet transfusions on 2026-03-14" in plt
    assert ">T</text>" not in anc
    assert "lowest 0.08 (day 13)" in anc
    text = _words(page)
    assert "Lowest values and recovery" in text
    assert "below 0.5: 8 days" in text  # README: ANC below 0.5 for 8 days in this series
    assert "Changes worth a call to the care team" in text
    assert "ANC went from 1.10 to 0.40" in text
    assert text.index("Nothing out of range") < text.index("Each count over time")
    assert DISCLAIMER in text


# --- escaping and a self-contained page ---------------------------------------------------------


def _hostile_csv(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.csv"
    quoted = PAYLOAD.replace('"', '""')
    path.write_text(
        f'sample_id,patient_id,collected_at,sex,age,"Hb ({quoted})",plt,anc,wbc,free_text\n'
        f'"{quoted}","{quoted}",2026-03-02,F,54,9.1,"{quoted}",0.8,"2.0 {quoted}","{quoted}"\n'
        f'"S2{quoted}","{quoted}",2026-03-04,F,54,"9.0",61,"0.7",2.1,x\n',
        encoding="utf-8",
    )
    return path


def _assert_inert(page: str) -> None:
    parsed = _parse(page)
    assert "script" not in parsed.tags
    assert not [name for name, _ in parsed.attrs if name.startswith("on")]
    assert "<script" not in page.lower()
    assert '"onerror=' not in page
    # The text was kept, escaped: the reader sees what was in the file.
    assert "<script>alert(1)</script>" in " ".join(parsed.text)


@pytest.mark.parametrize("fmt", ["html"])
def test_every_value_from_the_input_is_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    code, page, _ = run_cli(capsys, "check", str(_hostile_csv(tmp_path)), "--format", fmt)
    assert code == 3  # cells that could not be read are said, and the rest is reported
    _assert_inert(page)
    text = _words(page)
    assert 'sample <script>alert(1)</script>"onerror=alert(2) x="' in text
    assert 'patient <script>alert(1)</script>"onerror=alert(2) x="' in text
    assert "unknown unit" in text  # the unit from the column header, escaped in the error


def test_every_field_of_a_lab_message_is_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # An HL7 result with the payload in the patient id (PID-3), the sample id (OBR-3), a unit
    # (OBX-6), a range (OBX-7) and the lab's flag (OBX-8, which reaches the page as a note).
    message = (EXAMPLES / "oru_r01.hl7").read_text(encoding="utf-8")
    for old, new in (
        ("MRN0042", f"MRN{PAYLOAD}"),
        ("FIL5523", f"FIL{PAYLOAD}"),
        ("|8.7|g/dL|", f"|8.7|{PAYLOAD}|"),
        ("|0.9|10*3/uL|1.8-7.7|", f"|0.9|10*3/uL|{PAYLOAD}|"),
        ("|18|10*3/uL|150 to 400|L|", f"|18|10*3/uL|150 to 400|{PAYLOAD}|"),
    ):
        assert old in message
        message = message.replace(old, new)
    path = tmp_path / "hostile.hl7"
    path.write_text(message, encoding="utf-8")
    code, page, _ = run_cli(capsys, "check", str(path), "--format", "html")
    assert code == 3  # the unit and the range cannot be read: said, the rest reported
    _assert_inert(page)
    text = _words(page)
    assert f"sample FIL{PAYLOAD}" in text
    assert f"patient MRN{PAYLOAD}" in text
    assert "the lab flagged platelets <SCRIPT>" in text
    assert f"unknown unit '{PAYLOAD[:40]}'" in text  # (a unit is quoted in 40 characters)
    assert f"range '{PAYLOAD}'" in text


def test_trend_escapes_patient_and_sample_ids(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "t.csv"
    quoted = PAYLOAD.replace('"', '""')
    lines = ["patient_id,sample_id,collected_at,anc,plt,hgb"]
    for day, anc in ((2, "2.0"), (6, "0.4"), (9, "1.2")):
        lines.append(f'"{quoted}","{quoted}{day}",2026-03-0{day},{anc},100,11')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, page, err = run_cli(capsys, "trend", str(path), "--format", "html")
    assert code == 0, err
    _assert_inert(page)
    assert 'patient <script>alert(1)</script>"onerror=alert(2) x="' in _words(page)


def test_svg_escapes_its_text() -> None:
    s = svg.Svg(10, 10, title=PAYLOAD, desc=PAYLOAD, label='a"b')
    s.text(1, 1, PAYLOAD, "tick")
    drawn = s.render()
    assert "<script" not in drawn
    assert '"onerror' not in drawn
    assert drawn.count("&lt;script&gt;") == 3


def _external_urls(page: str) -> list[str]:
    parsed = _parse(page)
    fetched = [
        value or ""
        for name, value in parsed.attrs
        if name in {"src", "href", "srcset", "poster", "data", "action", "xlink:href"}
    ]
    bad = [v for v in fetched if not v.startswith("#")]
    css = "\n".join(re.findall(r"<style>(.*?)</style>", page, re.S))
    bad.extend(re.findall(r"url\(|@import|@font-face", css))
    return bad


def test_pages_are_self_contained(capsys: pytest.CaptureFixture[str]) -> None:
    code, check, _ = run_cli(capsys, "check", str(EXAMPLES / "lab_export.csv"), "--format", "html")
    assert code == 0
    code, trend, _ = run_cli(capsys, *TREND_ARGS, "--format", "html")
    assert code == 0
    for page in (check, trend):
        assert _external_urls(page) == []
        tags = set(_parse(page).tags)
        assert not tags & {"script", "img", "link", "iframe", "object", "embed", "video", "audio"}
        assert "default-src 'none'" in page  # the browser itself refuses any fetch


# --- a file of samples ------------------------------------------------------------------------


def test_a_file_gives_a_summary_table_then_a_section_per_sample(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, page, _ = run_cli(capsys, "check", str(EXAMPLES / "lab_export.csv"), "--format", "html")
    assert code == 0
    ids = re.findall(r"^LAB-\d+", (EXAMPLES / "lab_export.csv").read_text(), re.M)
    text = _words(page)
    # The most urgent message comes first, naming its sample (LAB-0004 is urgent "now": README).
    assert text.index("Most urgent: Contact your care team now Sample LAB-0004.") < text.index(
        "Summary"
    )
    summary = text.index("Summary")
    for sample in ids:
        assert text.index(f"Complete blood count: sample {sample}") > summary
        assert f'href="#sample-{ids.index(sample) + 1}"' in page
    assert len(re.findall(r'<article class="sample"', page)) == len(ids)


def test_a_report_holds_a_bounded_number_of_samples(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cbc_cli.report.MAX_SAMPLES", 2)
    code, out, err = run_cli(capsys, "check", str(EXAMPLES / "lab_export.csv"), "--format", "html")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "at most 2 samples" in err
    assert "--format csv" in err


# --- PDF ----------------------------------------------------------------------------------------


def test_pdf_without_the_extra_says_how_to_install_it(tmp_path: Path) -> None:
    probe = (
        "import sys; sys.modules['weasyprint'] = None\n"
        "from cbc_cli.cli import main\n"
        "main(['check', '--hgb', '9.1', '--format', 'pdf'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "pip install 'cbc-cli[report]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_pdf_is_not_written_to_a_terminal() -> None:
    pytest.importorskip("weasyprint", reason="the [report] extra is not installed")
    import io

    from cbc_cli.errors import UsageError
    from cbc_cli.report import write_document

    class Tty(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    from cbc_cli.cli.app import option_name

    with pytest.raises(UsageError, match="cannot be shown on a terminal") as refused:
        write_document(Tty(io.BytesIO()), b"%PDF-1.7")
    assert refused.value.render(option_name)[1] == "write it to a file: -o report.pdf"


# --- the start-up of cbc check is unchanged ------------------------------------------------------


def test_terminal_and_json_paths_do_not_load_the_report() -> None:
    probe = (
        "import sys\n"
        "from cbc_cli.cli import main\n"
        "for fmt in ('table', 'json'):\n"
        "    try:\n"
        "        main(['check', '--hgb', '9.1', '--plt', '62', '--format', fmt])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "sys.stderr.write(' '.join(sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(done.stderr.split())
    assert not {m for m in loaded if m.split(".")[0] in {"jinja2", "markupsafe", "weasyprint"}}
    assert "cbc_cli.report" not in loaded


# --- in a real browser, and printed --------------------------------------------------------------

browser = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)"
)
pdf_tools = pytest.mark.skipif(
    PDFTOPPM is None or shutil.which("pdftotext") is None,
    reason="pdftoppm/pdftotext (poppler-utils) are not installed (.ci/run installs them)",
)


# Chromium's own background calls (its clock and component updates), not the page's.
_BROWSER_HOSTS = ("google.com", "googleapis.com", "gvt1.com", "gstatic.com")


class Tripwire:
    """A local HTTP proxy that every host name resolves to: it answers nothing and records each
    request, so a page that tries to fetch anything (http or https) is caught."""

    def __init__(self) -> None:
        import http.server
        import threading

        hits = self.hits = list[str]()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.headers.get("Host") or self.path)
                self.send_response(404)
                self.end_headers()

            do_POST = do_HEAD = do_CONNECT = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page_requests(self) -> list[str]:
        """Requests not made by the browser for itself."""
        hosts = [h.split(":")[0] for h in self.hits]
        return [h for h in hosts if not h.endswith(_BROWSER_HOSTS)]


@pytest.fixture
def tripwire() -> Iterator[Tripwire]:
    wire = Tripwire()
    yield wire
    wire.server.shutdown()
    wire.server.server_close()


def _chromium(page: Path, wire: Tripwire, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--disable-background-networking",
            "--disable-component-update",
            # The network is off: every host name leads to the tripwire, which answers nothing.
            f"--host-resolver-rules=MAP * 127.0.0.1:{wire.port}",
            f"--proxy-server=http://127.0.0.1:{wire.port}",
            f"--user-data-dir={page.parent / 'profile'}",
            "--virtual-time-budget=3000",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.browser
@browser
def test_the_tripwire_catches_a_page_that_fetches(tmp_path: Path, tripwire: Tripwire) -> None:
    page = tmp_path / "fetches.html"
    page.write_text(
        '<!DOCTYPE html><img src="http://images.example.org/x.png">'
        '<link rel="stylesheet" href="https://fonts.example.net/a.css">',
        encoding="utf-8",
    )
    _chromium(page, tripwire, "--dump-dom")
    assert "images.example.org" in tripwire.page_requests()
    assert "fonts.example.net" in tripwire.page_requests()


def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB(A) pixels of an 8-bit PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8
    assert colour in (2, 6)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = prev[i]
            corner = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 0xFF
        rows.append(
            bytes(line if bpp == 3 else b"".join(line[i : i + 3] for i in range(0, stride, 4)))
        )
        prev = line
    return width, height, rows


def _assert_not_blank(rows: list[bytes]) -> None:
    """Pixels vary: dark text on a light page, and many colours (text edges, charts, the box)."""
    sample = rows[:: max(1, len(rows) // 300)]
    colours = {row[i : i + 3] for row in sample for i in range(0, len(row), 3 * 7)}
    dark = sum(1 for row in sample for i in range(0, len(row), 3) if sum(row[i : i + 3]) < 384)
    assert len(colours) > 20
    assert dark > 100


def _ppm_rows(path: Path) -> list[bytes]:
    data = path.read_bytes()
    magic, width, height, maxval, body = data.split(maxsplit=4)
    assert magic == b"P6"
    assert maxval == b"255"
    w, h = int(width), int(height)
    return [body[y * w * 3 : (y + 1) * w * 3] for y in range(h)]


@pytest.mark.browser
@browser
@pytest.mark.parametrize(
    ("argv", "width"),
    [
        (("check", "examples/report_day12.csv"), 1000),
        (("check", str(EXAMPLES / "lab_export.csv")), 390),  # a phone's width
        (TREND_ARGS, 1000),
    ],
)
def test_the_page_renders_in_chromium_with_the_network_off(
    tmp_path: Path, tripwire: Tripwire, argv: tuple[str, ...], width: int
) -> None:
    done = _cbc(*argv, "--format", "html", "--fail-on", "never")
    assert done.returncode == 0, done.stderr
    page = tmp_path / "report.html"
    page.write_bytes(done.stdout)
    html_text = done.stdout.decode()
    assert _external_urls(html_text) == []  # nothing to fetch, so no request can leave the page
    dom = _chromium(page, tripwire, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    shown = " ".join(" ".join(_parse(dom.stdout).text).split())
    json_done = _cbc(*argv, "--format", "json")
    import json

    data = json.loads(json_done.stdout)
    if argv[0] == "check":
        for result in data["results"]:
            assert " ".join(result["message"].split()) in shown
            for finding in result["findings"]:
                assert finding["title"] in shown
    else:
        for person in data["persons"]:
            assert " ".join(person["message"].split()) in shown
            for change in person["changes"]:
                assert change["message"] in shown
    assert DISCLAIMER in shown
    shot = tmp_path / "shot.png"
    taken = _chromium(page, tripwire, f"--screenshot={shot}", f"--window-size={width},1400")
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.exists()
    w, h, rows = _png_pixels(shot.read_bytes())
    assert (w, h) == (width, 1400)
    _assert_not_blank(rows)
    assert tripwire.page_requests() == []  # no request left the page


@pytest.mark.browser
@pdf_tools
@pytest.mark.parametrize(
    "argv",
    [("check", "examples/report_day12.csv"), TREND_ARGS],
)
def test_the_pdf_pages_render(tmp_path: Path, argv: tuple[str, ...]) -> None:
    pytest.importorskip("weasyprint", reason="the [report] extra is not installed")
    out = tmp_path / "report.pdf"
    done = _cbc(*argv, "--format", "pdf", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    if argv[0] == "check":
        for phrase in (
            "Contact your care team soon",
            "Anemia (low hemoglobin or red cells)",
            "Neutropenia",
        ):
            assert phrase in flat
    else:
        assert "Changes worth a call to the care team" in flat
        assert "Lowest values and recovery" in flat
    assert " ".join(DISCLAIMER.split()[:8]) in flat
    assert PDFTOPPM is not None
    subprocess.run([PDFTOPPM, "-r", "72", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.ppm"))
    assert pages
    for image in pages:
        rows = _ppm_rows(image)
        assert len(rows) > len(rows[0]) // 3  # portrait, A4 or Letter
        _assert_not_blank(rows)


# --- the committed examples are what the tool makes ----------------------------------------------


@pytest.mark.parametrize(
    ("example", "argv"),
    [
        ("report.html", ("check", "examples/report_day12.csv")),
        ("trend.html", TREND_ARGS),
    ],
)
def test_committed_examples_are_current(
    capsys: pytest.CaptureFixture[str], example: str, argv: tuple[str, ...]
) -> None:
    _, page, _ = run_cli(capsys, *argv, "--format", "html")
    assert page == (EXAMPLES / example).read_text(encoding="utf-8"), (
        f"regenerate examples/{example}: cbc {' '.join(argv)} --format html"
    )


# --- contrast (WCAG 2.1 AA: text 4.5:1, graphics that carry meaning 3:1) -------------------------


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """The WCAG 2.1 contrast ratio of two #rrggbb colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def _css_rule(css: str, selector: str, prop: str) -> str:
    block = re.search(r"(?:^|\n)" + re.escape(selector) + r" \{([^}]*)\}", css)
    assert block, selector
    value = re.search(rf"(?:^|[ ;]){prop}: (#[0-9a-f]{{6}})", block[1])
    assert value, (selector, prop)
    return value[1]


def test_the_page_colours_meet_wcag_aa() -> None:
    css = (ROOT / "cbc_cli" / "report" / "templates" / "report.css").read_text(encoding="utf-8")
    body = _css_rule(css, "body", "color")
    for level in ("now", "soon", "routine", "none"):
        background = _css_rule(css, f".urgency-{level}", "background")
        title = _css_rule(css, f".urgency-{level} .urgency-title", "color")
        assert contrast(title, background) >= 4.5, level
        assert contrast(body, background) >= 4.5, level
        assert contrast(_css_rule(css, f".urgency-{level}", "border-color"), "#ffffff") >= 3
        pill = _css_rule(css, f".pill-{level}", "color")
        assert contrast(pill, _css_rule(css, f".pill-{level}", "background")) >= 4.5, level
    for selector in (".small", ".made", ".error", ".grade.loud", "a"):
        assert contrast(_css_rule(css, selector, "color"), "#ffffff") >= 4.5, selector


def test_the_chart_colours_meet_wcag_aa() -> None:
    styles = svg.STYLES
    for name, style in styles.items():
        if "font-size" in style:  # text: on white, and the band's label on the band
            ground = styles["band"]["fill"] if name == "band-label" else "#ffffff"
            assert contrast(style["fill"], ground) >= 4.5, name
        elif name.startswith("marker-") or name in {"critical", "level", "axis", "series"}:
            colour = (
                style.get("stroke") if name in {"critical", "level", "axis", "series"} else None
            )
            colour = colour or style["fill"]
            assert contrast(colour, "#ffffff") >= 3, name
            assert contrast(colour, styles["band"]["fill"]) >= 3, name  # inside the range band
