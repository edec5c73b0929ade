"""The gunicorn master of `diplomat serve`: the served apps' table, gunicorn's hooks, and the
gunicorn application in which each worker builds its own app.

``diplomat serve`` checks the settings and builds the app once (diplomat.commands.serve), then
replaces its process with ``python -m diplomat.serving APP BIND WORKERS THREADS LOG_FORMAT`` (the
same pid, the same environment). The master so imports only gunicorn and this module, not the
whole command line (the issuer's database layer, image libraries...): its workers, forked from
it, start without that memory (a verifier worker's resident set is what verifying needs).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from gunicorn.errors import AppImportError

from vc.errors import DiplomatError

if TYPE_CHECKING:
    from flask import Flask


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


def _worker_ready(worker: Any) -> None:
    """gunicorn post_worker_init: the worker has built its app and is about to serve. gunicorn
    logs "Booting worker" when the process starts; this line says when it can answer (and lets
    a benchmark measure a worker once it is whole)."""
    worker.log.info("Worker ready: %s (app built)", worker.pid)


def _worker_exited(_arbiter: Any, worker: Any) -> None:
    """gunicorn child_exit: a dead worker's live gauges stop counting."""
    from diplomat_ops.metrics import multiprocess_dir

    if multiprocess_dir() is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]  # untyped upstream


class _Logger(glogging.Logger):  # type: ignore[misc]  # gunicorn is untyped
    """gunicorn's logger without its access log. Each app writes its own access line (without
    the path: diplomat_ops.requestlog); gunicorn, seeing a logconfig_dict, would format its
    access atoms for every request only to hand them to a logger with no handler."""

    def access(self, *_args: object) -> None:
        return None


class Gunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped: its base is Any
    """gunicorn run in-process: the settings above, and each worker building its own app."""

    def __init__(
        self,
        served: ServedApp,
        env: Mapping[str, str],
        bind: str,
        workers: int,
        threads: int,
        log_format: str,
    ) -> None:
        from diplomat_ops import logging_config
        from diplomat_ops.logformats import lean_log_records

        lean_log_records()  # in the master, so in every worker it forks

        self._served = served
        self._env = dict(env)
        self._options: dict[str, Any] = {
            "bind": [bind],
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "proc_name": "diplomat",
            "accesslog": None,
            "logconfig_dict": logging_config(log_format),
            "logger_class": _Logger,
            "on_starting": _empty_multiprocess_dir,
            "post_worker_init": _worker_ready,
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


def main(argv: Sequence[str]) -> None:
    """``python -m diplomat.serving APP BIND WORKERS THREADS LOG_FORMAT``: run gunicorn (returns
    only through SystemExit)."""
    app, bind, workers, threads, log_format = argv
    Gunicorn(APPS[app], dict(os.environ), bind, int(workers), int(threads), log_format).run()


if __name__ == "__main__":
    main(sys.argv[1:])
