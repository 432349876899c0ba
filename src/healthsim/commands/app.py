"""``healthsim app``: serve the workshop app in a browser (no internet needed)."""

from __future__ import annotations

import argparse
import errno
import importlib.util
import os
import socket
import subprocess
import sys

from healthsim.commands._common import DEFAULT_SEED, UsageError

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
DEFAULT_PORT = 8765


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "app",
        help="open the workshop app in a browser",
        description="Serve the workshop app: watch failure spread through a local economy, "
        "move the regime and squeeze levers, compare two regimes side by side. It needs no "
        "internet; by default only this computer can open it.",
    )
    p.add_argument(
        "scenario",
        nargs="?",
        default="baseline",
        help="scenario file or shipped scenario name to start from (default: baseline)",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer only). Another "
        "address lets other machines on the network open the app.",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"random seed (luck) the app starts with (default {DEFAULT_SEED})",
    )
    p.set_defaults(handler=handle)


def server_command(host: str, port: int) -> list[str]:
    """The Solara server command line (assets served locally, no update check)."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        "healthsim.app.page",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
        "--log-level",
        "warning",
    ]


def server_env(scenario: str, seed: int) -> dict[str, str]:
    """Environment for the server: the start scenario, no calls to the internet
    (Solara's usage telemetry off), and no "This website runs on Solara" badge over the
    page (a Solara theme setting)."""
    from healthsim.app.page_env import ENV_SCENARIO, ENV_SEED

    env = dict(os.environ)
    env[ENV_SCENARIO] = scenario
    env[ENV_SEED] = str(seed)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env["SOLARA_THEME_SHOW_BANNER"] = "False"
    # Solara warns in twelve lines, on every page load, that a session cookie over plain
    # http falls back to samesite=lax: true, and harmless for a room on this computer.
    quiet = f"ignore:{SAMESITE_WARNING}:UserWarning"
    env["PYTHONWARNINGS"] = ",".join(w for w in (env.get("PYTHONWARNINGS"), quiet) if w)
    return env


#: The start of the warning Solara gives for a session cookie over plain http.
SAMESITE_WARNING = "Cookies with samesite=none require https"


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on ``host``:``port`` (port 0: never)."""
    if port == 0:
        return False
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def host_warning(host: str) -> str | None:
    """What to tell someone who serves the app beyond this computer (None if local)."""
    if host in LOCAL_HOSTS:
        return None
    return (
        f"serving on {host}: anyone who can reach this computer on that address can open "
        "the app and run models on it"
    )


def handle(args: argparse.Namespace) -> int:
    from healthsim.config import load_scenario

    # Bad files fail here, with the CLI's one-line errors, before any server starts.
    load_scenario(args.scenario)
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535 (got {args.port})")
    # Mesa's SolaraViz, which the app is built on, imports altair as well as solara.
    missing = [m for m in ("solara", "ipyvuetify", "altair") if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(
            f"the app needs {', '.join(missing)}: install {'it' if len(missing) == 1 else 'them'}"
            " with `pip install 'healthsim[app]'` (or ./install.sh --dev)"
        )
    if importlib.util.find_spec("solara_assets") is None:
        print(
            "healthsim: warning: solara-assets is not installed; the page will try to load "
            "its front end from the internet",
            file=sys.stderr,
        )
    if port_in_use(args.host, args.port):
        raise UsageError(
            f"--port {args.port}: something is already using port {args.port} on {args.host} "
            "(another healthsim app?); stop it or choose another port with --port"
        )
    warning = host_warning(args.host)
    if warning:
        print(f"healthsim: warning: {warning}", file=sys.stderr)
    scenario = args.scenario
    if os.path.exists(scenario):
        scenario = os.path.abspath(scenario)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"healthsim app: open http://{shown}:{args.port} in a browser (Ctrl+C stops it)")
    cmd, env = server_command(args.host, args.port), server_env(scenario, args.seed)
    sys.stdout.flush()
    if os.name == "posix":
        # Become the server, so signals (Ctrl+C, a test's terminate) reach it directly.
        os.execve(cmd[0], cmd, env)
    try:  # pragma: no cover - Windows
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:  # pragma: no cover
        return 0
