"""`python -m bench` (make bench): the core benchmark, then the issuer and verifier ones if present."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

from bench import core

# Written by others; each, when present, has a `main()` that prints its own table.
OTHER_MODULES = ("bench.issuer", "bench.verifier")


def _heading(title: str) -> None:
    print(f"\n{'=' * 78}\n{title}\n{'=' * 78}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--iterations", type=int, default=50, help="per core operation")
    args = parser.parse_args(argv)
    _heading("standards core (vc/): sign and verify a degree credential")
    status = core.main(["--iterations", str(args.iterations)])
    for name in OTHER_MODULES:
        if importlib.util.find_spec(name) is None:
            _heading(f"{name}: not present, skipped")
            continue
        _heading(name)
        module = importlib.import_module(name)
        saved = sys.argv
        sys.argv = [name]  # their own argument parsing must not see ours
        try:
            result = module.main()
        finally:
            sys.argv = saved
        status = status or (result if isinstance(result, int) else 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
