"""`diplomat serve issuer|verifier`: run a Diplomat web app under gunicorn.

Settings (a flag wins over its setting: the variable, then diplomat.toml; docs/configuration.md):

    --bind HOST:PORT  DIPLOMAT_BIND     where to listen (default 127.0.0.1:8001 for the issuer,
                                        127.0.0.1:8002 for the verifier); --host/--port also work
    --workers N       DIPLOMAT_WORKERS  worker processes (default 2)
    --threads N       DIPLOMAT_THREADS  threads per worker (default 4)

Every other setting is the app's own (DIPLOMAT_* variables, see issuer.config and
verifier.config). Log lines, gunicorn's included, go to stderr in DIPLOMAT_LOG_FORMAT (``text``
or ``json``); gunicorn's access log stays off because the app writes its own access line, which
never carries a path (share tokens live in paths). With PROMETHEUS_MULTIPROC_DIR set, the
directory is emptied at start-up and ``/metrics`` sums the samples of every worker
(diplomat_ops.metrics).

The app is built once in this process before gunicorn starts, then closed: a wrong setting, an
unreachable database or an unreadable data set ends here with one message and exit code 2,
instead of workers failing to boot. Then this process becomes a small gunicorn master
(diplomat.serving, exec'd: same pid, none of the command line's imports); each worker builds its
own app (no database connection crosses a fork). Only ``diplomat demo`` uses a development server.
"""

from __future__ import annotations

import argparse
import logging
import logging.config
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from diplomat.commands import add_command
from diplomat.commands.common import environ
from diplomat.serving import APPS
from diplomat_ops import logging_config
from vc import settings as settings_table
from vc.errors import MalformedValueError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4
_log = logging.getLogger("diplomat.serve")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = add_command(sub, "serve")
    serve.add_argument("app", choices=sorted(APPS), help="which app to serve")
    serve.add_argument("--bind", help="HOST:PORT to listen on (DIPLOMAT_BIND)")
    serve.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (issuer 8001, verifier 8002)")
    serve.add_argument("--workers", type=int, help="worker processes (DIPLOMAT_WORKERS, 2)")
    serve.add_argument("--threads", type=int, help="threads per worker (DIPLOMAT_THREADS, 4)")
    serve.set_defaults(handler=_serve)


@dataclass(frozen=True)
class ServerSettings:
    """Where and how gunicorn serves (see the module docstring)."""

    bind: str
    workers: int
    threads: int

    @classmethod
    def resolve(cls, args: argparse.Namespace, env: Mapping[str, str], port: int) -> ServerSettings:
        """Flags over the settings bind / workers / threads (DIPLOMAT_BIND, ..., diplomat.toml)
        over the defaults. Raises MalformedValueError naming the flag or setting."""
        settings = settings_table.load(env)
        host_or_port = args.port is not None or args.host != DEFAULT_HOST
        if args.bind and host_or_port:
            raise MalformedValueError("give either --bind or --host/--port, not both")
        if args.bind:
            bind = args.bind
        elif host_or_port:
            bind = f"{args.host}:{args.port if args.port is not None else port}"
        else:
            bind = (settings["bind"] or "").strip() or f"127.0.0.1:{port}"
        if not bind.startswith("unix:") and (":" not in bind or not bind.rsplit(":", 1)[1]):
            raise MalformedValueError(
                f"the bind address must be HOST:PORT or unix:PATH (--bind / DIPLOMAT_BIND), "
                f"got {bind!r}"
            )
        return cls(
            bind=bind,
            workers=_count(args.workers, "--workers", settings.values["workers"]),
            threads=_count(args.threads, "--threads", settings.values["threads"]),
        )


def _count(flag: int | None, option: str, setting: settings_table.Value) -> int:
    value, where = (flag, option) if flag is not None else (setting.value, setting.setting.env)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 256:
        raise MalformedValueError(f"{where} must be from 1 to 256, got {value!r}")
    return int(value)


def _serve(args: argparse.Namespace) -> int:
    served = APPS[args.app]
    env = environ(args)  # with --home / --config applied, as the workers will see it
    settings = ServerSettings.resolve(args, env, served.port)
    log_format = served.log_format(env)  # the app's settings, checked: exit 2 if wrong
    logging.config.dictConfig(logging_config(log_format))
    _log.info(
        "serving the %s on %s with gunicorn: %d workers × %d threads",
        args.app,
        settings.bind,
        settings.workers,
        settings.threads,
    )
    app = served.build(env)  # an unusable database or data set stops here: exit 2
    served.close(app)
    # A fresh, small gunicorn master (diplomat.serving): same pid, same environment.
    sys.stdout.flush()
    sys.stderr.flush()
    command = [sys.executable, "-m", "diplomat.serving", args.app, settings.bind]
    command += [str(settings.workers), str(settings.threads), log_format]
    # glibc gives each thread of a worker its own malloc arena: with --threads, megabytes of
    # mostly empty heap per worker. Two arenas, unless the operator chose otherwise.
    worker_env = {"MALLOC_ARENA_MAX": "2", **env}
    os.execve(sys.executable, command, worker_env)  # noqa: S606 - our own interpreter, fixed argv
    return 0  # pragma: no cover
