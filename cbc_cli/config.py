"""Settings a lab repeats on every run, kept in a file: ``cbc.toml``, a shipped preset, or the
environment, layered under the command line.

Layers, highest first (README, "Config files and presets"):

1. command-line options (``--grading``, ``--column``, ...; keyword arguments in the library);
2. ``CBC_*`` environment variables (:data:`ENVIRONMENT`);
3. ``--config FILE`` or ``CBC_CONFIG`` (a file that must exist);
4. ``--preset NAME`` or ``CBC_PRESET`` (a file shipped in ``cbc_cli/presets``);
5. ``./cbc.toml`` in the working folder, only when neither ``--config`` nor ``CBC_CONFIG``
   names a file (the named file takes its place: it is not read at all);
6. the user's ``cbc.toml``: ``$XDG_CONFIG_HOME/cbc/cbc.toml``, else ``~/.config/cbc/cbc.toml``;
7. the built-in defaults.

A higher layer replaces a lower one's ``grading``, ``input_format`` and ``date_format``, and a
lower one's ``[columns]`` and ``[units]`` entry by entry; ``ranges`` files add up, each layer's
above the ones below it (as ``--ranges`` files layer over ``CBC_RANGES``). A settings file never
holds a person's sex, age or other details: those differ from one person to the next.

No Typer, no Rich, and no reading of the process environment: the caller passes the one to
read (the CLI passes its own; the library reads none, so a script's results do not depend on
where it runs).
"""

from __future__ import annotations

import difflib
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike, fspath, pathsep
from pathlib import Path
from typing import Any, Literal, NamedTuple

from cbc_cli.errors import CbcError, RangeFileError, UsageError
from cbc_cli.keywords import PERSON_KEYWORDS
from cbc_cli.shape import Spec, conforms, first_error

CONFIG_NAME = "cbc.toml"

DEFAULT_GRADING = "ctcae5"  # grading.DEFAULT_SCHEME (a test checks); not imported: start-up

ENVIRONMENT: Mapping[str, str] = {
    "CBC_CONFIG": "a settings file, as --config",
    "CBC_PRESET": "a shipped preset, as --preset",
    "CBC_SCHEME": "grading (the grading scheme), as --grading",
    "CBC_RANGES": f"ranges: range files separated by {pathsep!r}, as --ranges",
    "CBC_DATE_FORMAT": "date_format, as --date-format",
    "CBC_INPUT_FORMAT": "input_format, as --input-format",
}
"""The environment variables cbc reads, and what each sets."""
_ENV_KEYS = {
    "CBC_SCHEME": "grading",
    "CBC_RANGES": "ranges",
    "CBC_DATE_FORMAT": "date_format",
    "CBC_INPUT_FORMAT": "input_format",
}
_OPTIONS = {
    "grading": "--grading",
    "input_format": "--input-format",
    "date_format": "--date-format",
    "ranges": "--ranges",
    "columns": "--column",
    "units": "--unit",
}
_INPUT_FORMATS = ("auto", "csv", "tsv", "json", "ndjson", "hl7", "fhir", "xlsx", "ods")

# The schema of cbc.toml and of every preset. Checked in plain Python when the file fits it;
# Pydantic validates (and words the message) only when it does not (cbc_cli.shape).
_SPEC: Spec = {
    "description": (str | None, None),
    "input_format": (
        Literal["auto", "csv", "tsv", "json", "ndjson", "hl7", "fhir", "xlsx", "ods"] | None,
        None,
    ),
    "date_format": (str | None, None),
    "grading": (str | None, None),
    "ranges": (list[str], None),
    "columns": (dict[str, str | list[str]], None),
    "units": (dict[str, str], None),
}
# Keys that would set something about a person. Never a default: a missing age must stay
# missing (the ranges that fit it cannot be chosen), not become some lab's usual patient. The
# library's person keywords, and two other names a settings file might use for them.
_PERSON_KEYS = {**PERSON_KEYWORDS, "gender": "--sex", "birth_date": "--dob"}


class Setting(NamedTuple):
    """One effective value and where it came from (``default``, ``file ./cbc.toml``,
    ``preset sysmex-xn``, ``env CBC_SCHEME``, ``command line --grading``)."""

    value: Any
    origin: str


def _problem(message: str, *, hint: str | None = None) -> UsageError:
    """A settings file, preset or variable cbc cannot read or use (exit 2)."""
    return UsageError(message, code="config.invalid", hint=hint)


@dataclass
class Settings:
    """The settings in force after every layer, each with its origin."""

    grading: Setting = field(default_factory=lambda: Setting(DEFAULT_GRADING, "default"))
    input_format: Setting = field(default_factory=lambda: Setting("auto", "default"))
    date_format: Setting = field(default_factory=lambda: Setting(None, "default"))
    ranges: list[Setting] = field(default_factory=list)
    """Range files (absolute paths, or as given on the command line), lowest layer first."""
    columns: dict[str, Setting] = field(default_factory=dict)
    """Analyte id or context name -> the header (a tuple of headers: whichever the file has)."""
    units: dict[str, Setting] = field(default_factory=dict)
    """Analyte id -> unit of its values."""
    files: list[str] = field(default_factory=list)
    """The settings files read (paths), lowest layer first; presets are named by origins."""

    def column_options(self) -> list[str]:
        """The column map as ``--column HEADER=TARGET`` texts (what the readers take)."""
        return [f"{header}={target}" for target, s in self.columns.items() for header in s.value]

    def unit_options(self) -> list[str]:
        """The units as ``--unit ANALYTE=UNIT`` texts."""
        return [f"{analyte}={s.value}" for analyte, s in self.units.items()]

    def range_files(self) -> tuple[str, ...]:
        """The range files to layer over the shipped ones, lowest first."""
        return tuple(str(s.value) for s in self.ranges)

    def show(self) -> str:
        """The settings as TOML, each line's comment naming where it came from: save it as
        ``cbc.toml`` to keep them."""
        lines = [
            "# The settings in force, each with where it comes from (highest first: command",
            "# line, CBC_* environment, --config/CBC_CONFIG, --preset/CBC_PRESET, ./cbc.toml",
            "# (not read when --config or CBC_CONFIG names a file), the user's cbc.toml, default).",
        ]
        for key in ("grading", "input_format", "date_format"):
            s: Setting = getattr(self, key)
            if s.value is None:
                lines.append(f"# {key} is not set ({s.origin})")
            else:
                lines.append(f"{key} = {_quote(s.value)}  # {s.origin}")
        if self.ranges:
            lines.append("ranges = [")
            lines += [f"    {_quote(str(s.value))},  # {s.origin}" for s in self.ranges]
            lines.append("]")
        else:
            lines.append("# ranges: none beyond the shipped ones (default)")
        for table in ("columns", "units"):
            entries: dict[str, Setting] = getattr(self, table)
            lines += ["", f"[{table}]"]
            if not entries:
                lines.append(
                    f"# none ({'header aliases only' if table == 'columns' else 'as read'})"
                )
            for key, s in entries.items():
                value = s.value[0] if table == "columns" and len(s.value) == 1 else s.value
                lines.append(f"{key} = {_quote(value)}  # {s.origin}")
        if self.files:
            lines += ["", "# files read: " + ", ".join(self.files)]
        return "\n".join(lines) + "\n"


def _quote(value: object) -> str:
    """A TOML value: a basic string (JSON's escapes are TOML's), or an array of them."""
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_quote(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


class _Layer(NamedTuple):
    """One layer's settings, already checked; keys as in cbc.toml."""

    origin: str
    values: dict[str, Any]
    file: str | None = None
    """The file it was read from (None for a preset, the environment or options)."""


# --- reading and checking ------------------------------------------------------------------


def _near(word: str, choices: Sequence[str]) -> str:
    found = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {found[0]}?)" if found else ""


def _check(raw: Mapping[str, Any], name: str, base: Path) -> dict[str, Any]:
    """Check one settings table (a file's or a dict's) and return its values, with range paths
    made absolute (relative to ``base``), columns as tuples of headers and keys as ids.

    Raises:
        UsageError: the message names the file and the key (``cbc.toml: [columns] hgbx: unknown
            analyte (did you mean hgb?)``).
        RangeFileError: a range file named in it does not exist.
    """
    for key in raw:
        option = _PERSON_KEYS.get(str(key).lower())
        if option is not None:
            raise _problem(
                f"{name}: {key}: a settings file never sets a person's sex, age or other details "
                "(they differ from one person to the next)",
                hint=f"give {option} for one person, or name the file's column in [columns] "
                f'(e.g. {option.removeprefix("--").replace("-", "_")} = "COLUMN")',
            )
    unknown = [k for k in raw if k not in _SPEC]
    if unknown:
        raise _problem(
            f"{name}: {unknown[0]}: unknown key{_near(unknown[0], list(_SPEC))}",
            hint="known keys: " + ", ".join(_SPEC),
        )
    if not conforms(dict(raw), _SPEC):
        found = first_error(dict(raw), _SPEC, "Settings")
        loc, msg = found if found else ((), "does not fit the settings syntax")
        raise _problem(f"{name}: {_where(loc)}{msg.lower()}", hint="see cbc presets show NAME")
    values: dict[str, Any] = {}
    if raw.get("description") is not None:
        values["description"] = raw["description"]
    if raw.get("input_format") is not None:
        values["input_format"] = raw["input_format"]
    if raw.get("date_format") is not None:
        values["date_format"] = _date_format(raw["date_format"], f"{name}: date_format")
    if raw.get("grading") is not None:
        values["grading"] = _grading(raw["grading"], f"{name}: grading")
    if raw.get("ranges") is not None:
        values["ranges"] = [_range_path(p, base, name) for p in raw["ranges"]]
    if raw.get("columns") is not None:
        values["columns"] = _columns(raw["columns"], name)
    if raw.get("units") is not None:
        values["units"] = _units(raw["units"], name)
    return values


def _where(loc: tuple[str | int, ...]) -> str:
    if len(loc) >= 2 and loc[0] in ("columns", "units"):
        return f"[{loc[0]}] {loc[1]}: "
    return f"{'.'.join(str(p) for p in loc)}: " if loc else ""


def _grading(value: str, where: str) -> str:
    from cbc_cli.grading import SCHEME_ALIASES, SCHEME_CHOICES

    key = value.strip().lower()
    key = SCHEME_ALIASES.get(key, key)
    if key not in SCHEME_CHOICES and key not in SCHEME_ALIASES.values():
        raise UsageError(
            f"{where}: unknown grading scheme {value!r}{_near(key, SCHEME_CHOICES)}",
            code="scheme.unknown",
            hint="use " + ", ".join(SCHEME_CHOICES),
        )
    return value.strip().lower()


def _input_format(value: str, where: str) -> str:
    key = value.strip().lower()
    if key not in _INPUT_FORMATS:
        raise _problem(
            f"{where}: unknown input format {value!r}", hint="use " + ", ".join(_INPUT_FORMATS)
        )
    return key


def _date_format(value: str, where: str) -> str | None:
    """The date format as cbc.parse reads it (None for ``auto``)."""
    from cbc_cli.parse import check_date_format

    try:
        return check_date_format(value)
    except UsageError as exc:
        raise _problem(f"{where}: {value!r} is not a date format", hint=exc.hint) from None


def _range_path(text: str, base: Path, name: str) -> str:
    path = Path(text).expanduser()
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        raise RangeFileError(
            f"ranges: {text}: no such file ({path})",
            code="range_file.missing",
            path=name,
            hint="paths in a settings file are relative to the file's folder",
        )
    return str(path)


def _target(key: str) -> str | None:
    """The analyte id or context name a [columns] or [units] key names."""
    from cbc_cli.analytes import find_analyte
    from cbc_cli.readers.columns import CONTEXT_KEYS

    analyte = find_analyte(key)
    if analyte is not None:
        return analyte.id
    return key if key in CONTEXT_KEYS else None


def _columns(table: Mapping[str, str | list[str]], name: str) -> dict[str, tuple[str, ...]]:
    from cbc_cli.analytes import ANALYTE_IDS
    from cbc_cli.readers.columns import CONTEXT_KEYS

    out: dict[str, tuple[str, ...]] = {}
    for key, headers in table.items():
        target = _target(key)
        if target is None:
            raise _problem(
                f"{name}: [columns] {key}: unknown analyte or column"
                f"{_near(key, [*ANALYTE_IDS, *CONTEXT_KEYS])}",
                hint="keys are analyte ids ("
                + ", ".join(ANALYTE_IDS)
                + ") or context columns ("
                + ", ".join(CONTEXT_KEYS)
                + ")",
            )
        listed = (headers,) if isinstance(headers, str) else tuple(headers)
        if not listed or not all(h.strip() for h in listed):
            raise _problem(
                f"{name}: [columns] {key}: give the header as the file spells it",
                hint=f'e.g. {key} = "HGB(g/dL)", or a list of the spellings your files use',
            )
        if target in out:
            raise _problem(f"{name}: [columns] {key}: {target} is mapped twice")
        for header in listed:
            other = next((t for t, hs in out.items() if header.strip() in hs), None)
            if other is not None:
                raise _problem(
                    f"{name}: [columns] {key}: the header {header!r} is mapped to {other} too",
                    hint="a column holds one thing: map it once",
                )
        out[target] = tuple(h.strip() for h in listed)
    return out


def _units(table: Mapping[str, str], name: str) -> dict[str, str]:
    from cbc_cli.analytes import ANALYTE_IDS, ANALYTES
    from cbc_cli.units import unit_factor

    out: dict[str, str] = {}
    for key, unit in table.items():
        target = _target(key) or ""
        if target not in ANALYTES:
            raise _problem(
                f"{name}: [units] {key}: unknown analyte{_near(key, ANALYTE_IDS)}",
                hint="keys are analyte ids: " + ", ".join(ANALYTE_IDS),
            )
        try:
            unit_factor(ANALYTES[target], unit)
        except CbcError as exc:
            raise _problem(f"{name}: [units] {key}: {exc.message}", hint=exc.hint) from None
        out[target] = unit.strip()
    return out


def _read_toml(path: Path, name: str) -> dict[str, Any]:
    from cbc_cli.limits import read_settings_file

    try:
        return tomllib.loads(read_settings_file(path))
    except FileNotFoundError:
        raise _problem(f"{name}: no such file", hint="check the path") from None
    except IsADirectoryError:
        raise _problem(f"{name}: is a folder, not a file") from None
    except RangeFileError as exc:  # past the size limit
        raise _problem(exc.message, hint="a settings file holds a few lines of TOML") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _problem(f"{name}: cannot be read ({exc.__class__.__name__})") from None
    except tomllib.TOMLDecodeError as exc:
        raise _problem(
            f"{name}: not valid TOML ({exc})", hint="see cbc presets show NAME for an example"
        ) from None
    except (RecursionError, ValueError):
        raise _problem(f"{name}: not valid TOML (nested too deeply or a number too long)") from None


def load_file(
    path: str | PathLike[str], *, origin: str | None = None, name: str | None = None
) -> _Layer:
    """Read and check one settings file (``name``: what messages call it; its path by default).

    Raises:
        UsageError: missing, not TOML, or a key that is not understood (exit 2).
        RangeFileError: a range file it names does not exist (exit 4).
    """
    name = name or fspath(path)
    raw = _read_toml(Path(path), name)
    base = Path(path).resolve().parent
    return _Layer(origin or f"file {name}", _check(raw, name, base), fspath(path))


def _table(given: Mapping[str, Any], origin: str, base: Path) -> _Layer:
    return _Layer(origin, _check(dict(given), "config", base))


# --- presets -------------------------------------------------------------------------------


def _presets_dir() -> Any:
    from importlib import resources  # off the start-up path: it loads tempfile and random

    return resources.files("cbc_cli").joinpath("presets")


def preset_names() -> list[str]:
    """The shipped presets' names, sorted."""
    return sorted(
        p.name.removesuffix(".toml") for p in _presets_dir().iterdir() if p.name.endswith(".toml")
    )


def preset_text(name: str) -> str:
    """The TOML text of a shipped preset (to copy as ``cbc.toml`` and edit).

    Raises:
        UsageError: no preset of that name.
    """
    names = preset_names()
    key = name.strip().lower()
    if key not in names:
        raise UsageError(
            f"unknown preset {name!r}{_near(key, names)}",
            code="preset.unknown",
            hint="known: " + ", ".join(names),
        )
    text: str = _presets_dir().joinpath(f"{key}.toml").read_text(encoding="utf-8")
    return text


def preset_description(name: str) -> str:
    """The one-line description a preset carries."""
    return str(tomllib.loads(preset_text(name)).get("description", ""))


def load_preset(name: str) -> _Layer:
    """Read and check one shipped preset.

    Raises:
        UsageError: no preset of that name.
    """
    key = name.strip().lower()
    raw = tomllib.loads(preset_text(key))
    return _Layer(f"preset {key}", _check(raw, f"preset {key}", Path.cwd()))


# --- layering ------------------------------------------------------------------------------


def user_config_path(environ: Mapping[str, str]) -> Path | None:
    """``$XDG_CONFIG_HOME/cbc/cbc.toml``, else ``$HOME/.config/cbc/cbc.toml`` (the XDG Base
    Directory rule); None when neither variable is set."""
    xdg = environ.get("XDG_CONFIG_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "cbc" / CONFIG_NAME
    home = environ.get("HOME", "").strip()
    return Path(home) / ".config" / "cbc" / CONFIG_NAME if home else None


def _environment_layers(environ: Mapping[str, str]) -> list[_Layer]:
    layers = []
    for variable, key in _ENV_KEYS.items():
        text = environ.get(variable, "")
        if not text.strip():
            continue
        value: Any
        if key == "ranges":
            value = [p for p in text.split(pathsep) if p.strip()]
        elif key == "grading":
            value = _grading(text, variable)
        elif key == "input_format":
            value = _input_format(text, variable)
        else:
            value = _date_format(text, variable)
        layers.append(_Layer(f"env {variable}", {key: value}))
    return layers


def _option_layers(options: Mapping[str, Any]) -> list[_Layer]:
    """The command line's (or the library call's) options, as layers of their own."""
    layers = []
    for key, option in _OPTIONS.items():
        value = options.get(key)
        if value is None or (not isinstance(value, str) and not value):
            continue
        origin = f"command line {option}"
        if key == "grading":
            value = _grading(str(value), option)
        elif key == "input_format":
            value = _input_format(str(value), option)
        elif key == "date_format":
            value = _date_format(str(value), option)
        elif key == "ranges":
            value = [fspath(p) for p in ([value] if isinstance(value, str) else value)]
        elif key == "columns":
            # The readers load only for a file (a sample typed as options has no columns).
            from cbc_cli.readers.columns import parse_column_options

            texts = [value] if isinstance(value, str) else list(value)
            value = {}
            for text in texts:
                target = next(iter(parse_column_options([text]).values()))
                value.setdefault(target, ())
                value[target] += (text.rpartition("=")[0],)
        else:
            from cbc_cli.readers.columns import parse_unit_options

            texts = [value] if isinstance(value, str) else list(value)
            value = parse_unit_options(texts)
        layers.append(_Layer(origin, {key: value}))
    return layers


def resolve(
    *,
    options: Mapping[str, Any] | None = None,
    config: str | PathLike[str] | Mapping[str, Any] | None = None,
    preset: str | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: str | PathLike[str] | None = None,
) -> Settings:
    """The settings in force: ``options`` over ``environ``'s ``CBC_*`` variables over
    ``config`` (a path, or a dict with the keys of cbc.toml; else ``CBC_CONFIG``) over
    ``preset`` (else ``CBC_PRESET``) over ``cwd``'s ``cbc.toml`` over the user's ``cbc.toml``
    over the defaults. A settings file named by ``config`` or ``CBC_CONFIG`` takes the place of
    ``cwd``'s ``cbc.toml``, which is then not read.

    Args:
        options: ``grading``, ``input_format``, ``date_format``, ``ranges`` (paths),
            ``columns`` (``["HEADER=target", ...]``) and ``units`` (``["hgb=g/L", ...]``) as
            the command line gives them; None or empty means not given.
        config: a settings file that must exist, or a table of settings.
        preset: the name of a shipped preset (``cbc presets list``).
        environ: the environment to read ``CBC_*``, ``XDG_CONFIG_HOME`` and ``HOME`` from;
            None reads no environment and no user file.
        cwd: the folder whose ``cbc.toml`` is read (unless a file is named by ``config`` or
            ``CBC_CONFIG``); None reads none.

    Raises:
        UsageError: a settings file or value that is missing or not understood (exit 2).
        RangeFileError: a range file a settings file names does not exist (exit 4).
    """
    env = environ or {}
    layers: list[_Layer] = []  # lowest first
    user = user_config_path(env) if environ is not None else None
    if user is not None and user.is_file():
        layers.append(load_file(user, origin=f"user file {user}"))
    from_env = env.get("CBC_CONFIG", "").strip()
    named = (config is not None and not isinstance(config, Mapping)) or bool(from_env)
    # A settings file named by --config or CBC_CONFIG takes the working folder's place: that
    # cbc.toml is not read at all (a broken one must not stop a run that names another).
    if cwd is not None and not named:
        here = Path(cwd) / CONFIG_NAME
        if here.is_file():
            layers.append(load_file(here, origin=f"file ./{CONFIG_NAME}", name=CONFIG_NAME))
    preset_name = preset or env.get("CBC_PRESET", "").strip() or None
    if preset_name:
        layer = load_preset(preset_name)
        origin = layer.origin if preset else f"{layer.origin} (env CBC_PRESET)"
        layers.append(_Layer(origin, layer.values, layer.file))
    if isinstance(config, Mapping):
        layers.append(_table(config, "config given to the call", Path(cwd or ".").resolve()))
    elif config is not None:
        layers.append(load_file(config))
    elif from_env:
        layers.append(load_file(from_env, origin=f"file {from_env} (env CBC_CONFIG)"))
    layers += _environment_layers(env)
    layers += _option_layers(options or {})
    return _merge(layers)


def _merge(layers: Sequence[_Layer]) -> Settings:
    from cbc_cli.text import fold as _fold

    settings = Settings()
    for layer in layers:
        if layer.file is not None:
            settings.files.append(layer.file)
        for key in ("grading", "input_format", "date_format"):
            if key in layer.values:
                setattr(settings, key, Setting(layer.values[key], layer.origin))
        settings.ranges += [Setting(p, layer.origin) for p in layer.values.get("ranges", ())]
        for analyte, unit in layer.values.get("units", {}).items():
            settings.units[analyte] = Setting(unit, layer.origin)
        columns: dict[str, tuple[str, ...]] = layer.values.get("columns", {})
        if columns:
            # A header this layer maps is no longer mapped elsewhere by a lower one.
            claimed = {_fold(h) for headers in columns.values() for h in headers}
            for target in list(settings.columns):
                kept = tuple(h for h in settings.columns[target].value if _fold(h) not in claimed)
                if kept:
                    settings.columns[target] = Setting(kept, settings.columns[target].origin)
                else:
                    del settings.columns[target]
            for target, headers in columns.items():
                settings.columns[target] = Setting(headers, layer.origin)
    return settings
