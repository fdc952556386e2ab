"""Vivoka's local voice synthesis: ``VivokaClient`` and ``AsyncVivokaClient``, and its wire format's `FrameDecoder`.

```python
from daisys_ext.peers.vivoka import VivokaClient

with VivokaClient("http://localhost:39806") as vivoka:
    print(vivoka.voices())                                   # {voice_id: description, ...}
    vivoka.speak("I want a coffee", "coffee.wav")            # the first voice, a WAV at the service's rate
    with vivoka.synthesize_stream("I want a coffee") as stream:
        rate = stream.sample_rate                            # known before the audio
        for pcm in stream:                                   # raw PCM as it is generated
            ...
```

``daisys_ext.testing.vivoka.FakeVivoka`` is a local fake of the service for tests.
"""

from __future__ import annotations

import contextlib

from .._async.vivoka import AsyncVivokaClient, AsyncVivokaStream
from .._peers.common import PcmFormat, Spoken
from .._peers.errors import (
    PeerConnectError,
    PeerError,
    PeerResponseError,
    PeerServiceError,
    PeerStreamError,
    VivokaError,
)
from .._peers.vivoka import AUDIO_PREFIX, DEFAULT_URL, VivokaFrameDecoder
from .._sync.vivoka import VivokaClient, VivokaStream

__all__ = [
    "AUDIO_PREFIX",
    "DEFAULT_URL",
    "AsyncVivokaClient",
    "AsyncVivokaStream",
    "PcmFormat",
    "PeerConnectError",
    "PeerError",
    "PeerResponseError",
    "PeerServiceError",
    "PeerStreamError",
    "Spoken",
    "VivokaClient",
    "VivokaError",
    "VivokaFrameDecoder",
    "VivokaStream",
]

# Shown as daisys_ext.peers.vivoka.X, where users import them from.
for _name in ("AsyncVivokaClient", "AsyncVivokaStream", "VivokaClient", "VivokaFrameDecoder", "VivokaStream"):
    with contextlib.suppress(AttributeError, TypeError):
        globals()[_name].__module__ = __name__
