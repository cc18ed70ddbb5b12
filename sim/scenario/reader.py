"""Read a YAML data file safely: scenario, sweep, targets and calibration files all come through here.

A file is data, never code, and reading it is bounded whatever it holds: only a regular file is
opened (a directory, device, named pipe or socket is refused before it is read), at most
`LIMITS.file_bytes` bytes are read, the text must be UTF-8, and the YAML is composed event by event
with bounds on nesting, list length and the number of values once aliases are expanded (so an alias
"bomb" is refused after a few thousand events instead of filling the memory). Only YAML's plain data
tags are constructed. Every refusal is one line naming the file, the line, the key and the limit,
e.g. ``big.yaml:3: city.districts: a list of more than 10,000 items (the limit for one list)``.

Two departures from PyYAML's YAML 1.1 reading, both to read numbers as a person wrote them:
exponent forms without a dot (``1e3``, ``2E-5``) are numbers, not strings, and a key given twice in
one mapping is a mistake (both lines named), not "the last one wins".
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.events import (AliasEvent, MappingEndEvent, ScalarEvent, SequenceEndEvent,
                         SequenceStartEvent, StreamEndEvent)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


class ScenarioError(ValueError):
    """A scenario (or sweep, targets) file is unreadable or invalid. Each of `problems` is one line
    meant for the user, ``file:line: key: message``; the command line prints one line per problem."""

    def __init__(self, *problems: str):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Limits:
    """What a data file may hold. Generous for real files: the largest shipped scenario
    (scenarios/city.yaml) is 7 kB, 11 levels deep and 405 values; a city of 1,500 communities listed
    one by one (the size of the source's X市, three site overrides each) is 190 kB, 11 levels and
    20,000 values. Bigger cities are written with `city.generate`. Each bound also bounds the time
    to read a file: at the limits a hostile file is refused in a fraction of a second
    (docs/performance.md)."""

    file_bytes: int = 2_000_000  # bytes read from one file
    depth: int = 40  # nesting of mappings and lists
    list_items: int = 10_000  # items of one list
    values: int = 50_000  # keys, items and scalars of the document, aliases expanded
    digits: int = 100  # digits of one integer (Python refuses to convert more than 4,300)
    extends: int = 16  # files in one `extends:` chain


LIMITS = Limits()


def _bytes(n: int) -> str:
    return f"{n / 1e6:g} MB" if n >= 1_000_000 else f"{n / 1e3:g} kB" if n >= 1000 else f"{n} bytes"


def _file_kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return kind
    return None if stat.S_ISREG(mode) else "not a regular file"


def read_text(path: Path) -> str:
    """The text of a regular file of at most LIMITS.file_bytes bytes of UTF-8; ScenarioError otherwise.

    The file is checked before it is opened (opening a device or a pipe can block or have effects)
    and again once open, without blocking, in case it was replaced in between."""
    limit = LIMITS.file_bytes
    try:
        kind = _file_kind(os.stat(path).st_mode)
        if kind is None:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
            try:
                kind = _file_kind(os.fstat(fd).st_mode)
                data = b"" if kind else _read_at_most(fd, limit + 1)
            finally:
                os.close(fd)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ScenarioError(f"{path}: cannot read: a symlink loop (the link leads back to itself)") from None
        if e.errno == errno.ENOTDIR:
            raise ScenarioError(f"{path}: file not found (a part of the path is not a folder)") from None
        raise ScenarioError(f"{path}: cannot read: {(e.strerror or str(e)).lower()}") from None
    if kind:
        raise ScenarioError(f"{path}: cannot read: {kind}, not a regular file")
    if len(data) > limit:
        raise ScenarioError(f"{path}: cannot read: larger than {_bytes(limit)} (the limit for a data file)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError(f"{path}:1: not UTF-8 text: UTF-16 (it starts with a UTF-16 byte-order mark); save the file as UTF-8")
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise ScenarioError(f"{path}:{line}: not a text file: it holds NUL bytes "
                            "(binary data, or UTF-16 text: save it as UTF-8)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ScenarioError(f"{path}:{line}: not UTF-8 text: byte 0x{data[e.start]:02x} cannot be read; "
                            "save the file as UTF-8") from None
    return text.removeprefix("\ufeff")


def _read_at_most(fd: int, n: int) -> bytes:
    chunks, size = [], 0
    while size < n:
        chunk = os.read(fd, min(1 << 20, n - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


# --------------------------------------------------------------------------------------------
# YAML, composed with bounds
# --------------------------------------------------------------------------------------------


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.1's implicit types, except the two number forms nobody means in a data file: base 60
    (``1:30`` is 90) and octal by a leading zero (``0300`` is 192) are strings, so the schema
    shows them as written; and exponent floats without a dot (``1e308``, ``-2E-5``), which PyYAML
    reads as strings, are numbers."""


_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_Resolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT, _FLOAT)]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()}
_Resolver.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"), list("-+0123456789"))
_Resolver.add_implicit_resolver(
    _FLOAT,
    re.compile(r"""^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                   |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
                   |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
                   |[-+]?\.(?:inf|Inf|INF)
                   |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."),
)


class _Constructor(yaml.constructor.SafeConstructor):
    """Plain data only (SafeConstructor), and a value Python cannot build (a date like 2024-13-45,
    ``!!bool 1``, ``!!int ""``) is a YAML error at its line, not a traceback."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, OverflowError) as e:
            raise yaml.constructor.ConstructorError(None, None, f"cannot read {node.value!r}: {e}", node.start_mark) from None
        except Exception:  # PyYAML's constructors index and match their text without checking it first
            kind = node.tag.rpartition(":")[2]
            raise yaml.constructor.ConstructorError(None, None, f"cannot read {node.value!r} as !!{kind}", node.start_mark) from None


_Parser = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader  # events only; libyaml is ~20x faster


class _Composer:
    """Turn parser events into nodes, as PyYAML's Composer does, refusing at the first event that
    passes a limit. `problems` collects duplicate keys (the file is still read, to report more)."""

    def __init__(self, text: str, path: Path):
        self.events = _Parser(text)
        self.path = path
        self.resolver = _Resolver()
        self.anchors: dict[str, Node] = {}
        self.size: dict[int, int] = {}  # id(node) -> values it expands to, once complete
        self.values = 0
        self.problems: list[str] = []

    def document(self) -> Node | None:
        ev = self.events
        ev.get_event()  # stream start
        if ev.check_event(StreamEndEvent):
            return None
        ev.get_event()  # document start
        node = self.node(1, ())
        ev.get_event()  # document end
        if not ev.check_event(StreamEndEvent):
            raise self.fail(ev.peek_event(), (), "expected one document, found a second one (a line '---')")
        return node

    def fail(self, event, keys: tuple, message: str) -> ScenarioError:
        key = ".".join(map(str, keys))
        return ScenarioError(f"{self.path}:{event.start_mark.line + 1}: {key + ': ' if key else ''}{message}")

    def count(self, n: int, event, keys: tuple) -> None:
        self.values += n
        if self.values > LIMITS.values:
            raise self.fail(event, keys, f"more than {LIMITS.values:,} values (keys, items and scalars, aliases "
                                         "expanded): the limit for a data file")

    def node(self, depth: int, keys: tuple) -> Node:
        ev = self.events
        event = ev.get_event()
        if isinstance(event, AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is None:
                raise self.fail(event, keys, f"not valid YAML: found undefined alias {event.anchor!r}")
            if id(target) not in self.size:
                raise self.fail(event, keys, f"alias {event.anchor!r} refers to a value that contains it (a loop)")
            self.count(self.size[id(target)], event, keys)
            return target
        if depth > LIMITS.depth:
            raise self.fail(event, keys, f"nested more than {LIMITS.depth} levels deep (the limit for a data file)")
        tag = event.tag
        if isinstance(event, ScalarEvent):
            if tag is None or tag == "!":
                tag = self.resolver.resolve(ScalarNode, event.value, event.implicit)
            if tag == "tag:yaml.org,2002:int" and len(event.value) > LIMITS.digits:
                raise self.fail(event, keys, f"a number of {len(event.value):,} digits (the limit is {LIMITS.digits})")
            node: Node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
            self.anchor(event, node)
            self.count(1, event, keys)
            self.size[id(node)] = 1
            return node
        kind, end = ((SequenceNode, SequenceEndEvent) if isinstance(event, SequenceStartEvent)
                     else (MappingNode, MappingEndEvent))
        if tag is None or tag == "!":
            tag = self.resolver.resolve(kind, None, event.implicit)
        node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
        self.anchor(event, node)
        self.count(1, event, keys)
        before = self.values
        if kind is SequenceNode:
            while not ev.check_event(end):
                if len(node.value) == LIMITS.list_items:
                    raise self.fail(event, keys, f"a list of more than {LIMITS.list_items:,} items (the limit for one list)")
                node.value.append(self.node(depth + 1, keys + (len(node.value),)))
        else:
            seen: dict[tuple[str, str], int] = {}  # (tag, text) of each key -> its line
            while not ev.check_event(end):
                key = self.node(depth + 1, keys)
                name = key.value if isinstance(key, ScalarNode) else "?"
                node.value.append((key, self.node(depth + 1, keys + (name,))))
                if isinstance(key, ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    line, first = key.start_mark.line + 1, seen.get((key.tag, key.value))
                    if first is None:
                        seen[(key.tag, key.value)] = line
                    else:
                        at = ".".join(map(str, keys + (name,)))
                        self.problems.append(f"{self.path}:{line}: {at}: duplicate key '{name}': first at line {first}, "
                                             f"again at line {line}")
        node.end_mark = ev.get_event().end_mark
        self.size[id(node)] = 1 + self.values - before
        return node

    def anchor(self, event, node: Node) -> None:
        if event.anchor is not None:
            self.anchors[event.anchor] = node


def _line_index(node: Node, path: tuple, out: dict[tuple, int]) -> None:
    """Record the 1-based line of every key and list item under `node` (bounded by LIMITS.values)."""
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode):
                out[path + (key_node.value,)] = key_node.start_mark.line + 1
                _line_index(value_node, path + (key_node.value,), out)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            out[path + (i,)] = item.start_mark.line + 1
            _line_index(item, path + (i,), out)


@dataclass
class DataFile:
    """A file's text, its document (a mapping), the line of every key path, and the duplicate keys found."""

    path: Path
    text: str
    data: dict
    lines: dict[tuple, int]
    problems: list[str]


def read_mapping(path: Path, what: str) -> DataFile:
    """Read a YAML file whose document is a mapping of `what` (e.g. "scenario keys"); raise
    ScenarioError (one line) if it is unreadable, not YAML, past a limit, empty or not a mapping."""
    text = read_text(path)
    composer = _Composer(text, path)
    try:
        node = composer.document()
        data = None if node is None else _Constructor().construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f":{mark.line + 1}" if mark else ""
        problem = " ".join(str(e.problem or e.context).split())
        if problem == "exceeded maximum nesting depth":  # libyaml's own bound (1,000), met before ours
            raise ScenarioError(f"{path}{where}: nested more than {LIMITS.depth} levels deep (the limit for a data file)") from None
        raise ScenarioError(f"{path}{where}: not valid YAML: {problem}") from None
    except yaml.YAMLError as e:
        raise ScenarioError(f"{path}: not valid YAML: {' '.join(str(e).split())}") from None
    if data is None:
        raise ScenarioError(f"{path}:1: the file is empty (nothing but blank lines or comments); expected a mapping "
                            f"of {what}")
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}:1: expected a mapping of {what}, found {type(data).__name__}")
    lines: dict[tuple, int] = {}
    _line_index(node, (), lines)
    return DataFile(path, text, data, lines, composer.problems)

