"""A local emulator of the Daisys Speak API for tests and demos, plus its pytest plugin (`daisys_ext.testing.plugin`).

from daisys_ext.testing import Emulator
with Emulator(take_seconds=0.3) as emu:
    ...  # point a client at emu.api_url with emu.email / emu.password

``RedisServer`` starts a real redis-server on a free port, for a fleet sharing a ``RedisTokenStore``.

Each name is imported on first use (PEP 562): the pytest plugin imports this package in
every pytest run of every project that installs daisys-ext, so it must cost nothing until
a fixture is used. It never imports the client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._emulator import Emulator
    from ._options import Options
    from ._record import Headers, RecordedRequest
    from ._redis import RedisServer
    from ._webhooks import WebhookDelivery
    from .neuphonic import FakeNeuphonic
    from .vivoka import FakeVivoka

_WHERE = {
    "Emulator": "._emulator",
    "Options": "._options",
    "Headers": "._record",
    "RecordedRequest": "._record",
    "RedisServer": "._redis",
    "WebhookDelivery": "._webhooks",
    "FakeVivoka": ".vivoka",
    "FakeNeuphonic": ".neuphonic",
}

__all__ = [
    "Emulator",
    "FakeNeuphonic",
    "FakeVivoka",
    "Headers",
    "Options",
    "RecordedRequest",
    "RedisServer",
    "WebhookDelivery",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'daisys_ext.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
