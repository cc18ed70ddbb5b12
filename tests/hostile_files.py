"""A corpus of hostile and malformed input files, written on demand (nothing is committed but this
script): each with the kind of file it is (scenario, sweep or targets) and the error it must get.

Used by tests/test_hostile_inputs.py (every file refused in one line, of the right kind) and by
bench/bench_hostile.py (the CPU time and memory each refusal takes).

    python tests/hostile_files.py DIR      # write the corpus into DIR and list it
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Hostile:
    name: str
    write: Callable[[Path], Path]  # writes the file (and what it needs) into a folder; returns what to load
    expect: str  # a regular expression the one-line error must match
    kind: str = "scenario"  # or "sweep", "targets", or "run" (a scenario and the resource preflight of `cogov run`)


def text(name: str, content: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_text(content, encoding="utf-8")
        return path

    return write


def raw(name: str, content: bytes) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        return path

    return write


def extends(target: Callable[[Path], str], name: str = "child.yaml") -> Callable[[Path], Path]:
    """A scenario whose `extends:` names what `target` makes in the folder."""

    def write(folder: Path) -> Path:
        path = folder / name
        path.write_text(f"name: child\nextends: {target(folder)}\n", encoding="utf-8")
        return path

    return write


def fifo(folder: Path) -> str:
    path = folder / "pipe.yaml"
    if not path.exists():
        os.mkfifo(path)
    return path.name


def directory(folder: Path) -> str:
    (folder / "adir.yaml").mkdir(exist_ok=True)
    return "adir.yaml"


def symlink_loop(folder: Path) -> str:
    a, b = folder / "loop_a.yaml", folder / "loop_b.yaml"
    if not a.is_symlink():
        a.symlink_to(b.name)
        b.symlink_to(a.name)
    return a.name


def sparse(size: int) -> Callable[[Path], str]:
    """A file of `size` bytes that takes no disk space (a hole)."""

    def make(folder: Path) -> str:
        path = folder / f"huge_{size}.yaml"
        with path.open("wb") as f:
            f.truncate(size)
        return path.name

    return make


def as_path(make: Callable[[Path], str]) -> Callable[[Path], Path]:
    return lambda folder: folder / make(folder)


def billion_laughs(levels: int = 9) -> str:
    lines = ["name: lol", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def chain(length: int) -> Callable[[Path], Path]:
    """`length` files, each extending the next."""

    def write(folder: Path) -> Path:
        for i in range(length):
            body = f"name: link{i}\n" + (f"extends: link{i + 1}.yaml\n" if i + 1 < length else "")
            (folder / f"link{i}.yaml").write_text(body, encoding="utf-8")
        return folder / "link0.yaml"

    return write


def sweep(body: str, name: str = "sweep.yaml") -> Callable[[Path], Path]:
    """A sweep file over a small base scenario."""

    def write(folder: Path) -> Path:
        (folder / "tiny.yaml").write_text("name: tiny\nsite: {households: 120}\nrun: {days: 10}\n", encoding="utf-8")
        path = folder / name
        path.write_text("base: tiny.yaml\n" + body, encoding="utf-8")
        return path

    return write


MANY_MISTAKES = """\
name: many
run:
  days: true
  seed: '7'
site:
  households: 2.7
  owner_share: yes
  housholds: 300
policies:
  grid_management: {enabled: maybe}
"""

CORPUS = [
    # --- reading: limits, file kinds, encodings ---------------------------------------------------
    Hostile("billion_laughs", text("bomb.yaml", billion_laughs()), r":\d+: .*more than 50,000 values .*aliases expanded"),
    Hostile("alias_loop", text("alias_loop.yaml", "name: &a [*a]\n"), r":1: name.0: alias 'a' refers to a value that contains it"),
    Hostile("extends_dev_zero", extends(lambda _: "/dev/zero"), r"child.yaml:2: extends: /dev/zero: cannot read: a device, not a regular file"),
    Hostile("extends_fifo", extends(fifo), r"child.yaml:2: extends: .*pipe.yaml: cannot read: a named pipe"),
    Hostile("extends_directory", extends(directory), r"child.yaml:2: extends: .*adir.yaml: cannot read: a directory"),
    Hostile("extends_symlink_loop", extends(symlink_loop), r"child.yaml:2: extends: .*loop_a.yaml: cannot read: a symlink loop"),
    Hostile("extends_huge_file", extends(sparse(3_000_000_000)), r"child.yaml:2: extends: .*: cannot read: larger than 2 MB"),
    Hostile("extends_missing", extends(lambda _: "nowhere.yaml"), r"child.yaml:2: extends: file not found: nowhere.yaml"),
    Hostile("extends_not_a_name", text("ext_list.yaml", "extends: [a.yaml]\n"), r":1: extends: expected a file name, found \['a.yaml'\]"),
    Hostile("extends_chain_too_long", chain(20), r"link15.yaml:2: extends: a chain of more than 16 files"),
    Hostile("extends_cycle", text("self.yaml", "name: self\nextends: self.yaml\n"), r":2: extends: cycle in extends: self.yaml -> self.yaml"),
    Hostile("file_is_fifo", as_path(fifo), r"pipe.yaml: cannot read: a named pipe, not a regular file"),
    Hostile("file_is_directory", as_path(directory), r"adir.yaml: cannot read: a directory, not a regular file"),
    Hostile("file_is_symlink_loop", as_path(symlink_loop), r"loop_a.yaml: cannot read: a symlink loop"),
    Hostile("file_is_dev_zero", lambda _: Path("/dev/zero"), r"/dev/zero: cannot read: a device"),
    Hostile("huge_file", as_path(sparse(3_000_000_000)), r"cannot read: larger than 2 MB \(the limit for a data file\)"),
    Hostile("just_over_the_size_limit", text("big.yaml", "name: x\n# " + "x" * 2_000_000 + "\n"), r"cannot read: larger than 2 MB"),
    Hostile("deep_flow_nesting_5000", text("deep.yaml", "name: " + "[" * 5000 + "]" * 5000 + "\n"), r":1: .*nested more than 40 levels deep"),
    Hostile("deep_block_nesting", text("deep_block.yaml", "".join("  " * i + "a:\n" for i in range(60)) + "  " * 60 + "a: 1\n"),
            r":40: (a\.)+a: nested more than 40 levels deep"),
    Hostile("list_of_100000", text("list.yaml", "name: x\nshocks: [" + ", ".join(["1"] * 100_000) + "]\n"),
            r":2: shocks: a list of more than 10,000 items \(the limit for one list\)"),
    Hostile("mapping_of_60000_keys", text("keys.yaml", "".join(f"k{i}: {i}\n" for i in range(60_000))), r"more than 50,000 values"),
    Hostile("integer_of_5000_digits", text("digits.yaml", "run: {seed: " + "9" * 5000 + "}\n"), r":1: run.seed: a number of 5,000 digits \(the limit is 100\)"),
    Hostile("binary_garbage", raw("garbage.yaml", bytes(range(256)) * 40), r":1: not a text file: it holds NUL bytes"),
    Hostile("not_utf8_latin1", raw("latin1.yaml", "name: café\n".encode("latin-1")), r":1: not UTF-8 text: byte 0xe9"),
    Hostile("utf16_with_bom", raw("utf16.yaml", "name: 社区\n".encode("utf-16")), r":1: not UTF-8 text: UTF-16"),
    Hostile("invalid_utf8_sequence", raw("bad_utf8.yaml", b"name: ok\ndescription: \xc3\x28\n"), r":2: not UTF-8 text: byte 0xc3"),
    Hostile("empty_file", text("empty.yaml", ""), r":1: the file is empty"),
    Hostile("comments_only", text("comments.yaml", "# a scenario\n\n   # nothing else\n"), r":1: the file is empty"),
    Hostile("two_documents", text("two.yaml", "name: a\n---\nname: b\n"), r":2: expected one document, found a second one"),
    Hostile("top_level_list", text("list_top.yaml", "- name: a\n"), r":1: expected a mapping of scenario keys, found list"),
    Hostile("top_level_scalar", text("scalar.yaml", "just some words\n"), r":1: expected a mapping of scenario keys, found str"),
    Hostile("python_object_tag", text("pyobj.yaml", "name: !!python/object:os.system {}\n"),
            r":1: not valid YAML: could not determine a constructor for the tag .*python/object"),
    Hostile("python_apply_tag", text("apply.yaml", "name: !!python/object/apply:os.system ['touch pwned']\n"), r":1: not valid YAML"),
    Hostile("custom_tag", text("tag.yaml", "name: !include other.yaml\n"), r":1: not valid YAML: could not determine a constructor"),
    Hostile("undefined_alias", text("alias.yaml", "name: *nothing\n"), r":1: .*undefined alias"),
    Hostile("unhashable_key", text("key.yaml", "? [a, b]\n: 1\n"), r":1: not valid YAML: found unhashable key"),
    Hostile("impossible_date", text("date.yaml", "name: 2024-13-45\n"), r":1: not valid YAML: cannot read '2024-13-45'"),
    Hostile("bad_indentation", text("indent.yaml", "site:\n  households: 300\n    owner_share: 0.5\n"), r":3: not valid YAML: mapping values are not allowed"),
    Hostile("tab_indentation", text("tabs.yaml", "site:\n\thouseholds: 300\n"), r":2: not valid YAML"),
    # --- strict values --------------------------------------------------------------------------------
    Hostile("bool_for_days", text("bool_days.yaml", "run: {days: true}\n"), r":1: run.days: expected an integer, found true"),
    Hostile("bool_for_seed", text("bool_seed.yaml", "run:\n  seed: true\n"), r":2: run.seed: expected an integer, found true"),
    Hostile("bool_for_number", text("bool_share.yaml", "site: {owner_share: yes}\n"), r":1: site.owner_share: expected a number, found true"),
    Hostile("string_for_days", text("str_days.yaml", "run: {days: '30'}\n"), r":1: run.days: expected an integer, found '30' \(a string"),
    Hostile("fraction_for_integer", text("frac.yaml", "site: {households: 2.7}\n"), r":1: site.households: expected an integer, found 2.7 \(a fraction is not rounded\)"),
    Hostile("duplicate_key", text("dup.yaml", "name: a\nrun:\n  days: 10\n  days: 20\n"),
            r":4: run.days: duplicate key 'days': first at line 3, again at line 4"),
    Hostile("1e308_read_as_a_number", text("e308.yaml", "disputes: {rate_multiplier: 1e308}\n"),
            r":1: disputes.rate_multiplier: expected a number <= 20.0, found 1e\+308"),
    Hostile("base_60_integer", text("sexagesimal.yaml", "site: {households: 1:30}\n"),  # YAML 1.1 would read 90
            r":1: site.households: expected an integer, found '1:30'"),
    Hostile("leading_zero_integer", text("octal.yaml", "site: {households: 0300}\n"),  # YAML 1.1 would read 192
            r":1: site.households: expected an integer, found '0300' \(a number with a leading zero is read as text"),
    Hostile("explicit_bool_tag_on_a_number", text("bool_tag.yaml", "site: {households: !!bool 1}\n"),
            r":1: not valid YAML: cannot read '1' as !!bool"),
    Hostile("explicit_int_tag_on_nothing", text("int_tag.yaml", "site: {households: !!int ''}\n"),
            r":1: not valid YAML: cannot read '' as !!int"),
    Hostile("explicit_timestamp_tag_on_text", text("time_tag.yaml", "name: !!timestamp abc\n"),
            r":1: not valid YAML: cannot read 'abc' as !!timestamp"),
    Hostile("integer_past_a_float", text("e400.yaml", "run: {days: 1e400}\n"),
            r":1: run.days: expected an integer, found inf \(not a finite number\)"),
    Hostile("date_for_a_number", text("date.yaml", "site: {owner_share: 2024-01-01}\n"),
            r":1: site.owner_share: expected a number, found 2024-01-01 \(a date\)"),
    Hostile("infinity", text("inf.yaml", "disputes: {rate_multiplier: .inf}\n"), r":1: disputes.rate_multiplier: expected a finite number, found inf"),
    Hostile("not_a_number", text("nan.yaml", "site: {owner_share: .nan}\n"), r":1: site.owner_share: expected a finite number, found nan"),
    Hostile("name_of_100000_characters", text("long_name.yaml", "name: " + "x" * 100_000 + "\n"), r":1: name: expected at most 200 characters, found 100,000: 'xxx"),
    # --- absurd sizes ---------------------------------------------------------------------------------
    Hostile("dispute_rate_1e12", text("rate.yaml", "disputes:\n  rates:\n    old_compound: {parking: 1e12}\n"),
            r":3: disputes.rates.old_compound.parking: expected a number <= 1000.0, found 1000000000000.0"),
    Hostile("a_billion_households", text("households.yaml", "site: {households: 1000000000}\n"), r":1: site.households: expected an integer <= 50000"),
    Hostile("city_20x50x20_of_20000_households",
            text("city.yaml", "city:\n  generate:\n    districts: 20\n    streets_per_district: 50\n    per_street:\n"
                              "      commodity_estate: {count: 20, households: 20000}\n"),
            r":2: city.generate: about 20,000 communities .*a city has at most 10,000"),
    Hostile("city_of_a_billion_residents",  # every bound holds; the whole fits no machine (the preflight)
            text("vast.yaml", "city:\n  generate:\n    districts: 50\n    streets_per_district: 100\n    per_street:\n"
                              "      commodity_estate: {count: 2, households: 50000, spread: 0}\n"),
            r"vast.yaml: too large to run here: needs about .* residents in 1[0-9],[0-9]{3} communities", "run"),
    Hostile("hotline_of_a_million_servers", text("servers.yaml", "handlers: {city_hotline: {servers: 1000000}}\n"),
            r":1: handlers.city_hotline.servers: expected an integer <= 10000"),
    # --- sweep and targets files share the reader --------------------------------------------------
    Hostile("sweep_billion_laughs", sweep(billion_laughs().replace("name: lol\n", "")), r"more than 50,000 values", "sweep"),
    Hostile("sweep_values_list_of_100000", sweep("parameters:\n  site.households: [" + ", ".join(map(str, range(10, 100_010))) + "]\n"),
            r"parameters.site.households: a list of more than 10,000 items", "sweep"),
    Hostile("sweep_bool_for_replicates", sweep("parameters:\n  site.households: [100, 200]\nreplicates: true\n"),
            r":4: replicates: expected an integer, found true", "sweep"),
    Hostile("sweep_bool_for_range", sweep("parameters:\n  site.households: {low: false, high: 200}\ndesign: {kind: lhs, samples: 4}\n"),
            r":3: parameters.site.households.low: expected a number, found false", "sweep"),
    Hostile("sweep_duplicate_key", sweep("parameters:\n  site.households: [100]\nreplicates: 2\nreplicates: 3\n"),
            r":5: replicates: duplicate key 'replicates': first at line 4, again at line 5", "sweep"),
    Hostile("sweep_base_is_a_fifo", lambda folder: _sweep_on(folder, fifo(folder)), r":1: base: cannot read: a named pipe", "sweep"),
    Hostile("sweep_empty", text("empty_sweep.yaml", "# nothing\n"), r":1: the file is empty .*expected a mapping of sweep keys", "sweep"),
    Hostile("targets_billion_laughs", text("targets.yaml", billion_laughs()), r"more than 50,000 values", "targets"),
    Hostile("targets_dev_zero", lambda _: Path("/dev/zero"), r"/dev/zero: cannot read: a device", "targets"),
]


def _sweep_on(folder: Path, base: str) -> Path:
    path = folder / "sweep_on_base.yaml"
    path.write_text(f"base: {base}\nparameters:\n  site.households: [100]\n", encoding="utf-8")
    return path


def load(entry: Hostile, path: Path) -> None:
    """Load `path` as the kind of file `entry` is (raises the error it must get)."""
    if entry.kind == "sweep":
        from sim.experiments.sweepfile import load_sweep

        load_sweep(path)
    elif entry.kind == "targets":
        from sim.validation import load_targets

        load_targets(path)
    else:
        from sim.scenario import load_scenario
        from sim.scenario.preflight import Estimate, check

        scenario = load_scenario(path)
        if entry.kind == "run":
            check(Estimate.of(scenario), str(path))


def write_all(folder: Path) -> dict[str, Path]:
    """Every corpus file, each in its own subfolder of `folder`: name -> path to load."""
    out = {}
    for entry in CORPUS:
        sub = folder / entry.name
        sub.mkdir(parents=True, exist_ok=True)
        out[entry.name] = entry.write(sub)
    return out


if __name__ == "__main__":
    for name, path in write_all(Path(sys.argv[1])).items():
        print(f"{name}: {path}")
