"""``python -m daisys_ext.cli``: the ``daisys`` command."""

from __future__ import annotations

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
