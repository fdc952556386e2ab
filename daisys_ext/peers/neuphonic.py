"""Neuphonic's websocket TTS: ``NeuphonicClient`` and ``AsyncNeuphonicClient``, and its wire format's `FrameDecoder`.

```python
from daisys_ext.audio import play
from daisys_ext.peers.neuphonic import NeuphonicClient

with NeuphonicClient(api_key, region="eu-west-1", language="en", speed=1.2) as neuphonic:
    neuphonic.speak("Hello, World!", "hello.wav")                     # mono 22050 Hz 16-bit WAV
    play(neuphonic.stream_text(llm_tokens()), neuphonic.sample_rate)  # spoken while it is written
```

``daisys_ext.testing.neuphonic.FakeNeuphonic`` is a local fake of the service for tests.
"""

from __future__ import annotations

import contextlib

from .._async.neuphonic import AsyncNeuphonicClient
from .._peers.common import PcmFormat, Spoken
from .._peers.errors import PeerConnectError, PeerError, PeerStreamError
from .._peers.neuphonic import (
    DEFAULT_LANGUAGE,
    DEFAULT_REGION,
    FORMAT,
    IDLE_DISCONNECT,
    SPEED_RANGE,
    STOP,
    TEMPERATURE_RANGE,
    NeuphonicFrameDecoder,
)
from .._sync.neuphonic import NeuphonicClient

SAMPLE_RATE = FORMAT.sample_rate

__all__ = [
    "DEFAULT_LANGUAGE",
    "DEFAULT_REGION",
    "FORMAT",
    "IDLE_DISCONNECT",
    "SAMPLE_RATE",
    "SPEED_RANGE",
    "STOP",
    "TEMPERATURE_RANGE",
    "AsyncNeuphonicClient",
    "NeuphonicClient",
    "NeuphonicFrameDecoder",
    "PcmFormat",
    "PeerConnectError",
    "PeerError",
    "PeerStreamError",
    "Spoken",
]

# Shown as daisys_ext.peers.neuphonic.X, where users import them from.
for _name in ("AsyncNeuphonicClient", "NeuphonicClient", "NeuphonicFrameDecoder"):
    with contextlib.suppress(AttributeError, TypeError):
        globals()[_name].__module__ = __name__
