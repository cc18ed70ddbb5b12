"""`cogov list` and `cogov examples`: the scenarios, sweep files, validation targets and notebooks
that come with cogov, wherever it is installed (sim.resources).

    cogov list [--lang en|zh]
    cogov examples DIR
"""

from __future__ import annotations

import argparse
import os
import shlex
from collections.abc import Sequence
from pathlib import Path

from ..i18n import LANGUAGES, scenario_title, sweep_title, t
from ..resources import SHIPPED, shipped, shipped_files, shipped_scenarios, shipped_sweeps


def register(sub) -> None:
    """Add `list` and `examples` to the `cogov` parser's subparsers."""
    ls = sub.add_parser(
        "list", help="list the shipped scenarios and sweep files",
        description="List the scenarios and sweep files that come with cogov, by name, with a one-line description. "
                    "A name works wherever a file does: cogov run baseline, cogov sweep joint_meetings, "
                    "'extends: baseline' in a scenario file.",
    )
    ls.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the descriptions (default: %(default)s)")
    ls.set_defaults(func=cmd_list)

    ex = sub.add_parser(
        "examples", help="copy the shipped scenarios, sweep files, targets and notebooks into a folder",
        description=f"Write the shipped {', '.join(f'{f}/' for f in SHIPPED)} into DIR, laid out as in the cogov "
                    "repository, to read and edit. A file already in DIR is never overwritten: it is kept and "
                    "reported.",
    )
    ex.add_argument("dir", metavar="DIR", help="folder to write into (created if missing)")
    ex.set_defaults(func=cmd_examples)


def cmd_list(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from . import EXIT_OK, _console

    console = _console()
    for heading, names, title in (("cli.shipped_scenarios", shipped_scenarios(), scenario_title),
                                  ("cli.shipped_sweeps", shipped_sweeps(), sweep_title)):
        table = Table(title=Text(t(heading, args.lang)), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column(t("cli.name", args.lang), no_wrap=True)
        table.add_column(t("cli.description", args.lang))
        for name in sorted(names, key=lambda n: (n.count("/"), n)):  # top-level scenarios first
            table.add_row(Text(name), Text(title(name, args.lang)))
        console.print(table)
    return EXIT_OK


def cmd_examples(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from . import EXIT_OK, UsageError

    target = Path(args.dir)
    if target.exists() and not target.is_dir():
        raise UsageError(f"argument DIR: not a folder: {target}")
    wrote = kept = 0
    for folder in SHIPPED:
        root = shipped(folder)
        for source in shipped_files(folder):
            rel = Path(folder) / source.relative_to(root)
            if copy_new(source, target / rel):
                wrote += 1
                print(f"wrote {rel.as_posix()}")
            else:
                kept += 1
                print(f"kept  {rel.as_posix()} (already there; not overwritten)")
    print(f"cogov examples: {wrote} {'file' if wrote == 1 else 'files'} written, {kept} kept, in {target}")
    if wrote or kept:
        print(f"try: cd {shlex.quote(str(target))} && cogov run scenarios/baseline.yaml --days 30")
    return EXIT_OK


def copy_new(source: Path, dest: Path) -> bool:
    """Copy `source` to `dest` unless something is there already; False if it was. The file
    appears whole or not at all (written beside it, then linked into place, which never
    replaces an existing name)."""
    if os.path.lexists(dest):
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as out:  # the user's umask, as for any file they create
        out.write(source.read_bytes())
    try:
        os.link(tmp, dest)
    except FileExistsError:
        return False
    finally:
        os.unlink(tmp)
    return True


__all__ = ["cmd_examples", "cmd_list", "copy_new", "register"]
