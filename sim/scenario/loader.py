"""Load scenario files safely: YAML data only, `extends:` layering, and one-line errors.

Errors name the file, the key path, the line, what was expected and what was found, e.g.::

    scenarios/bad.yaml:12: policies.joint_meetings.interval_days: expected an integer >= 1, found -3
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import reprlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..hints import did_you_mean
from ..resources import scenario_file, shipped_scenarios
from .reader import LIMITS, ScenarioError, read_mapping
from .schema import Scenario, Site, deep_merge
from .timeline import merge_layers, timeline_problems

#: problems reported for one file at most; the rest are counted
MAX_PROBLEMS = 20

KeyPath = tuple  # a key path into the document, e.g. ("policies", "joint_meetings", "interval_days")


class _Layer:
    """One file's document with its line index and duplicate keys (`problems`). `what` names the
    mapping the file must hold."""

    def __init__(self, path: Path, what: str = "scenario keys"):
        self.path = path
        read = read_mapping(path, what)
        self.text, self.data, self.lines, self.problems = read.text, read.data, read.lines, read.problems


def _read_layers(path: Path, chain: tuple[tuple[Path, Path], ...] = (), line: int = 1) -> list[_Layer]:
    """The file and everything it extends, base first. `chain` holds (real path, path as named) of
    the files that led here; `line` is where the last of them says `extends:`, where a parent that
    cannot be read is reported."""
    real = Path(os.path.realpath(path))  # unlike Path.resolve, realpath does not raise on a symlink loop
    child = chain[-1][1] if chain else None
    if any(real == r for r, _ in chain):
        cycle = " -> ".join(p.name for p in [r for r, _ in chain] + [real])
        raise ScenarioError(f"{child}:{line}: extends: cycle in extends: {cycle}")
    if len(chain) == LIMITS.extends:
        raise ScenarioError(f"{child}:{line}: extends: a chain of more than {LIMITS.extends} files (the limit)")
    try:
        layer = _Layer(path)
    except ScenarioError as e:
        about_the_file = e.problems[0].startswith(f"{path}: ")  # not about a line of its content
        if child and about_the_file:
            raise ScenarioError(f"{child}:{line}: extends: {e.problems[0]}") from None
        raise
    parent = layer.data.pop("extends", None)
    if parent is None:
        return [layer]
    line = layer.lines.get(("extends",), 1)
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}:{line}: extends: expected a file name, found {parent!r}")
    # a file relative to where this one really is, or a shipped scenario by name (extends: baseline)
    parent_path = scenario_file(parent, beside=real.parent) or Path(os.path.normpath(real.parent / parent))
    if not (parent_path.exists() or parent_path.is_symlink()):
        hint = did_you_mean(parent, shipped_scenarios())
        raise ScenarioError(f"{path}:{line}: extends: file not found: {parent} (no such file, nor a shipped scenario "
                            f"of that name: cogov list){hint}")
    return _read_layers(parent_path, chain + ((real, path),), line) + [layer]


def _origin(layers: list[_Layer], loc: KeyPath) -> tuple[Path, int | None]:
    """The file and line that set the value at `loc` (the last layer that mentions it, or a parent)."""
    for depth in range(len(loc), 0, -1):
        prefix = tuple(loc[:depth])
        for layer in reversed(layers):
            if prefix in layer.lines:
                return layer.path, layer.lines[prefix]
    return layers[-1].path, None


def _field_at(loc: KeyPath, root: type[BaseModel] = Scenario) -> tuple[Any, Any]:
    """(the schema model holding the key at `loc`, its FieldInfo), or (None, None). `root` is the
    schema of the whole document (a scenario unless said otherwise); keys of a mapping-valued
    field (``dict[str, X]``) are skipped."""
    model: Any = root
    field = None
    mapping = False
    for part in loc:
        if isinstance(part, int) or mapping:
            mapping = False
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None, None
        field = model.model_fields.get(part) or next((f for f in model.model_fields.values() if f.alias == part), None)
        if field is None:
            return None, None
        holder, model = model, _model_of(field.annotation)
        mapping = getattr(field.annotation, "__origin__", None) is dict
    return (holder, field) if field is not None else (None, None)


def _fields_at(loc: KeyPath, root: type[BaseModel] = Scenario) -> list[str]:
    """The known keys of the schema section at `loc`, for 'did you mean'."""
    model = _model_of(_field_at(loc, root)[1].annotation) if loc else root
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or name for name, f in model.model_fields.items()]
    return []


def _model_of(annotation: Any) -> Any:
    """The pydantic model inside an annotation like `X`, `X | None` or `list[X]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_of(arg)
        if found is not None:
            return found
    return None


_EXPECT = {
    "int_parsing": "an integer",
    "int_type": "an integer",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "finite_number": "a finite number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "a string",
    "dict_type": "a mapping",
    "list_type": "a list",
    "model_type": "a mapping",
    "missing": "a value (required key is missing)",
}


#: how a found value is shown: a long list or string is cut (`[1, 2, 3, 4, 5, 6, ...]`)
_SHOWN = reprlib.Repr()
_SHOWN.maxlevel, _SHOWN.maxlist, _SHOWN.maxdict, _SHOWN.maxstring, _SHOWN.maxother, _SHOWN.maxlong = 3, 6, 4, 60, 60, 40


def _found(value: Any, kind: str) -> str:
    """What was found, as the user wrote it, with a hint where a number was written as something else."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false is not a number)" if kind.startswith(("int", "float")) else str(value).lower()
    if isinstance(value, str) and kind in ("int_type", "float_type"):
        try:
            float(value)
        except ValueError:
            return _SHOWN.repr(value)
        if value.lstrip("+-").startswith("0") and value.lstrip("+-")[1:2].isdigit():  # 0300: not octal, not 300
            return f"{_SHOWN.repr(value)} (a number with a leading zero is read as text: write it without the zero)"
        return f"{_SHOWN.repr(value)} (a string: write the number without quotes)"
    if isinstance(value, float) and not math.isfinite(value) and kind == "int_type":
        return f"{value} (not a finite number)"
    if isinstance(value, float) and kind == "int_type":
        if value.is_integer():
            return f"{_SHOWN.repr(value)} (write a whole number without a decimal point or exponent)"
        return f"{_SHOWN.repr(value)} (a fraction is not rounded)"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return f"{value.isoformat()} (a date)"
    return _SHOWN.repr(value)


def _describe(err: dict, loc: KeyPath, root: type[BaseModel] = Scenario) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    found = err.get("input")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[kind]
        bound = next(iter(ctx.values()))
        field = _field_at(loc, root)[1]
        noun = "an integer" if field is not None and field.annotation is int else "a number"
        return f"expected {noun} {op} {bound}, found {_SHOWN.repr(found)}"
    if kind in ("literal_error", "enum"):
        return f"expected one of {ctx.get('expected')}, found {_SHOWN.repr(found)}"
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        what = "characters" if kind.startswith("string") else "items"
        bound = f"at least {ctx['min_length']:,}" if kind.endswith("short") else f"at most {ctx['max_length']:,}"
        return f"expected {bound} {what}, found {len(found):,}: {_SHOWN.repr(found)}"
    if kind == "value_error":
        return err["msg"].removeprefix("Value error, ")
    if kind == "union_tag_invalid":
        return f"expected kind one of {ctx.get('expected_tags')}, found {ctx.get('tag')!r}"
    if kind == "missing":
        return "required key is missing"
    expected = _EXPECT.get(kind)
    if expected:
        return f"expected {expected}, found {_found(found, kind)}"
    return f"{err['msg']}, found {_SHOWN.repr(found)}"


def _format(err: dict, layers: list[_Layer], prefix: KeyPath = (), root: type[BaseModel] = Scenario) -> str:
    """One line, `file:line: key: message`, for a pydantic error in a document of schema `root`."""
    loc = prefix + tuple(p for p in err["loc"] if not (isinstance(p, str) and p in ("property_exit", "fee_change")))
    if err["type"] == "union_tag_invalid":
        loc += ("kind",)
    path, line = _origin(layers, loc)
    where = f"{path}:{line}" if line else f"{path}"
    key = ".".join(str(p) for p in loc) or "(top level)"
    if err["type"] == "extra_forbidden":
        parent, bad = loc[:-1], str(loc[-1])
        known = _fields_at(parent[len(prefix):], root) if not prefix else _fields_at(("site",) + parent[len(prefix):], root)
        if not parent and root is Scenario:
            known.append("extends")  # read before the schema sees the document
        hint = did_you_mean(bad, known, otherwise=f"; known keys: {', '.join(known)}" if known else "")
        return f"{where}: {key}: unknown key '{bad}'{hint}"
    schema_loc = ("site",) + loc[len(prefix):] if prefix else loc
    return f"{where}: {key}: {_describe(err, schema_loc, root)}"


def load_scenario(path: str | Path, overrides: dict | None = None) -> Scenario:
    """Read a scenario file (and what it extends), fill every default and validate it.

    `overrides` is a nested mapping applied last, as if written in the file (used by `--days`).
    Raises ScenarioError with every problem found (up to MAX_PROBLEMS), one line each, naming the
    file, line, key, expectation and finding.
    """
    layers = _read_layers(Path(path))
    doc = merge_layers(layers)
    if overrides:
        doc = deep_merge(doc, overrides)
    duplicates = [p for layer in layers for p in layer.problems]
    try:
        scenario = _validate(doc, layers)
    except _Invalid as e:
        raise _problems(duplicates + e.problems, layers, e.uncounted) from None
    if duplicates:
        raise _problems(duplicates, layers)
    return scenario


class _Invalid(Exception):
    """The problems of a document, before they are sorted and cut to MAX_PROBLEMS (`_problems`)."""

    def __init__(self, problems: list[str], uncounted: int = 0):
        self.problems, self.uncounted = problems, uncounted


def _formatted(errors: list[dict], layers: list, prefix: KeyPath = (), root: type[BaseModel] = Scenario) -> ScenarioError:
    """The pydantic errors as one error of one-line problems."""
    invalid = _invalid(errors, layers, prefix, root)
    return _problems(invalid.problems, layers, invalid.uncounted)


def _invalid(errors: list[dict], layers: list, prefix: KeyPath = (), root: type[BaseModel] = Scenario) -> _Invalid:
    """Only the first few errors are formatted (a hint costs a fuzzy match); the rest are counted."""
    shown = errors[: 5 * MAX_PROBLEMS]
    return _Invalid([_format(err, layers, prefix, root) for err in shown], len(errors) - len(shown))


def _problems(problems: list[str], layers: list | None = None, uncounted: int = 0) -> ScenarioError:
    """One error holding at most MAX_PROBLEMS problems, in the order of the files (base first)
    and their lines, the rest counted in a last line."""
    problems = list(dict.fromkeys(problems))
    if layers:
        def position(problem: str) -> tuple[int, int]:
            for i, layer in enumerate(layers):
                head = f"{layer.path}:"
                if problem.startswith(head):
                    line = problem[len(head):].split(":", 1)[0]
                    return i, int(line) if line.isdigit() else 0
            return len(layers), 0

        problems.sort(key=position)
    if len(problems) > MAX_PROBLEMS or uncounted:
        more = max(0, len(problems) - MAX_PROBLEMS) + uncounted
        problems = problems[:MAX_PROBLEMS] + [f"... and {more} more problem{'s' if more > 1 else ''} (only the first "
                                              f"{MAX_PROBLEMS} are shown)"]
    return ScenarioError(*problems)


def validate_document(doc: dict, layers: list | None = None) -> Scenario:
    """Validate a merged document onto the defaults; raise ScenarioError with every problem."""
    layers = layers or [_Dummy()]
    try:
        return _validate(doc, layers)
    except _Invalid as e:
        raise _problems(e.problems, layers, e.uncounted) from None


def _validate(doc: dict, layers: list) -> Scenario:
    try:
        scenario = Scenario.model_validate(_onto_defaults(doc))
    except ValidationError as e:
        raise _invalid(e.errors(), layers) from None
    if scenario.city is not None:
        base = scenario.site.model_dump(by_alias=True)
        generated = isinstance(doc.get("city"), dict) and doc["city"].get("generate") is not None
        problems: list[str] = []
        for di, d in enumerate(scenario.city.districts):
            for si, s in enumerate(d.streets):
                for ci, c in enumerate(s.communities):
                    try:
                        Site.model_validate(deep_merge(base, c.site))
                    except ValidationError as e:
                        # a generated community's site comes from its type's mix: report the mix's key, once
                        prefix = (("city", "generate", "per_street", c.site["type"], "site") if generated
                                  else ("city", "districts", di, "streets", si, "communities", ci, "site"))
                        problems += [_format(err, layers, prefix) for err in e.errors()[:MAX_PROBLEMS]]
                if len(problems) > MAX_PROBLEMS:
                    break
        if problems:
            raise _Invalid(problems)
    timeline = [_located(problem.loc, problem.message, layers) for problem in timeline_problems(scenario)]
    if timeline:
        raise _Invalid(timeline)
    return scenario


def _located(loc: KeyPath, message: str, layers: list) -> str:
    """`file:line: key: message` for a problem found after validation (the timeline's)."""
    path, line = _origin(layers, loc)
    key = ".".join(str(p) for p in loc)
    return f"{path}:{line}: {key}: {message}" if line else f"{path}: {key}: {message}"


class _Dummy:
    path = Path("<scenario>")
    lines: dict = {}


def _onto_defaults(doc: dict) -> dict:
    """Overlay the user's document on the full default scenario so partial mappings (one rate, one
    handler field) keep the other defaults. Lists and scalars replace."""
    defaults = Scenario().model_dump(mode="json", by_alias=True, exclude={"city", "timeline"})
    return deep_merge(defaults, doc)


def scenario_to_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML, every default filled in."""
    data = scenario.model_dump(mode="json", by_alias=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def diff_scenarios(a: Scenario, b: Scenario) -> list[tuple[str, Any, Any]]:
    """(dotted key, value in a, value in b) for every leaf that differs."""
    out: list[tuple[str, Any, Any]] = []

    def walk(x: Any, y: Any, key: str) -> None:
        if isinstance(x, dict) and isinstance(y, dict):
            for k in list(x) + [k for k in y if k not in x]:
                walk(x.get(k), y.get(k), f"{key}.{k}" if key else str(k))
        elif x != y:
            out.append((key, x, y))

    walk(a.model_dump(mode="json", by_alias=True), b.model_dump(mode="json", by_alias=True), "")
    return out
