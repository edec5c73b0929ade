"""`python -m bench` (make bench): the core benchmark, then the issuer's and the verifier's."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bench import core, issuer, verifier


def _heading(title: str) -> None:
    print(f"\n{'=' * 78}\n{title}\n{'=' * 78}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--iterations", type=int, default=50, help="per core operation")
    args = parser.parse_args(argv)
    _heading("standards core (vc/): sign and verify a degree credential")
    status = core.main(["--iterations", str(args.iterations)])
    for name, module in (("bench.issuer", issuer), ("bench.verifier", verifier)):
        _heading(name)
        result = module.main([])  # always run, whatever the earlier ones returned
        status = status or result
    return status


if __name__ == "__main__":
    sys.exit(main())
