"""`cogov workshop`: the live, bilingual workshop app (sim/webapp) in a browser.

    cogov workshop [SCENARIO] [--lang en|zh] [--port N] [--host ADDR] [--scenarios DIR] [--results-dir DIR]

The page offers the shipped scenarios as presets, plus those of --scenarios DIR.

Starts Solara's server on 127.0.0.1 (``--host 0.0.0.0`` to let a classroom network in) and prints
the address. Every page is served from this machine: Solara's JavaScript, CSS and fonts come from
the locally installed `solara-assets`, Solara's usage statistics are switched off, and the page
fetches nothing from the internet. The server stops with the command — on Ctrl-C, SIGTERM or SIGHUP
(a closed terminal, a service manager), and on its own within seconds if the command is killed
(`sim.running.lifetime`); the exit status is then 128 + the signal's number.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from ..i18n import LANGUAGES
from ..running.lifetime import run_child

APP = "sim.webapp.app"
DEFAULT_PORT = 8765

#: Solara settings for a classroom: no usage statistics, front-end files served from this machine
SOLARA_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_PROXY": "True",
    # a closed tab's page context ends 20 s after its connection (not a day later); its session
    # (the models) is freed 30 s after that (sim.webapp.session.Sessions), within a minute in all
    "SOLARA_KERNEL_CULL_TIMEOUT": "20s",
    # a session's models are many small objects; with Python's own small-object arenas the memory
    # of a freed session mostly stays with the server (one live object keeps an arena), with the
    # system allocator and few arenas it goes back (bench/bench_workshop_sessions.py measures it)
    "PYTHONMALLOC": "malloc",
    "MALLOC_ARENA_MAX": "2",
}


def register(sub) -> None:
    """Add `workshop` to the `cogov` parser's subparsers."""
    from . import scenario_argument

    ws = sub.add_parser(
        "workshop", help="start the live workshop app (a web page for trainers)",
        description="Start the workshop app: pick a community, flip policy levers, press play, and watch disputes "
                    "arise and get handled, and participation spread; English and Chinese. Serves on 127.0.0.1 and "
                    "prints the address; --host 0.0.0.0 opens it to the local network.",
    )
    ws.add_argument("scenario", metavar="SCENARIO", nargs="?", type=scenario_argument,
                    help="scenario file or shipped scenario's name to start with (default: the first preset)")
    ws.add_argument("--lang", choices=LANGUAGES, default="en", help="language the page opens in (default: %(default)s)")
    ws.add_argument("--port", metavar="N", type=_port, default=DEFAULT_PORT, help="port (default: %(default)s; 0 picks a free one)")
    ws.add_argument("--host", metavar="ADDR", default="127.0.0.1",
                    help="address to listen on (default: %(default)s, this machine only; 0.0.0.0 for a classroom network)")
    ws.add_argument("--scenarios", metavar="DIR", help="folder of more preset scenario files, offered beside the shipped ones "
                                                       "(a file there with a shipped one's path, e.g. baseline.yaml, replaces it)")
    ws.add_argument("--results-dir", metavar="DIR", default="results", help="where 'save the run folder' writes (default: %(default)s)")
    from . import add_memory_option

    add_memory_option(ws)
    ws.set_defaults(func=cmd_workshop)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, found {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, found {text!r}")
    return value


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_available(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def missing_assets() -> list[str]:
    """The front-end packages Solara's page loads that are not installed locally (empty when the
    page can be served with no internet)."""
    import solara.server.settings as ss
    import solara.util

    template = Path(ss.__file__).parent / "templates" / "solara.html.j2"
    wanted = set(re.findall(r"\{\{cdn\}\}/(@?[\w.-]+(?:/[\w.-]+)?@[\w.+-]+)/", template.read_text(encoding="utf-8")))
    if not solara.util.IPYVUETIFY_V3:
        wanted = {w for w in wanted if "vuetify3" not in w}
    else:
        wanted = {w for w in wanted if "solara-vuetify-app@" not in w}
    wanted.add(ss.assets.fontawesome_path.strip("/").split("/")[0])
    root = Path(ss.assets.proxy_cache_dir)
    return sorted(w for w in wanted if not (root / w).is_dir())


def workshop_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(SOLARA_ENV)
    env["COGOV_WORKSHOP_LANG"] = args.lang
    env["COGOV_WORKSHOP_RESULTS"] = os.path.abspath(args.results_dir)
    if args.scenarios:
        env["COGOV_WORKSHOP_SCENARIOS"] = os.path.abspath(args.scenarios)
    if args.scenario:
        env["COGOV_WORKSHOP_SCENARIO"] = os.path.abspath(args.scenario)
    return env


def server_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port), "--production",
            "--no-open", "--log-level", "warning", "--theme-loader", "plain"]


def cmd_workshop(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from ..scenario import load_scenario
    from . import UsageError, _warning, preflight

    if args.scenario:  # a bad file, or one too large for this machine, is reported now in one line, not on the page
        preflight(load_scenario(args.scenario), args.scenario, args.max_memory)
    if args.scenarios and not Path(args.scenarios).is_dir():
        raise UsageError(f"argument --scenarios: not a folder: {args.scenarios}")
    port = args.port or free_port(args.host)
    if not port_available(args.host, port):
        raise UsageError(f"argument --port: {args.host}:{port} is in use; pick another with --port")
    os.environ.update(SOLARA_ENV)  # before solara's settings are read below
    missing = missing_assets()
    if missing:
        _warning(f"Solara's front-end files are not installed here ({', '.join(missing)}); the page will need the "
                 "internet. Install them with: pip install solara-assets")
    shown = "127.0.0.1" if args.host in ("127.0.0.1", "localhost") else args.host
    print(f"cogov workshop: open http://{shown}:{port}/ in a browser (Ctrl+C stops the server)", flush=True)
    if args.host in ("0.0.0.0", "::"):
        print("cogov workshop: listening on every network interface: participants use this machine's address", flush=True)
    # the server stops with this command: on Ctrl-C, SIGTERM or SIGHUP, and on its own if this process is killed
    return run_child(server_command(args.host, port), env=workshop_env(args))


__all__ = ["SOLARA_ENV", "cmd_workshop", "missing_assets", "register", "server_command", "workshop_env"]
