"""Clients of two other streaming TTS services, on the same audio interfaces as the Daisys ones.

- `daisys_ext.peers.vivoka`: ``VivokaClient`` / ``AsyncVivokaClient``, Vivoka's local voice
  synthesis (a REST request, then the PCM over a websocket);
- `daisys_ext.peers.neuphonic`: ``NeuphonicClient`` / ``AsyncNeuphonicClient``, Neuphonic's
  websocket TTS (text sent as it comes, PCM back as it is generated).

Both give raw PCM that ``daisys_ext.audio`` plays (``play``, ``aplay``, ``Player``), converts
and writes; each wire format has a `FrameDecoder` for the generic ``Reassembler(wav_headers=False)``.
Their errors are the ``PeerError`` family, all ``DaisysError``s. Local fakes of both services
for tests are in ``daisys_ext.testing.vivoka`` and ``daisys_ext.testing.neuphonic``.

Each name here is imported on first use, so importing this package loads neither httpx nor a
websocket library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._peers.common import PcmFormat as PcmFormat, Spoken as Spoken
    from .._peers.errors import (
        PeerConnectError as PeerConnectError,
        PeerError as PeerError,
        PeerResponseError as PeerResponseError,
        PeerServiceError as PeerServiceError,
        PeerStreamError as PeerStreamError,
        VivokaError as VivokaError,
    )
    from .neuphonic import (
        AsyncNeuphonicClient as AsyncNeuphonicClient,
        NeuphonicClient as NeuphonicClient,
        NeuphonicFrameDecoder as NeuphonicFrameDecoder,
    )
    from .vivoka import (
        AsyncVivokaClient as AsyncVivokaClient,
        AsyncVivokaStream as AsyncVivokaStream,
        VivokaClient as VivokaClient,
        VivokaFrameDecoder as VivokaFrameDecoder,
        VivokaStream as VivokaStream,
    )

_MODULES: dict[str, tuple[str, ...]] = {
    "daisys_ext._peers.common": ("PcmFormat", "Spoken"),
    "daisys_ext._peers.errors": (
        "PeerConnectError",
        "PeerError",
        "PeerResponseError",
        "PeerServiceError",
        "PeerStreamError",
        "VivokaError",
    ),
    "daisys_ext.peers.neuphonic": ("AsyncNeuphonicClient", "NeuphonicClient", "NeuphonicFrameDecoder"),
    "daisys_ext.peers.vivoka": (
        "AsyncVivokaClient",
        "AsyncVivokaStream",
        "VivokaClient",
        "VivokaFrameDecoder",
        "VivokaStream",
    ),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'daisys_ext.peers' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
