"""`python -m sim ...` is the `cogov` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
