"""``python -m faktura.cli``: the ``faktura`` command."""

import sys

from faktura.cli import main

if __name__ == "__main__":
    sys.exit(main())
