"""python -m conformance: see conformance.run."""

import sys

from conformance.run import main

sys.exit(main(sys.argv[1:]))
