"""Subcommands: the dispatch table, each command's module named, not imported.

``diplomat verify`` needs none of the issuer's database layer, and ``diplomat --version`` needs
nothing at all, so a command's module is imported only when that command runs (or when every
parser is asked for): the table holds each top-level command's module and the one line its help
shows, as pip's table of commands does. A module's ``register(sub)`` adds the parsers of the
commands the table gives it, with ``add_command`` (the help line comes from here, once).
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Command:
    module: str  # diplomat.commands.<module>, whose register() adds this command's parser
    summary: str  # the line `diplomat --help` shows


_ISSUER = "issuer"  # the module of seven commands

# In the order `diplomat --help` lists them.
COMMANDS: dict[str, Command] = {
    "keys": Command("keys", "generate and inspect signing keys"),
    "sign": Command("sign", "sign a credential (prints the signed credential)"),
    "verify": Command(
        "verify",
        "verify a degree credential (exit 0 genuine and in force, 1 not, 2 could not check or "
        "input error)",
    ),
    "serve": Command("serve", "run a web app under gunicorn"),
    "issuer": Command(_ISSUER, "set up the issuer's identity and keys"),
    "issue": Command(_ISSUER, "issue a cohort of degrees from a CSV or JSON file"),
    "revoke": Command(_ISSUER, "revoke a credential (final)"),
    "suspend": Command(_ISSUER, "suspend a credential"),
    "reinstate": Command(_ISSUER, "lift a suspension"),
    "tokens": Command(_ISSUER, "API bearer tokens"),
    "users": Command(_ISSUER, "console users"),
    "mail": Command("mail", "e-mail to graduates (the outbox)"),
    "registry": Command("registry", "build, sign and inspect accreditation registries"),
    "conventions": Command("conventions", "show and update the recognition-conventions data"),
    "demo": Command("demo", "run the issuer and verifier with a demo degree"),
    "config": Command("config", "show the effective configuration"),
}


def add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, **options: Any
) -> argparse.ArgumentParser:
    """The parser of top-level command ``name``, its help line from the table."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=COMMANDS[name].summary, **options)
    return parser


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], loaded: Iterable[str] | None = None
) -> None:
    """Every command's parser on ``sub``: in full for the commands named in ``loaded`` (their
    modules imported; None: all of them), as a bare entry with its help line for the rest (enough
    for `diplomat --help` and for refusing an unknown command)."""
    wanted = {COMMANDS[name].module for name in (COMMANDS if loaded is None else loaded)}
    registered: set[str] = set()
    for name, command in COMMANDS.items():
        if command.module not in wanted:
            add_command(sub, name)
        elif command.module not in registered:
            module = importlib.import_module(f"diplomat.commands.{command.module}")
            module.register(sub)
            registered.add(command.module)
