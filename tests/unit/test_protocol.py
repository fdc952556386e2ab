"""SessionProtocol without any connection: commands, sorting messages to requests, errors, lost connections."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from daisys_ext import (
    DaisysWebsocketGenerateError,
    DaisysWebsocketStreamError,
    Status,
    StreamMode,
    StreamOptions,
    TakeGenerate,
    VoiceGender,
    VoiceGenerate,
)
from daisys_ext._audio.frames import encode_frame
from daisys_ext._audio.reassembly import Audio, PartEnd
from daisys_ext._audio.wav import wav_header
from daisys_ext._websocket.protocol import END, SessionProtocol, StatusChange, official_item

CHUNKS = StreamOptions(mode=StreamMode.CHUNKS)


def status(request_id: int, take_id: str, value: str) -> str:
    take = {"take_id": take_id, "voice_id": "v1", "text": "Hi.", "status": value, "timestamp_ms": 1}
    return json.dumps({"data": take, "request_id": request_id})


def part(nbytes: int, fill: int) -> bytes:
    return wav_header(22050, 1, 16, nbytes) + bytes([fill]) * nbytes


def chunk_frames(request_id: int, take_id: str, parts: list[bytes], size: int = 50) -> list[bytes]:
    """A whole take in chunks mode, in order: every part split into chunks, end markers included."""
    frames = []
    for p, wav in enumerate(parts):
        first = 44 + size  # as the service sends it: the first chunk holds the whole header
        pieces = [wav[:first]] + [wav[i : i + size] for i in range(first, len(wav), size)]
        frames += [encode_frame(request_id, take_id, p, c, piece) for c, piece in enumerate(pieces)]
        frames.append(encode_frame(request_id, take_id, p, len(pieces)))
    frames.append(encode_frame(request_id, take_id, len(parts), 0))
    return frames


def drain(protocol: SessionProtocol, request_id: int) -> list[Any]:
    items = []
    while (item := protocol.next_item(request_id)) is not None and item is not END:
        items.append(item)
    return items


def take_body(text: str = "Hi.") -> TakeGenerate:
    return TakeGenerate(voice_id="v1", text=text)


def test_commands_are_json_with_ids_counting_up() -> None:
    protocol = SessionProtocol()
    first, text = protocol.take_command(take_body('Say "quotes" \\ safely.'), CHUNKS)
    second, voice = protocol.voice_command(VoiceGenerate(name="Ada", model="m", gender=VoiceGender.FEMALE), None)
    assert (first, second) == (0, 1)
    assert json.loads(text) == {
        "command": "/takes/generate",
        "request_id": 0,
        "stream": {"mode": "chunks"},
        "data": {"voice_id": "v1", "text": 'Say "quotes" \\ safely.'},
    }
    assert json.loads(voice) == {
        "command": "/voices/generate",
        "request_id": 1,
        "data": {"name": "Ada", "model": "m", "gender": "female"},
    }
    assert protocol.in_flight == [0, 1]


def test_two_interleaved_requests_each_come_out_whole_and_in_order() -> None:
    protocol = SessionProtocol()
    a, _ = protocol.take_command(take_body(), CHUNKS)
    b, _ = protocol.take_command(take_body(), CHUNKS)
    frames_a = chunk_frames(a, "ta", [part(120, 1), part(80, 2)])
    frames_b = chunk_frames(b, "tb", [part(60, 3)])
    messages = [status(a, "ta", "waiting"), status(b, "tb", "waiting"), *frames_a, *frames_b]
    random.Random(7).shuffle(messages)
    for message in [*messages, status(a, "ta", "ready"), status(b, "tb", "ready")]:
        assert protocol.receive(message) == []  # no callbacks: everything is kept for iteration
    for request_id, take_id, pcm in ((b, "tb", b"\3" * 60), (a, "ta", b"\1" * 120 + b"\2" * 80)):
        items = drain(protocol, request_id)
        assert protocol.next_item(request_id) is END
        audio = b"".join(item.pcm for _, item in items if isinstance(item, Audio))
        assert audio == pcm
        assert {t for t, _ in items} == {take_id}
        # Statuses may come out before or after audio (they arrive in any order), but the last is ready.
        assert [i.info.status for _, i in items if isinstance(i, StatusChange)][-1] == Status.READY
    assert protocol.in_flight == []


def test_callbacks_get_the_official_arguments() -> None:
    protocol = SessionProtocol()
    seen: list[tuple[str, Any]] = []
    request_id, _ = protocol.take_command(
        take_body(),
        None,
        status_callback=lambda rid, take: seen.append(("status", (rid, take.status))),
        audio_callback=lambda **kw: seen.append(("audio", kw)),
    )
    protocol.receive(status(request_id, "t1", "waiting"))[0]()
    for call in protocol.receive(encode_frame(request_id, "t1", 1, None, part(10, 2))):
        call()
    assert seen == [("status", (0, Status.WAITING))]  # part 1 waits for part 0
    for message in (encode_frame(request_id, "t1", 0, None, part(10, 1)), encode_frame(request_id, "t1", 2)):
        for call in protocol.receive(message):
            call()
    audio = [kw for kind, kw in seen if kind == "audio"]
    assert [(kw["part_id"], kw["chunk_id"], kw["audio"] is None) for kw in audio] == [
        (0, None, False),
        (1, None, False),
        (2, None, True),
    ]
    assert audio[0] == {"request_id": 0, "take_id": "t1", "part_id": 0, "chunk_id": None, "audio": part(10, 1)}


def test_a_worker_error_fails_only_its_request() -> None:
    protocol = SessionProtocol()
    good, _ = protocol.take_command(take_body(), None)
    bad, _ = protocol.take_command(take_body(), None)
    error = {"status": "error", "message": "Voice v9 not found", "request_id": bad, "model": "m"}
    assert protocol.receive(json.dumps(error)) == []
    assert protocol.in_flight == [good]
    raised = protocol.pop_error()
    assert isinstance(raised, DaisysWebsocketGenerateError) and raised.request_id == bad
    assert "Voice v9 not found" in str(raised)
    assert protocol.pop_error() is None  # raised once by update()...
    with pytest.raises(DaisysWebsocketGenerateError):
        protocol.next_item(bad)  # ...and again for whoever iterates it
    with pytest.raises(DaisysWebsocketGenerateError):
        protocol.next_item(bad)
    assert protocol.next_item(good) is None


def test_messages_about_the_connection_or_no_request() -> None:
    protocol = SessionProtocol()
    ready = {"status": "ready", "message": "Worker ready", "request_id": None, "model": "m"}
    assert protocol.receive(json.dumps(ready)) == []
    with pytest.raises(DaisysWebsocketStreamError, match="reported an error: bad command"):
        protocol.receive(json.dumps({"status": "error", "message": "bad command", "request_id": None}))
    with pytest.raises(DaisysWebsocketStreamError, match="never made"):
        protocol.receive(status(5, "t", "waiting"))
    with pytest.raises(DaisysWebsocketStreamError, match="not JSON"):
        protocol.receive("{nope")
    with pytest.raises(DaisysWebsocketStreamError, match=r"cannot be read: .*magic"):
        protocol.receive(b"RIFF....")
    with pytest.raises(DaisysWebsocketStreamError, match="no such request"):
        protocol.next_item(9)


def test_late_copies_for_a_complete_request_are_ignored() -> None:
    protocol = SessionProtocol()
    request_id, _ = protocol.take_command(take_body(), None)
    for message in (encode_frame(0, "t", 0, None, part(4, 1)), encode_frame(0, "t", 1), status(0, "t", "ready")):
        protocol.receive(message)
    kinds = [type(item).__name__ for _, item in drain(protocol, request_id)]
    assert kinds == ["PartStart", "Audio", "PartEnd", "TakeEnd", "StatusChange"]
    assert protocol.next_item(request_id) is END
    protocol.receive(encode_frame(0, "t", 1))
    protocol.receive(status(0, "t", "ready"))
    assert protocol.ignored == 2


def test_a_broken_stream_fails_its_request_with_what_was_wrong() -> None:
    protocol = SessionProtocol(max_buffered_frames=2)
    request_id, _ = protocol.take_command(take_body(), CHUNKS)
    for c in (3, 4):
        protocol.receive(encode_frame(0, "t", 0, c, b"xx"))
    protocol.receive(encode_frame(0, "t", 0, 5, b"xx"))
    with pytest.raises(DaisysWebsocketStreamError, match="too much out-of-order audio"):
        protocol.next_item(request_id)


def test_a_lost_connection_resends_unanswered_commands_and_fails_the_rest() -> None:
    protocol = SessionProtocol()
    under_way, _ = protocol.take_command(take_body(), CHUNKS)
    unanswered, command = protocol.take_command(take_body(), None)
    all_audio, _ = protocol.take_command(take_body(), None)
    protocol.receive(status(under_way, "t0", "started"))
    protocol.receive(encode_frame(under_way, "t0", 0, 0, part(4, 1)))
    for message in (encode_frame(all_audio, "t2", 0, None, part(4, 1)), encode_frame(all_audio, "t2", 1)):
        protocol.receive(message)
    assert protocol.connection_lost('code 1011, "restarting"') == [command]
    assert protocol.in_flight == [unanswered]
    with pytest.raises(DaisysWebsocketStreamError) as raised:
        drain(protocol, under_way)
    message = str(raised.value)
    assert 'code 1011, "restarting"' in message and "status started" in message
    assert "awaiting part 0 chunk 1" in message and "take t0" in message
    # All of its audio had arrived: it ends without its final status rather than failing.
    assert [type(item).__name__ for _, item in drain(protocol, all_audio)] == [
        "PartStart",
        "Audio",
        "PartEnd",
        "TakeEnd",
    ]
    assert protocol.next_item(all_audio) is END
    assert protocol.connection_lost("closed by the user", resend=False) == []
    with pytest.raises(DaisysWebsocketStreamError, match="closed by the user"):
        protocol.next_item(unanswered)


def test_iter_items_match_the_official_tuples() -> None:
    protocol = SessionProtocol()
    request_id, _ = protocol.take_command(take_body(), CHUNKS)
    wav = part(8, 5)
    for message in (
        status(0, "t", "waiting"),
        *[encode_frame(0, "t", 0, 0, wav[:46]), encode_frame(0, "t", 0, 1, wav[46:]), encode_frame(0, "t", 0, 2)],
        encode_frame(0, "t", 1, 0),
        status(0, "t", "ready"),
    ):
        protocol.receive(message)
    tuples = [official_item(t, item) for t, item in drain(protocol, request_id)]
    official = [x for x in tuples if x is not None]
    assert [(t, None if take is None else take.status, header, audio) for t, take, header, audio in official] == [
        ("t", Status.WAITING, None, None),
        ("t", None, wav[:44], wav[44:46]),
        ("t", None, None, wav[46:]),
        ("t", None, None, None),  # the chunks-mode end of part
        ("t", Status.READY, None, None),
    ]


@settings(max_examples=60, deadline=None)
@given(
    layouts=st.lists(st.lists(st.integers(1, 300), min_size=0, max_size=3), min_size=1, max_size=4),
    seed=st.integers(0, 2**32 - 1),
    chunk=st.integers(10, 120),
)
def test_any_interleaving_of_requests_loses_nothing(layouts: list[list[int]], seed: int, chunk: int) -> None:
    """Several requests in flight, their frames and statuses shuffled together: each comes out whole."""
    protocol = SessionProtocol()
    messages: list[str | bytes] = []
    expected = {}
    for sizes in layouts:
        request_id, _ = protocol.take_command(take_body(), CHUNKS)
        take_id = f"t{request_id}"
        parts = [part(n, request_id + 1) for n in sizes]
        expected[request_id] = b"".join(p[44:] for p in parts)
        messages += [status(request_id, take_id, "waiting"), *chunk_frames(request_id, take_id, parts, chunk)]
    random.Random(seed).shuffle(messages)
    messages += [status(r, f"t{r}", "ready") for r in expected]
    for message in messages:
        protocol.receive(message)
    for request_id in reversed(expected):  # read the last request first
        items = drain(protocol, request_id)
        assert b"".join(bytes(i.pcm) for _, i in items if isinstance(i, Audio)) == expected[request_id]
        assert sum(isinstance(i, PartEnd) for _, i in items) == len(layouts[request_id])
        assert protocol.next_item(request_id) is END
