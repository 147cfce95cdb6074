"""The shape of the code: a pure core that loads no UI library, and a light single-sample path."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

CORE = (
    "cbc_cli",
    "cbc_cli.models",
    "cbc_cli.errors",
    "cbc_cli.analytes",
    "cbc_cli.units",
    "cbc_cli.age",
    "cbc_cli.ranges",
    "cbc_cli.grading",
    "cbc_cli.engine",
    "cbc_cli.explanations",
    "cbc_cli.parse",
    "cbc_cli.batch",
    "cbc_cli.readers",
    "cbc_cli.readers.tabular",
    "cbc_cli.readers.json_reader",
    "cbc_cli.writers.csv_writer",
    "cbc_cli.writers.batch_writers",
    "cbc_cli.trend",
)

ROOT = Path(__file__).resolve().parent.parent / "cbc_cli"

# The modules of the engine package, lowest first: each may import only those before it (and never
# the package, whose __init__ imports them all and names the engine's public rules).
ENGINE_LAYERS = (
    "person",
    "newborn",
    "prompt",
    "values",
    "derive",
    "agree",
    "reasons",
    "decide",
    "care",
    "findings",
    "notes",
    "interpret",
)

# The modules of the trend package, lowest first: each may import only those before it, so the
# package has no import circle (and none through cbc_cli/trend/__init__.py, which imports them all).
TREND_LAYERS = ("rules", "model", "words", "series", "analysis", "build")


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_core_loads_no_rich_typer_or_click() -> None:
    loaded = _modules_after("\n".join(f"import {m}" for m in CORE))
    ui = sorted(m for m in loaded if m.split(".")[0] in {"rich", "typer", "click"})
    assert ui == []


def test_single_sample_path_builds_no_pydantic_models() -> None:
    # Building Pydantic models costs more than the rest of a `cbc check`: the valid-file and
    # single-sample paths use dataclasses, and Pydantic only when a file is invalid or for schemas.
    code = (
        "from cbc_cli import interpret\n"
        "interpret({'hgb': '9.1', 'anc': '0.8', 'plt': '62'}, sex='female', age=54)"
    )
    loaded = _modules_after(code)
    # Not even imported: no package of Pydantic's is loaded (checked by package name alone,
    # not by the names of Pydantic's private modules, which change between its releases).
    assert not {m.split(".")[0] for m in loaded} & {"pydantic", "pydantic_core"}
    # numpy (columnar batch), hl7 and fhir.resources (message formats) load only on their paths.
    heavy = {"numpy", "hl7", "fhir", "polars", "duckdb", "pyarrow"}
    assert not {m.split(".")[0] for m in loaded} & heavy
    assert not [m for m in loaded if m.startswith("cbc_cli.trend")]


def test_cbc_check_on_one_sample_does_not_import_trend() -> None:
    code = (
        "from cbc_cli.cli import main\n"
        "try:\n"
        "    main(['check', '--hgb', '9.1', '--anc', '0.8', '--plt', '62', '--sex', 'female',"
        " '--age', '54'])\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
    )
    loaded = _modules_after(code)
    assert "cbc_cli.engine" in loaded  # the check ran
    assert not [m for m in loaded if m.startswith(("cbc_cli.trend", "cbc_cli.render_trend"))]
    # Nor the readers (a file's path): the one sample given as options is no file.
    assert not [m for m in loaded if m.startswith(("cbc_cli.readers", "cbc_cli.batch"))]


def test_cli_module_imports_render_lazily() -> None:
    loaded = _modules_after("import cbc_cli.cli")
    assert "cbc_cli.render" not in loaded
    assert "rich.table" not in loaded
    assert "numpy" not in loaded
    assert not [m for m in loaded if m.startswith("cbc_cli.trend")]


def _layer_imports(path: Path, package: str, layers: tuple[str, ...]) -> set[str]:
    """The cbc_cli modules a module of ``package`` (``trend``, ``engine``) imports, at the top
    or inside a function; a name imported through the package's __init__ fails (__init__
    imports every module: a circle)."""
    found: set[str] = set()
    whole = f"cbc_cli.{package}"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("cbc_cli"))
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{package}.{path.stem}: relative import"
            module = node.module or ""
            if module == whole:
                # `from cbc_cli.trend import series` names a module; anything else comes through
                # __init__.
                for alias in node.names:
                    assert alias.name in layers, (
                        f"{package}.{path.stem}: imports {alias.name} via __init__"
                    )
                    found.add(f"{whole}.{alias.name}")
            elif module == "cbc_cli":
                assert package not in {a.name for a in node.names}, f"{package}.{path.stem}"
            elif module.startswith("cbc_cli"):
                found.add(module)
    return found


def _assert_layered(package: str, layers: tuple[str, ...]) -> None:
    """Each module of ``package`` imports only the layers listed before it, none of the edge
    modules (CLI, Rich views, writers), and stays small enough to read at a sitting."""
    folder = ROOT / package
    modules = {p.stem for p in folder.glob("*.py")} - {"__init__"}
    assert modules == set(layers), f"place a new {package} module in its layers"
    for rank, name in enumerate(layers):
        path = folder / f"{name}.py"
        imported = _layer_imports(path, package, layers)
        prefix = f"cbc_cli.{package}."
        siblings = {m.removeprefix(prefix) for m in imported if m.startswith(prefix)}
        above = siblings - set(layers[:rank])
        assert not above, f"{package}.{name} imports {sorted(above)}, which are not below it"
        edges = {
            m
            for m in imported
            if m.startswith(("cbc_cli.cli", "cbc_cli.render", "cbc_cli.writers"))
        }
        assert not edges, f"{package}.{name} imports {sorted(edges)}"
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 600, f"{package}.{name}"


def test_trend_modules_import_only_the_layers_below_them() -> None:
    _assert_layered("trend", TREND_LAYERS)


EXPLANATIONS_LAYERS = (
    "sources",
    "phrases",
    "pages",
    "people",
    "critical",
    "topics",
    "messages",
    "compose",
)
"""The modules of the wording package, lowest first (see cbc_cli.explanations)."""


def test_wording_modules_import_only_the_layers_below_them() -> None:
    _assert_layered("explanations", EXPLANATIONS_LAYERS)


def test_engine_modules_import_only_the_layers_below_them() -> None:
    _assert_layered("engine", ENGINE_LAYERS)
    # One job each: the engine's modules are held to 400 lines.
    for name in ENGINE_LAYERS:
        lines = (ROOT / "engine" / f"{name}.py").read_text(encoding="utf-8").splitlines()
        assert len(lines) <= 400, f"engine.{name}"


def test_core_reads_no_environment() -> None:
    edges = {"render.py", "render_trend.py"}
    for path in ROOT.rglob("*.py"):
        if path.name in edges or path.parent.name == "cli":
            continue
        text = path.read_text(encoding="utf-8")
        assert "os.environ" not in text, path
        assert "getenv" not in text, path
        assert "print(" not in text, path


# --- the import graph ----------------------------------------------------------------------------

PURE_CORE = (
    "cbc_cli.errors",
    "cbc_cli.models",
    "cbc_cli.analytes",
    "cbc_cli.ucum",
    "cbc_cli.units",
    "cbc_cli.age",
    "cbc_cli.parse",
    "cbc_cli.wording",
    "cbc_cli.limits",
    "cbc_cli.panel",
    "cbc_cli.ranges",
    "cbc_cli.grading",
    "cbc_cli.engine",
    "cbc_cli.explanations",
    "cbc_cli.trend",
    "cbc_cli.readers.records",
)
"""The pure core (README, Architecture): the rules, their data and the one result model (and
the record a reader makes, which trend works on)."""

# What the pure core never imports: the UI libraries, the process and its streams, the
# environment and the edge modules (they import the core, never the other way round).
UI_AND_IO = {"typer", "rich", "click", "sys", "os", "io", "subprocess", "shutil", "signal"}
UI_AND_IO |= {"socket", "logging", "tempfile", "urllib", "http"}
EDGES: tuple[str, ...] = (
    "cbc_cli.cli",
    "cbc_cli.render",
    "cbc_cli.writers",
    "cbc_cli.readers",
    "cbc_cli.report",
)
EDGES += ("cbc_cli.output", "cbc_cli.api", "cbc_cli.columnar", "cbc_cli.workers")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in ROOT.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module ``name`` imports, anywhere in it: at the top, inside a function or under
    TYPE_CHECKING (a circle there is one too, for the reader and for mypy)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                # `from package import module` imports the module; any other name comes from
                # the package itself.
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {
        name: {m for m in _imports(name, path, known) if m in known and m != name}
        for name, path in modules.items()
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle in the graph, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_graph_sees_function_level_and_package_imports() -> None:
    graph = _graph()
    # check imports its file side inside the command function; app imports each command inside
    # build_app.
    assert "cbc_cli.cli.check_file" in graph["cbc_cli.cli.check"]
    assert "cbc_cli.cli.trend" in graph["cbc_cli.cli.app"]
    assert "cbc_cli.cli.app" in graph["cbc_cli.cli"]


def test_no_import_circle_in_cbc_cli() -> None:
    # Edges back to a package's own __init__ count too: a module that imports its package to
    # read a setting there (columnar.reading once read columnar.CHUNK_BYTES so) is in a circle
    # with the __init__ that imports it. `from package import module` is an edge to the module.
    graph = _graph()
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


# --- private names stay in their module ----------------------------------------------------------

# A namedtuple's public API starts with an underscore so as not to clash with its fields.
_NAMEDTUPLE_API = {"_replace", "_fields", "_asdict", "_make", "_field_defaults"}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _private_names_used(source: str, module: str = "") -> list[str]:
    """Each private name (a leading underscore; no dunder) the code of ``module`` (a cbc_cli
    module's name, or "" for code outside the package) imports from another cbc_cli module, or
    reads off a module or name it imported from one, as "line: what"."""
    package = module.rpartition(".")[0] if module else ""
    found: list[tuple[int, int, str]] = []
    imported: set[str] = set()  # local names of what came from a cbc_cli module
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            # `import cbc_cli.units` binds cbc_cli; `import cbc_cli.units as units`, units.
            imported |= {
                a.asname or "cbc_cli" for a in node.names if a.name.split(".")[0] == "cbc_cli"
            }
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            if base.split(".")[0] != "cbc_cli" or base == module:
                continue
            for alias in node.names:
                if _is_private(alias.name):
                    found.append((node.lineno, node.col_offset, f"from {base} import {alias.name}"))
                else:
                    imported.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or node.attr in _NAMEDTUPLE_API:
            continue
        owner = node.value
        while isinstance(owner, ast.Attribute):
            owner = owner.value
        if _is_private(node.attr) and isinstance(owner, ast.Name) and owner.id in imported:
            found.append((node.lineno, node.col_offset, ast.unparse(node)))
    return [f"{line}: {what}" for line, _, what in sorted(found)]


def test_the_check_for_private_names_sees_them() -> None:
    code = (
        "from cbc_cli.columnar.tables import Outcomes, _Grid\n"
        "from . import _sibling\n"
        "from cbc_cli import __version__, workers\n"
        "from cbc_cli.grading import Scheme\n"
        "import cbc_cli.units\n"
        "import os\n"
        "workers._CHUNK, Scheme._bounds, cbc_cli.units._table, Outcomes().pool\n"
        "Scheme()._bounds, os._exit, self._own, Outcomes._replace\n"
    )
    assert _private_names_used(code, "cbc_cli.columnar.cells") == [
        "1: from cbc_cli.columnar.tables import _Grid",
        "2: from cbc_cli.columnar import _sibling",
        "7: workers._CHUNK",
        "7: Scheme._bounds",
        "7: cbc_cli.units._table",
    ]
    # A module's own names are its own (an import of itself is no import of another's).
    assert _private_names_used("from cbc_cli.grading import _OPS\n", "cbc_cli.grading") == []


def test_no_module_imports_a_private_name_of_another() -> None:
    # A name used by another module is part of its module's interface: it has no underscore.
    found = [
        f"{path.relative_to(ROOT.parent)}:{use}"
        for name, path in sorted(_modules().items())
        for use in _private_names_used(path.read_text(encoding="utf-8"), name)
    ]
    assert found == [], "make these names public (no underscore) or keep them in their module"


def test_no_test_imports_a_private_name_of_cbc_cli() -> None:
    # Tests use cbc_cli as its other modules do. (Those that read a third-party library's
    # private handles, Dask's and PySpark's, read no cbc_cli name.)
    top = ROOT.parent
    paths = sorted((top / "tests").rglob("*.py")) + sorted((top / "benchmarks").rglob("*.py"))
    found = [
        f"{path.relative_to(top)}:{use}"
        for path in paths
        for use in _private_names_used(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "test cbc_cli through its public names"


def test_pure_core_imports_no_ui_io_or_edge_module() -> None:
    modules = _modules()
    known = set(modules)
    core = [
        n for n in modules if n in PURE_CORE or n.startswith(("cbc_cli.trend.", "cbc_cli.engine."))
    ]
    assert len(core) > len(PURE_CORE)  # the trend and engine packages' modules are in
    for name in core:
        imported = _imports(name, modules[name], known)
        top = {m.split(".")[0] for m in imported}
        assert not top & UI_AND_IO, f"{name} imports {sorted(top & UI_AND_IO)}"
        edges = sorted(m for m in imported if m.startswith(EDGES) and m not in PURE_CORE)
        assert not edges, f"{name} imports {edges}"


# --- error codes ---------------------------------------------------------------------------------

_KIND_OF_CLASS = {
    "CbcError": "internal",
    "UsageError": "usage",
    "InputError": "input",
    "UnitError": "input",
    "PlausibilityError": "input",
    "RangeFileError": "settings",
}


def _codes_raised() -> list[tuple[str, str, str]]:
    """(where, class, code) of every error made with a literal ``code=`` in cbc_cli (and of
    every ErrorInfo, the error of a row: class ErrorInfo)."""
    found = []
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            name = node.func.id
            if name not in _KIND_OF_CLASS and name != "ErrorInfo":
                continue
            for keyword in node.keywords:
                value = keyword.value
                if keyword.arg == "code" and isinstance(value, ast.Constant):
                    found.append((f"{path.name}:{node.lineno}", name, str(value.value)))
    return found


def test_every_code_raised_is_listed_with_the_kind_of_its_class() -> None:
    from cbc_cli.errors import CODES

    raised = _codes_raised()
    assert len(raised) > 60  # the scan sees the library's errors
    for where, cls, code in raised:
        assert code in CODES, f"{where}: {code} is not in cbc_cli.errors.CODES"
        if cls != "ErrorInfo":  # a row's error: any kind (the run exits 3)
            assert CODES[code].kind == _KIND_OF_CLASS[cls], f"{where}: {code} raised as {cls}"


def test_every_class_default_code_is_of_its_kind() -> None:
    from cbc_cli import errors

    for name, kind in _KIND_OF_CLASS.items():
        cls = getattr(errors, name)
        assert errors.CODES[cls.default_code].kind == kind == cls.kind, name


def test_docs_list_every_code_with_its_kind_and_exit_code() -> None:
    import re

    from cbc_cli.cli.app import EXIT_CODES
    from cbc_cli.errors import CODES

    text = (ROOT.parent / "docs" / "errors.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_.]+)` \| (\w+) \| (\d+) \| (.+) \|$", text, re.MULTILINE)
    documented = {code: (kind, int(exit_code)) for code, kind, exit_code, _ in rows}
    assert documented == {code: (c.kind, EXIT_CODES[c.kind]) for code, c in CODES.items()}
    readme = (ROOT.parent / "README.md").read_text(encoding="utf-8")
    assert "(docs/errors.md)" in readme


# One of each: the text fold, the date parser and the sex vocabulary have one home, and a second
# definition anywhere else fails here (a copy drifts: two folds once meant two header matchings).
ONE_HOME = {
    "fold": "text.py",
    "_fold": None,  # no private copy anywhere
    "fold_name": None,  # header names too are folded by text.fold (headers.toml, --column)
    "fold_header": None,
    "parse_date": "parse.py",
    "parse_moment": "parse.py",
    "parse_collected": None,
    "parse_sex": "parse.py",
    "sex_codes": "parse.py",
    "build_patient": "parse.py",
    "birth_date": None,  # a birth date is carried, never worked back from an age
}
# ucum.fold folds unit text (micro signs, superscripts), not names: a different job.
OTHER_JOBS = {("ucum.py", "fold")}
_SEX_WORDS = {"f", "m", "female", "male", "w", "1", "2", "woman", "man"}


def _definitions() -> list[tuple[str, str, int]]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.append((str(path.relative_to(ROOT)), node.name, node.lineno))
    return found


def test_one_fold_one_date_parser_one_sex_vocabulary_one_patient_builder() -> None:
    for where, name, line in _definitions():
        if name not in ONE_HOME or (where, name) in OTHER_JOBS:
            continue
        home = ONE_HOME[name]
        assert where == home, f"{where}:{line} defines {name}; it lives in {home or 'nowhere'}"


def test_no_sex_vocabulary_outside_its_data_file() -> None:
    # A dict literal or set whose keys or items are sex codes ("f", "male", "2", ...) outside
    # parse.py is a second vocabulary; the codes are in cbc_cli/data/sex_codes.toml.
    for path in sorted(ROOT.rglob("*.py")):
        if path.name == "parse.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            keys: list[ast.expr | None] = []
            if isinstance(node, ast.Dict):
                keys = list(node.keys)
            elif isinstance(node, ast.Set):
                keys = list(node.elts)
            words = {
                k.value.lower()
                for k in keys
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            }
            assert len(words & _SEX_WORDS) < 3, f"{path.name}: a sex vocabulary: {sorted(words)}"


def test_removed_dead_code_stays_removed() -> None:
    from cbc_cli import arrow, columnar, parquet, units
    from cbc_cli.readers import source

    assert not hasattr(units, "convert")
    assert not hasattr(source, "FORMATS")
    # Parquet is read as CSV text: no record-by-record Arrow route, no second magic check.
    assert not hasattr(arrow, "interpret_records")
    assert not hasattr(parquet, "is_parquet")
    # One plan for both layouts (columnar.plan, long=True); no private name re-exported.
    assert not (ROOT / "long_plan.py").exists()
    assert not [name for name in columnar.__all__ if name.startswith("_")]


# What only an incremental JSON decoder needs: decoding a value at a position (raw_decode), or a
# decoder or scanner of one's own. Only readers/json_stream.py may use them.
_INCREMENTAL_JSON = {"raw_decode", "JSONDecoder", "scan_once", "make_scanner", "py_scanstring"}


def _incremental_json_uses(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in _INCREMENTAL_JSON:
            found.add(node.attr)
        elif isinstance(node, ast.Name) and node.id in _INCREMENTAL_JSON:
            found.add(node.id)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("json"):
            found |= {a.name for a in node.names} & _INCREMENTAL_JSON
            if node.module in {"json.decoder", "json.scanner"}:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names} & {"json.decoder", "json.scanner"}
    return found


def test_the_check_for_a_second_json_decoder_sees_one() -> None:
    code = (
        "import json\nfrom json import JSONDecoder\nimport json.scanner\n"
        "def items(text, pos):\n    return json.JSONDecoder().raw_decode(text, pos)\n"
    )
    assert _incremental_json_uses(ast.parse(code)) == {"JSONDecoder", "raw_decode", "json.scanner"}
    assert _incremental_json_uses(ast.parse("import json\njson.loads('[1]')\n")) == set()


def test_one_incremental_json_decoder() -> None:
    # JSON is decoded a value at a time in one place, readers/json_stream.py (limits checked,
    # positions and lines reported); a reader that wants the items of an array one at a time
    # uses its ArrayItems or stream_values, not a decoder of its own.
    for path in sorted(ROOT.rglob("*.py")):
        if path.relative_to(ROOT).as_posix() == "readers/json_stream.py":
            continue
        uses = _incremental_json_uses(ast.parse(path.read_text(encoding="utf-8")))
        assert not uses, (
            f"{path.relative_to(ROOT)} decodes JSON incrementally ({sorted(uses)}); "
            "use cbc_cli.readers.json_stream"
        )


def test_readers_decode_json_only_through_json_stream() -> None:
    # json.load/json.loads would skip the json_depth and json_digits limits on input.
    for path in sorted((ROOT / "readers").rglob("*.py")):
        if path.name == "json_stream.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                assert (node.value.id, node.attr) not in {("json", "load"), ("json", "loads")}, (
                    f"readers/{path.name}:{node.lineno} calls json.{node.attr}; "
                    "use json_stream.load (the limits are checked there)"
                )


# The modules of the FHIR reader, lowest first: each imports only those before it.
FHIR_LAYERS = ("fields", "items", "observations", "store", "reader", "bundle", "grouping")


def test_fhir_reader_modules_import_only_the_layers_below_them() -> None:
    package = ROOT / "readers" / "fhir"
    modules = {p.stem for p in package.glob("*.py")} - {"__init__"}
    assert modules == set(FHIR_LAYERS), "place a new FHIR module in FHIR_LAYERS"
    for rank, name in enumerate(FHIR_LAYERS):
        tree = ast.parse((package / f"{name}.py").read_text(encoding="utf-8"))
        imported = {
            (node.module or "").removeprefix("cbc_cli.readers.fhir.")
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("cbc_cli.readers.fhir")
        }
        assert "cbc_cli.readers.fhir" not in imported, f"fhir.{name} imports the package"
        above = imported - set(FHIR_LAYERS[:rank])
        assert not above, f"fhir.{name} imports {sorted(above)}, which are not below it"
        assert len((package / f"{name}.py").read_text(encoding="utf-8").splitlines()) <= 400


ARCHITECTURE = ROOT.parent / "docs" / "architecture.md"


def _module_names() -> set[str]:
    """Each module's name as the map writes it: a file's stem, a package's folder name."""
    names = set()
    for path in ROOT.rglob("*.py"):
        if path.parent == ROOT and path.stem in {"__init__", "__main__"}:
            continue
        names.add(path.parent.name if path.stem == "__init__" else path.stem)
    return names


def test_every_module_is_on_the_architecture_map() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    missing = sorted(name for name in _module_names() if f"`{name}`" not in text)
    assert missing == [], f"add these modules to docs/architecture.md: {missing}"


def test_the_architecture_map_names_no_module_that_is_gone() -> None:
    import re

    names = _module_names()
    rows = ARCHITECTURE.read_text(encoding="utf-8").splitlines()
    first_cells = [line.split("|")[1] for line in rows if line.startswith("| `")]
    named = {n.split("/")[-1] for cell in first_cells for n in re.findall(r"`([\w/]+)`", cell)}
    assert named, "the map's tables were not found"
    assert sorted(named - names) == []


def test_the_trend_core_words_name_no_command_line_option() -> None:
    # The trend core's sentences reach library callers too (arrow.interpret_trend), who have no
    # ``--age``: they name what to give, and the command line names its own options.
    for path in sorted((ROOT / "trend").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) in docstrings or "--date-format" in node.value:
                    continue  # a date's hint names the option both the library and CLI take
                assert not re.search(r"(^|[\s(])--[a-z]", node.value), (path.name, node.value)
