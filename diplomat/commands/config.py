"""`diplomat config show`: every effective setting, where it came from, secrets masked.

Settings resolve flag > environment (``DIPLOMAT_*``) > configuration file > default; see
docs/configuration.md. Exit codes: 0 shown, 2 a bad setting (named, with its file and line).
"""

from __future__ import annotations

import argparse
import json

from diplomat.commands import add_command
from diplomat.commands.common import settings
from issuer.config import IssuerConfig
from verifier.config import VerifierConfig


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(sub, "config")
    commands = parser.add_subparsers(dest="config_command", required=True)
    show = commands.add_parser("show", help="each setting's value and source (secrets masked)")
    show.add_argument("--json", action="store_true", help="print the settings as JSON")
    show.set_defaults(handler=_show)


def _show(args: argparse.Namespace) -> int:
    resolved = settings(args)
    # What the services would refuse is refused here too, naming the setting and its source.
    IssuerConfig.from_settings(resolved)
    VerifierConfig.from_settings(resolved)
    rows = [(value.setting.name, value.shown(), value.source) for value in resolved.values.values()]
    if args.json:
        print(
            json.dumps({name: {"value": shown, "source": source} for name, shown, source in rows})
        )
        return 0
    width = max(len(name) for name, _, _ in rows)
    value_width = min(max(len(shown) for _, shown, _ in rows), 48)
    for name, shown, source in rows:
        print(f"{name:<{width}}  {shown:<{value_width}}  [{source}]")
    return 0
