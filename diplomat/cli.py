"""The `diplomat` command: parse arguments, call the core or a service, print. Nothing more.

Exit codes: 0 success / verified, 1 not verified, 2 usage or input error.
Human lines go to stderr; machine output (signed documents, --json reports) to stdout.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from collections.abc import Callable, Sequence

from vc.errors import DiplomatError

EXIT_OK, EXIT_NOT_VERIFIED, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise SystemExit(f"diplomat: {message}") from None


class _Reparse(Exception):
    """The parser of one command refused argv: the whole parser reads it again."""


class _OneCommandParser(_Parser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Reparse(message)


def version() -> str:
    """The installed distribution's version (``diplomat --version``)."""
    try:
        return importlib.metadata.version("diplomat")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "unknown (not installed)"


def _add_globals(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--home",
        default=default,
        metavar="DIR",
        help="the data home: keys, databases, var/, data sets (else $DIPLOMAT_HOME, else "
        "./diplomat-data)",
    )
    parser.add_argument(
        "--config",
        default=default,
        metavar="FILE",
        help="the configuration file (else $DIPLOMAT_CONFIG, else <home>/diplomat.toml)",
    )


def _add_globals_everywhere(parser: argparse.ArgumentParser) -> None:
    """--home and --config after any subcommand too (``diplomat demo --home DIR``); a subcommand
    leaves the value given before it alone unless it is repeated there."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                _add_globals(child, argparse.SUPPRESS)
                _add_globals_everywhere(child)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: every command's in full when ``argv`` is None, else only the
    named command's (its module imported; the others listed with their help line)."""
    from diplomat import commands

    kind = _Parser if argv is None else _OneCommandParser
    parser: argparse.ArgumentParser = kind(
        prog="diplomat", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--version", action="version", version=f"diplomat {version()}")
    _add_globals(parser, None)
    sub = parser.add_subparsers(dest="command", required=True)
    commands.register(sub, None if argv is None else _named_command(argv))
    _add_globals_everywhere(parser)
    return parser


def _named_command(argv: Sequence[str]) -> list[str]:
    """The command ``argv`` names, as the full parser would read it ([] for none or an unknown
    one: the bare entries are enough to print the help or refuse it)."""
    from diplomat.commands import COMMANDS

    first = argparse.ArgumentParser(add_help=False)  # abbreviations (--hom) as the full parser
    _add_globals(first, None)
    first.add_argument("command", nargs="?")
    try:
        known, _rest = first.parse_known_args(list(argv))
    except SystemExit:  # e.g. --home without its value: the full parser says so
        return []
    return [known.command] if known.command in COMMANDS else []


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    """``argv`` read with only its command's module imported. Should that parser refuse it, or
    pick a command it holds only as a bare entry, the whole parser reads it again (and says what
    is wrong with it, if anything)."""
    try:
        args = build_parser(argv).parse_args(argv)
    except _Reparse:
        return build_parser().parse_args(argv)
    if not hasattr(args, "handler"):
        return build_parser().parse_args(argv)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    try:
        args = _parse(argv)
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return EXIT_USAGE
        return EXIT_OK if exc.code in (0, None) else EXIT_USAGE
    handler: Handler = args.handler
    try:
        return handler(args)
    except DiplomatError as exc:
        print(f"diplomat: {exc.title}: {exc.detail}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("diplomat: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
