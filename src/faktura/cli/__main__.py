"""``python -m faktura.cli``: the ``faktura`` command."""

import sys

from faktura.cli import main

sys.exit(main())
