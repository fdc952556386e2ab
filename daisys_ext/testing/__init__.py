"""A local emulator of the Daisys Speak API for tests and demos, plus its pytest plugin (`daisys_ext.testing.plugin`).

from daisys_ext.testing import Emulator
with Emulator(take_seconds=0.3) as emu:
    ...  # point a client at emu.api_url with emu.email / emu.password
"""

from ._emulator import Emulator
from ._options import Options
from ._record import Headers, RecordedRequest
from ._webhooks import WebhookDelivery

__all__ = ["Emulator", "Headers", "Options", "RecordedRequest", "WebhookDelivery"]
