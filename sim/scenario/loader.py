"""Load scenario files safely: YAML data only, `extends:` layering, and one-line errors.

Errors name the file, the key path, the line, what was expected and what was found, e.g.::

    scenarios/bad.yaml:12: policies.joint_meetings.interval_days: expected an integer >= 1, found -3
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..resources import scenario_file
from .schema import Scenario, Site, deep_merge
from .timeline import merge_layers, timeline_problems


class ScenarioError(ValueError):
    """A scenario file is unreadable or invalid; the message is one line meant for the user."""


KeyPath = tuple  # a key path into the document, e.g. ("policies", "joint_meetings", "interval_days")


def _line_index(node: yaml.Node, path: KeyPath, out: dict[KeyPath, int]) -> None:
    """Record the 1-based line of every key and list item under `node`."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[path + (key,)] = key_node.start_mark.line + 1
            _line_index(value_node, path + (key,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[path + (i,)] = item.start_mark.line + 1
            _line_index(item, path + (i,), out)


class _Layer:
    """One file's document with its line index. `what` names the mapping the file must hold."""

    def __init__(self, path: Path, what: str = "scenario keys"):
        self.path = path
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ScenarioError(f"{path}: file not found") from None
        except (OSError, UnicodeDecodeError) as e:
            raise ScenarioError(f"{path}: cannot read: {e}") from None
        try:
            self.data = yaml.safe_load(text)
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark
            where = f":{mark.line + 1}" if mark else ""
            raise ScenarioError(f"{path}{where}: not valid YAML: {e.problem}") from None
        except yaml.YAMLError as e:
            raise ScenarioError(f"{path}: not valid YAML: {e}") from None
        if self.data is None:
            self.data = {}
        if not isinstance(self.data, dict):
            raise ScenarioError(f"{path}:1: expected a mapping of {what}, found {type(self.data).__name__}")
        self.lines: dict[KeyPath, int] = {}
        if node is not None:
            _line_index(node, (), self.lines)


def _read_layers(path: Path, chain: tuple[Path, ...] = (), line: int = 1) -> list[_Layer]:
    """The file and everything it extends, base first. `line` is where the last file in `chain`
    says `extends:`."""
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(p.name for p in chain + (path,))
        raise ScenarioError(f"{chain[-1]}:{line}: extends: cycle in extends: {cycle}")
    layer = _Layer(path)
    parent = layer.data.pop("extends", None)
    if parent is None:
        return [layer]
    if not isinstance(parent, str):
        line = layer.lines.get(("extends",), 1)
        raise ScenarioError(f"{path}:{line}: extends: expected a file name, found {parent!r}")
    line = layer.lines.get(("extends",), 1)
    parent_path = scenario_file(parent, beside=path.parent)  # a file beside this one, or a shipped scenario by name
    if parent_path is None:
        raise ScenarioError(f"{path}:{line}: extends: file not found: {parent}")
    return _read_layers(parent_path, chain + (path,), line) + [layer]


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
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "a string",
    "dict_type": "a mapping",
    "list_type": "a list",
    "model_type": "a mapping",
    "missing": "a value (required key is missing)",
}


def _describe(err: dict, loc: KeyPath, root: type[BaseModel] = Scenario) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    found = err.get("input")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[kind]
        bound = next(iter(ctx.values()))
        field = _field_at(loc, root)[1]
        noun = "an integer" if field is not None and field.annotation is int else "a number"
        return f"expected {noun} {op} {bound}, found {found!r}"
    if kind in ("literal_error", "enum"):
        return f"expected one of {ctx.get('expected')}, found {found!r}"
    if kind in ("too_short", "too_long"):
        return f"expected {err['msg'].lower()}, found {found!r}"
    if kind == "value_error":
        return err["msg"].removeprefix("Value error, ")
    if kind == "union_tag_invalid":
        return f"expected kind one of {ctx.get('expected_tags')}, found {ctx.get('tag')!r}"
    if kind == "missing":
        return "required key is missing"
    expected = _EXPECT.get(kind)
    if expected:
        return f"expected {expected}, found {found!r}"
    return f"{err['msg']}, found {found!r}"


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
        guess = difflib.get_close_matches(bad, known, n=1)
        hint = f"; did you mean '{guess[0]}'?" if guess else (f"; known keys: {', '.join(known)}" if known else "")
        return f"{where}: {key}: unknown key '{bad}'{hint}"
    schema_loc = ("site",) + loc[len(prefix):] if prefix else loc
    return f"{where}: {key}: {_describe(err, schema_loc, root)}"


def load_scenario(path: str | Path, overrides: dict | None = None) -> Scenario:
    """Read a scenario file (and what it extends), fill every default and validate it.

    `overrides` is a nested mapping applied last, as if written in the file (used by `--days`).
    Raises ScenarioError with one line naming the file, key, line, expectation and finding.
    """
    layers = _read_layers(Path(path))
    doc = merge_layers(layers)
    if overrides:
        doc = deep_merge(doc, overrides)
    return validate_document(doc, layers)


def validate_document(doc: dict, layers: list | None = None) -> Scenario:
    """Validate a merged document onto the defaults; raise ScenarioError on the first problem."""
    layers = layers or [_Dummy()]
    try:
        scenario = Scenario.model_validate(_onto_defaults(doc))
    except ValidationError as e:
        raise ScenarioError(_format(e.errors()[0], layers)) from None
    if scenario.city is not None:
        base = scenario.site.model_dump(by_alias=True)
        for di, d in enumerate(scenario.city.districts):
            for si, s in enumerate(d.streets):
                for ci, c in enumerate(s.communities):
                    try:
                        Site.model_validate(deep_merge(base, c.site))
                    except ValidationError as e:
                        prefix = ("city", "districts", di, "streets", si, "communities", ci, "site")
                        raise ScenarioError(_format(e.errors()[0], layers, prefix)) from None
    for problem in timeline_problems(scenario):
        path, line = _origin(layers, problem.loc)
        key = ".".join(str(p) for p in problem.loc)
        raise ScenarioError(f"{path}:{line}: {key}: {problem.message}" if line else f"{path}: {key}: {problem.message}")
    return scenario


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
