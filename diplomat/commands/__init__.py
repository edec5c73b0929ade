"""Subcommands: each module registers its parsers and handlers; this is the dispatch table."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from diplomat.commands import (
    config,
    conventions,
    demo,
    issuer,
    keys,
    mail,
    registry,
    serve,
    sign,
    verify,
)

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

COMMANDS: tuple[Register, ...] = (
    keys.register,
    sign.register,
    verify.register,
    serve.register,
    issuer.register,
    mail.register,
    registry.register,
    conventions.register,
    demo.register,
    config.register,
)
