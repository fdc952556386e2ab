"""The ``daisys`` command: speech from a shell with the Daisys Speak API.

``daisys say``, ``models``, ``voices``, ``takes``, ``voice create|delete``, ``take
audio|delete``, ``batch``, ``login``, ``logout`` and ``emulator``; ``daisys --help`` says
more. Installed as a console script (``[project.scripts]``), or run as
``python -m daisys_ext.cli``. Nothing imports this package but its entry points, so
``import daisys_ext`` is unaffected; the terminal library (``rich``, the ``cli`` extra) is
imported only when progress or a table is shown, and the command works without it.
"""

from __future__ import annotations

from ._main import main

__all__ = ["main"]
