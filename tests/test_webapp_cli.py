"""`cogov workshop`: options, refusals in one line, the server command and offline front-end files."""

from __future__ import annotations

import socket

import pytest

from sim.cli import build_parser, main
from sim.cli import workshop as ws


def test_defaults_listen_on_this_machine_only():
    args = build_parser().parse_args(["workshop"])
    assert (args.host, args.port, args.lang, args.scenario) == ("127.0.0.1", ws.DEFAULT_PORT, "en", None)
    cmd = ws.server_command("127.0.0.1", 8123)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and cmd[cmd.index("--port") + 1] == "8123"
    assert "--production" in cmd and ws.APP in cmd


def test_environment_for_the_app(tmp_path):
    args = build_parser().parse_args(["workshop", "scenarios/party_led.yaml", "--lang", "zh", "--results-dir", str(tmp_path)])
    env = ws.workshop_env(args)
    assert env["COGOV_WORKSHOP_LANG"] == "zh"
    assert env["COGOV_WORKSHOP_SCENARIO"].endswith("party_led.yaml")
    assert env["COGOV_WORKSHOP_RESULTS"] == str(tmp_path)
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"  # no usage statistics sent anywhere


@pytest.mark.parametrize("argv, message", [
    (["workshop", "no_such_file.yaml"], "no_such_file.yaml: file not found"),
    (["workshop", "--port", "70000"], "port number"),
    (["workshop", "--lang", "fr"], "invalid choice"),
    (["workshop", "--scenarios", "no_such_folder"], "not a folder"),
])
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("cogov: error:") and message in err and err.count("\n") == 1


def test_a_port_in_use_is_refused(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["workshop", "--port", str(port)]) == 2
    assert "is in use" in capsys.readouterr().err


def test_front_end_files_are_installed_locally():
    """solara-assets is a dependency: the page's JavaScript, CSS and fonts never come from a CDN."""
    assert ws.missing_assets() == []


def test_help_names_the_command():
    assert "workshop" in build_parser().format_help()
