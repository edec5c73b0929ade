"""`diplomat serve issuer|verifier`: run a Diplomat web app on the development server.

For production run the WSGI app under gunicorn (``gunicorn issuer.wsgi:app``). Each app is a row
of APPS: a factory building the Flask app from the environment, and its default port.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from diplomat.commands.common import environ

if TYPE_CHECKING:
    from flask import Flask

AppFactory = Callable[[Mapping[str, str]], "Flask"]


def _issuer_app(environ: Mapping[str, str]) -> Flask:
    from issuer.config import IssuerConfig
    from issuer.web import create_app

    return create_app(IssuerConfig.from_env(environ))


# name -> (factory, default port). Adding an app is one line here.
APPS: dict[str, tuple[AppFactory, int]] = {
    "issuer": (_issuer_app, 8001),
    "verifier": (lambda environ: __import__("verifier.wsgi").wsgi.app_from_env(environ), 8002),
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run a web app on the development server")
    serve.add_argument("app", choices=sorted(APPS), help="which app to serve")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (issuer 8001, verifier 8002)")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from werkzeug.serving import run_simple

    factory, default_port = APPS[args.app]
    port = args.port if args.port is not None else default_port
    app = factory(environ(args))
    print(
        f"serving the {args.app} on http://{args.host}:{port}/ (development server; "
        "use gunicorn in production)",
        file=sys.stderr,
    )
    run_simple(args.host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    return 0
