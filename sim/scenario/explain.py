"""Every scenario key with its type, range, default, unit and meaning, read from the schema, for
`cogov schema` (the keys a scenario may set) and `cogov show --explain FILE` (the same with the
file's resolved values): a researcher sets a lever without opening the source.

Keys are dotted paths as written in a file; `[]` stands for any item of a list and `<type>`,
`<category>`, `<language>`, `<rung>` for any key of a mapping.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .schema import Language, Scenario

#: the placeholder for any key of a mapping keyed by these
_KEY_NAMES = {"CommunityType": "<type>"}


class _Marker:
    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


_ABSENT = _Marker("(absent)")  # walking the schema alone, without a scenario's values
REQUIRED = _Marker("(required)")  # a key without a default
VARIES = _Marker("(varies by key)")  # the default of any key of a mapping (see `cogov show`)


@dataclass(frozen=True)
class Key:
    """One setting: where it is, what it holds and what it means."""

    path: str
    type: str
    range: str
    default: Any
    unit: str
    meaning: str
    value: Any = _ABSENT  # the resolved value (show --explain)

    @property
    def changed(self) -> bool:
        # a mapping's key that has no default (a timeline entry's setting) is the file's own
        return self.value is not _ABSENT and (self.default is VARIES or _plain(self.value) != _plain(self.default))


def schema_keys() -> list[Key]:
    """Every key a scenario may set, with its default."""
    return list(_walk(Scenario, _ABSENT, "", Scenario()))


def scenario_keys(scenario: Scenario) -> list[Key]:
    """Every key of a resolved scenario, with its value and default."""
    return list(_walk(Scenario, scenario, "", Scenario()))


# --------------------------------------------------------------------------------------------


def _walk(model: type[BaseModel], instance: Any, prefix: str, defaults: BaseModel | None) -> Iterator[Key]:
    """The keys of a section. Defaults come from `defaults` (the section as it is by default) when
    there is one: a handler's `servers` has no default of its own, each handler has its own."""
    for name, info in model.model_fields.items():
        if defaults is not None:
            default = getattr(defaults, name)
        else:
            default = REQUIRED if info.is_required() else info.get_default(call_default_factory=True)
        value = _ABSENT if instance is _ABSENT else getattr(instance, name)
        yield from _field(info.annotation, info, value, f"{prefix}{info.alias or name}", default)


def _field(annotation: Any, info: FieldInfo | None, value: Any, path: str, default: Any) -> Iterator[Key]:
    """The keys under one annotation: a section, a list of sections, a typed mapping or a leaf."""
    annotation, extra = _strip(annotation)
    options = [a for a in typing.get_args(annotation) if a is not type(None)] if _is_union(annotation) else [annotation]
    models = [a for a in options if isinstance(a, type) and issubclass(a, BaseModel)]
    origin = typing.get_origin(annotation)
    if models and len(options) == len(models):  # a section, or one of several kinds of section
        if value is None:  # an optional section left out
            yield _leaf(annotation, info, extra, None, path, default)
        elif len(models) == 1:
            yield from _walk(models[0], value, f"{path}.", default if isinstance(default, BaseModel) else None)
        else:
            for m in models:
                kind = typing.get_args(m.model_fields["kind"].annotation)[0]
                if value is _ABSENT:
                    yield from _walk(m, value, f"{path.removesuffix('[]')}[kind={kind}].", None)
                elif value.kind == kind:
                    yield from _walk(m, value, f"{path}.", None)
        return
    if origin is list and _has_model(typing.get_args(annotation)[0]):
        (item,) = typing.get_args(annotation)
        if value is _ABSENT:
            yield from _field(item, None, _ABSENT, f"{path}[]", REQUIRED)
        elif not value:
            yield _leaf(annotation, info, extra, [], path, default)
        for i, v in enumerate([] if value is _ABSENT else value):
            yield from _field(item, None, v, f"{path}.{i}", REQUIRED)
        return
    if origin is dict and typing.get_args(annotation):  # a mapping keyed by community type, category ...
        key_type, item = typing.get_args(annotation)
        if value is _ABSENT:
            yield from _field(item, info, _ABSENT, f"{path}.{_placeholder(key_type)}", VARIES)
            return
        if not value:  # an empty mapping (a timeline entry that only scales, say) is a key of its own
            yield _leaf(annotation, info, extra, {}, path, default)
        for k, v in value.items():
            d = default.get(k, VARIES) if isinstance(default, dict) else VARIES
            yield from _field(item, info, v, f"{path}.{k.value if isinstance(k, Enum) else k}", d)
        return
    yield _leaf(annotation, info, extra, value, path, default)


def _leaf(annotation: Any, info: FieldInfo | None, extra: list, value: Any, path: str, default: Any) -> Key:
    metadata = list(extra) + (list(info.metadata) if info is not None else [])
    unit = ""
    for source in [info, *[m for m in extra if isinstance(m, FieldInfo)]]:
        if source is not None and isinstance(source.json_schema_extra, dict):
            unit = source.json_schema_extra.get("unit", unit)
    meaning = info.description if info is not None and info.description else ""
    return Key(path, _type_name(annotation), _range(annotation, metadata), default, unit, meaning, value)


def _strip(annotation: Any) -> tuple[Any, list]:
    """An annotation without `Annotated[...]`, and the metadata it carried."""
    extra: list = []
    while typing.get_origin(annotation) is typing.Annotated:
        annotation, *meta = typing.get_args(annotation)
        for m in meta:
            extra.append(m)
            if isinstance(m, FieldInfo):
                extra.extend(m.metadata)
    return annotation, extra


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _has_model(annotation: Any) -> bool:
    annotation, _ = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_has_model(a) for a in typing.get_args(annotation))


def _placeholder(key_type: Any) -> str:
    key_type, _ = _strip(key_type)
    if typing.get_origin(key_type) is Literal:
        return "<language>" if key_type == Language else "<category>"
    return _KEY_NAMES.get(getattr(key_type, "__name__", ""), "<key>")


def _type_name(annotation: Any) -> str:
    annotation, _ = _strip(annotation)
    if _is_union(annotation):
        names = [_type_name(a) for a in typing.get_args(annotation) if a is not type(None)]
        return " or ".join(names) + (" or null" if type(None) in typing.get_args(annotation) else "")
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return "one of"
    if origin is list:
        return f"list of {_type_name(typing.get_args(annotation)[0])}"
    if origin is dict:
        return "mapping"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "section"
    return {bool: "true/false", int: "integer", float: "number", str: "text", dict: "mapping"}.get(annotation, str(annotation))


def _range(annotation: Any, metadata: list) -> str:
    annotation, _ = _strip(annotation)
    choices = _choices(annotation)
    if choices:
        return ", ".join(choices)
    low = high = ""
    for m in metadata:
        if isinstance(m, annotated_types.Ge):
            low = f"[{_number(m.ge)}"
        elif isinstance(m, annotated_types.Gt):
            low = f"({_number(m.gt)}"
        elif isinstance(m, annotated_types.Le):
            high = f"{_number(m.le)}]"
        elif isinstance(m, annotated_types.Lt):
            high = f"{_number(m.lt)})"
        elif isinstance(m, annotated_types.MaxLen):
            what = "items" if typing.get_origin(annotation) is list else "characters"
            least = next((n.min_length for n in metadata if isinstance(n, annotated_types.MinLen)), 0)
            return f"exactly {m.max_length:,} {what}" if least == m.max_length else f"at most {m.max_length:,} {what}"
    if low and high:
        return f"{low}, {high}"
    if low:
        return f">= {low[1:]}" if low[0] == "[" else f"> {low[1:]}"
    if high:
        return f"<= {high[:-1]}" if high[-1] == "]" else f"< {high[:-1]}"
    return ""


def _choices(annotation: Any) -> list[str]:
    if typing.get_origin(annotation) is list:
        return _choices(_strip(typing.get_args(annotation)[0])[0])
    if typing.get_origin(annotation) is Literal:
        return [str(a) for a in typing.get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(e.value) for e in annotation]
    return []


def _number(x: float) -> str:
    return f"{x:,}" if isinstance(x, int) else f"{x:g}"


def _plain(value: Any) -> Any:
    """A value as JSON data, to compare and show."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {(k.value if isinstance(k, Enum) else k): _plain(v) for k, v in value.items()}
    return value


def shown(value: Any) -> str:
    """A value as written in a scenario file (JSON is YAML)."""
    if value is _ABSENT:
        return ""
    if isinstance(value, _Marker):
        return value.text
    return json.dumps(_plain(value), ensure_ascii=False)


def table(keys: list[Key], values: bool) -> str:
    """The keys as aligned text, one line each (so that grep finds a key with all it says);
    with `values`, the resolved value and a `*` where it differs from the default."""
    head = ["key", *(["value"] if values else []), "unit", "range", "default", "meaning"]
    rows = [[("* " if k.changed else "  ") + k.path if values else k.path, *([shown(k.value)] if values else []),
             k.unit, k.range, shown(k.default), k.meaning] for k in keys]
    caps = [60, *([30] if values else []), 20, 24, 24]  # a longer cell (a list of choices) pushes its row only
    widths = [min(cap, max(len(r[i]) for r in [head, *rows])) for i, cap in enumerate(caps)]
    lines = []
    for r in [head, *rows]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
    if values:
        lines.append("(* differs from the default)")
    return "\n".join(line.rstrip() for line in lines) + "\n"
