"""Another service's frames through the same reassembler: only a `FrameDecoder` of its own is needed.

Neuphonic's websocket (../shared/docs/neuphonic-websocket.md) sends JSON text messages with base64 raw PCM
(22050 Hz, mono, 16-bit) and no ids: its decoder numbers the messages as parts (parts mode: each arrives
whole), and an empty message is the end-of-take marker. Nothing in `frames.py` or `reassembly.py` knows of it.
"""

from __future__ import annotations

import base64
import json

from daisys_ext.audio import (
    Audio,
    AudioFrame,
    FrameDecoder,
    FrameError,
    Message,
    PartStart,
    Reassembler,
    TakeEnd,
    assemble_wav,
)


class NeuphonicDecoder:
    """Neuphonic's ``{"version", "timestamp", "data": {"audio": base64, "text"}}`` messages as `AudioFrame`s."""

    def __init__(self, request_id: str = "neuphonic") -> None:
        self.request_id = request_id
        self._count = 0

    def decode(self, message: Message) -> AudioFrame:
        if not isinstance(message, str):
            raise FrameError("Neuphonic sends JSON text messages")
        audio = base64.b64decode(json.loads(message)["data"]["audio"])
        part, self._count = self._count, self._count + 1
        return AudioFrame(self.request_id, "stream", part, None, memoryview(audio))


def neuphonic(audio: bytes, text: str = "word ") -> str:
    data = {"audio": base64.b64encode(audio).decode(), "text": text}
    return json.dumps({"version": "1.0.0", "timestamp": "2024-07-15T11:59:27.619054", "data": data})


def test_a_neuphonic_stream_through_the_daisys_reassembler() -> None:
    decoder = NeuphonicDecoder()
    assert isinstance(decoder, FrameDecoder)
    words = [bytes([n]) * (200 + n) for n in range(1, 6)]
    reassembler = Reassembler(wav_headers=False)  # raw PCM: no WAV header to look for
    events = []
    for message in [*(neuphonic(w) for w in words), neuphonic(b"", "")]:
        events += reassembler.feed(decoder.decode(message))
    assert reassembler.done and isinstance(events[-1], TakeEnd)
    assert isinstance(events[0], PartStart) and events[0].format is None
    assert b"".join(bytes(e.data) for e in events if isinstance(e, Audio)) == b"".join(words)
    assert assemble_wav(events, raw=True) == b"".join(words)
