"""`cogov classroom`: one shared community played by a room of participants in roles; and
`cogov replay`: a session's world rebuilt from its seed and decisions log.

    cogov classroom SCENARIO [--lang en|zh] [--host ADDR] [--port N] [--round-days N] [--decide-seconds S]
    cogov replay SESSION_FOLDER [--out DIR]

`classroom` starts Solara's server (127.0.0.1 unless --host) with one room, and prints the join
address, the room code and the facilitator's console address (it carries a key: only who has it
can run the room). The server stops with the command, as `cogov workshop`'s does.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from ..i18n import LANGUAGES
from ..running.lifetime import run_child
from . import _count, seed_option
from .workshop import DEFAULT_PORT, SOLARA_ENV, _port, free_port, missing_assets, port_available

APP = "sim.classroom.app"


def register(sub) -> None:
    from . import scenario_argument

    cr = sub.add_parser(
        "classroom", help="start a classroom: participants play roles in one shared community",
        description="Start a classroom room: participants join on their phones with a room code, each plays a role "
                    "(party secretary, residents' committee director, grid worker, property manager, owners' committee "
                    "chair, social organisation lead, street office, resident household) in one shared community that "
                    "advances in rounds; the facilitator runs it from a console and debriefs it. Serves on 127.0.0.1; "
                    "--host 0.0.0.0 opens it to the local network.")
    cr.add_argument("scenario", metavar="SCENARIO", type=scenario_argument, help="scenario file or shipped scenario's name")
    cr.add_argument("--lang", choices=LANGUAGES, default="en", help="the room's language (default: %(default)s)")
    cr.add_argument("--port", metavar="N", type=_port, default=DEFAULT_PORT + 1, help="port (default: %(default)s; 0 picks a free one)")
    cr.add_argument("--host", metavar="ADDR", default="127.0.0.1",
                    help="address to listen on (default: %(default)s, this machine only; 0.0.0.0 for a classroom network)")
    cr.add_argument("--round-days", metavar="N", type=_count("a positive integer", 1), default=30, help="simulated days per round (default: %(default)s)")
    cr.add_argument("--decide-seconds", metavar="S", type=_seconds, default=90.0,
                    help="seconds participants have to decide each round (default: %(default)s)")
    cr.add_argument("--days-per-second", metavar="D", type=_seconds, default=5.0,
                    help="simulated days per second while a round plays (default: %(default)s)")
    cr.add_argument("--pick-roles", action="store_true", help="let participants choose their role (default: handed out)")
    cr.add_argument("--seed", metavar="N", type=seed_option, help="seed (default: the scenario's run.seed)")
    cr.add_argument("--join-url", metavar="URL", help="the address participants open (default: from --host and --port)")
    cr.add_argument("--results-dir", metavar="DIR", default="results", help="where session folders go (default: %(default)s)")
    cr.set_defaults(func=cmd_classroom)

    rp = sub.add_parser(
        "replay", help="rebuild a classroom session's world from its seed and decisions log",
        description="Rebuild a classroom session from its folder (room.json, scenario.yaml, decisions.parquet) and write "
                    "the run folder; if the session was exported, check that every file is the same, byte for byte.")
    rp.add_argument("session", metavar="SESSION_FOLDER", help="a classroom session folder (results/classroom-CODE-...)")
    rp.add_argument("--out", metavar="DIR", help="where the replayed run folder goes (default: SESSION_FOLDER/replay)")
    rp.set_defaults(func=cmd_replay)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, found {text!r}") from None
    if not value > 0 or value > 86400:
        raise argparse.ArgumentTypeError(f"expected a number > 0 (at most 86400), found {text!r}")
    return value


def join_address(host: str, port: int) -> str:
    """What participants open: this machine's name on the network when it listens everywhere."""
    if host in ("0.0.0.0", "::"):
        try:
            host = socket.gethostbyname(socket.gethostname())
        except OSError:
            host = socket.gethostname()
    elif host == "localhost":
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


def cmd_classroom(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from ..scenario import load_scenario
    from . import UsageError, _warning, preflight

    preflight(load_scenario(args.scenario), args.scenario, None)
    port = args.port or free_port(args.host)
    if not port_available(args.host, port):
        raise UsageError(f"argument --port: {args.host}:{port} is in use; pick another with --port")
    os.environ.update(SOLARA_ENV)
    missing = missing_assets()
    if missing:
        _warning(f"Solara's front-end files are not installed here ({', '.join(missing)}); the pages will need the "
                 "internet. Install them with: pip install solara-assets")
    from ..classroom.room import CODE_ALPHABET, CODE_LENGTH

    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    key = secrets.token_urlsafe(12)
    url = args.join_url or join_address(args.host, port)
    local = f"http://127.0.0.1:{port}/" if args.host in ("127.0.0.1", "localhost", "0.0.0.0") else url
    print(f"cogov classroom: participants open {url} and enter the room code {code} (Ctrl+C stops the server)", flush=True)
    print(f"cogov classroom: facilitator console {local}console?key={key}", flush=True)
    if args.host in ("0.0.0.0", "::"):
        print("cogov classroom: listening on every network interface", flush=True)
    env = dict(os.environ)
    env.update(SOLARA_ENV)
    env.update({
        "COGOV_CLASSROOM_SCENARIO": os.path.abspath(args.scenario), "COGOV_CLASSROOM_LANG": args.lang,
        "COGOV_CLASSROOM_CODE": code, "COGOV_CLASSROOM_KEY": key, "COGOV_CLASSROOM_URL": url,
        "COGOV_CLASSROOM_RESULTS": os.path.abspath(args.results_dir), "COGOV_CLASSROOM_ROUND_DAYS": str(args.round_days),
        "COGOV_CLASSROOM_DECIDE_SECONDS": str(args.decide_seconds), "COGOV_CLASSROOM_PACE": str(args.days_per_second),
        "COGOV_CLASSROOM_PICK_ROLES": "1" if args.pick_roles else "",
        "COGOV_CLASSROOM_SEED": "" if args.seed is None else str(args.seed),
    })
    command = [sys.executable, "-m", "solara", "run", APP, "--host", args.host, "--port", str(port), "--production",
               "--no-open", "--log-level", "warning", "--theme-loader", "plain"]
    return run_child(command, env=env)


def cmd_replay(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from ..classroom.debrief import SessionError, replay_to
    from . import UsageError, _error

    folder = Path(args.session)
    out = Path(args.out) if args.out else folder / "replay"
    try:
        written, differ = replay_to(folder, out)
    except SessionError as e:
        raise UsageError(str(e)) from None
    if differ is None:
        print(f"cogov replay: wrote {written} (the session was not exported, so there is no run folder to compare with)")
        return 0
    if differ:
        _error(f"{folder}: the replayed world differs from the session's run folder in {', '.join(differ)}")
        return 1
    print(f"cogov replay: {written} reproduces {folder / 'run'} byte for byte")
    return 0


__all__ = ["cmd_classroom", "cmd_replay", "join_address", "register"]
