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
instead of workers failing to boot. Each worker then builds its own app (no database connection
crosses a fork). Only ``diplomat demo`` uses a development server.
"""

from __future__ import annotations

import argparse
import logging
import logging.config
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from gunicorn.app.base import BaseApplication
from gunicorn.errors import AppImportError

from diplomat.commands.common import environ
from diplomat_ops import logging_config
from vc import settings as settings_table
from vc.errors import DiplomatError, MalformedValueError

if TYPE_CHECKING:
    from flask import Flask

DEFAULT_HOST = "127.0.0.1"
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4
_log = logging.getLogger("diplomat.serve")


def _issuer_log_format(environ: Mapping[str, str]) -> str:
    from issuer.config import IssuerConfig

    return IssuerConfig.from_env(environ).log_format


def _issuer_app(environ: Mapping[str, str]) -> Flask:
    from issuer.config import IssuerConfig
    from issuer.web import create_app

    return create_app(IssuerConfig.from_env(environ))


def _close_issuer(app: Flask) -> None:
    from issuer.web.state import EXTENSION

    app.extensions[EXTENSION].service.close()


def _verifier_log_format(environ: Mapping[str, str]) -> str:
    from verifier.config import VerifierConfig

    return VerifierConfig.from_env(environ).log_format


def _verifier_app(environ: Mapping[str, str]) -> Flask:
    from verifier.wsgi import app_from_env

    return app_from_env(environ)


def _close_verifier(app: Flask) -> None:
    from verifier.web.state import EXTENSION

    app.extensions[EXTENSION].challenges.close()


class ServedApp(NamedTuple):
    """How to build one app from the environment, where it listens, how to release what it
    holds, and how to read its log format (a tuple: ``APPS[name][0]`` builds, ``[1]`` is the
    port)."""

    build: Callable[[Mapping[str, str]], Flask]
    port: int
    close: Callable[[Flask], None]
    log_format: Callable[[Mapping[str, str]], str]


# name -> how to serve it. Adding an app is one row here.
APPS: dict[str, ServedApp] = {
    "issuer": ServedApp(_issuer_app, 8001, _close_issuer, _issuer_log_format),
    "verifier": ServedApp(_verifier_app, 8002, _close_verifier, _verifier_log_format),
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run a web app under gunicorn")
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
    _Gunicorn(served, env, settings, log_format).run()  # returns only through SystemExit
    return 0  # pragma: no cover


def _empty_multiprocess_dir(_arbiter: Any) -> None:
    """gunicorn on_starting: samples of a previous run must not be counted again."""
    from diplomat_ops.metrics import multiprocess_dir

    directory = multiprocess_dir()
    if directory is None:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def _worker_exited(_arbiter: Any, worker: Any) -> None:
    """gunicorn child_exit: a dead worker's live gauges stop counting."""
    from diplomat_ops.metrics import multiprocess_dir

    if multiprocess_dir() is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]  # untyped upstream


class _Gunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped: its base is Any
    """gunicorn run in-process: the settings above, and each worker building its own app."""

    def __init__(
        self,
        served: ServedApp,
        env: Mapping[str, str],
        settings: ServerSettings,
        log_format: str,
    ) -> None:
        self._served = served
        self._env = dict(env)
        self._options: dict[str, Any] = {
            "bind": [settings.bind],
            "workers": settings.workers,
            "threads": settings.threads,
            "worker_class": "gthread",
            "proc_name": "diplomat",
            "accesslog": None,
            "logconfig_dict": logging_config(log_format),
            "on_starting": _empty_multiprocess_dir,
            "child_exit": _worker_exited,
        }
        super().__init__()

    def load_config(self) -> None:
        for name, value in self._options.items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        try:
            return self._served.build(self._env)
        except DiplomatError as exc:
            # gunicorn prints the message (no traceback) and stops: exit code 4.
            raise AppImportError(f"diplomat: {exc.title}: {exc.detail}") from exc
