"""SessionProtocol without any connection: commands, sorting messages to requests, errors, lost connections."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from daisys_ext import (
    DaisysTakeGenerateError,
    DaisysTimeoutError,
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
from daisys_ext._audio.reassembly import Audio, PartEnd, Reassembler
from daisys_ext._audio.wav import wav_header
from daisys_ext._websocket.output import AudioOut
from daisys_ext._websocket.protocol import (
    _TRANSITIONS,
    END,
    FAILED_TAKE_GRACE,
    MAX_PENDING_ERRORS,
    IllegalTransition,
    SessionProtocol,
    State,
    StatusChange,
    _Request,
    official_item,
)

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
    """None of them is raised out of receive() (that is, out of whichever request reads); update() raises them."""
    protocol = SessionProtocol()
    ready = {"status": "ready", "message": "Worker ready", "request_id": None, "model": "m"}
    assert protocol.receive(json.dumps(ready)) == []
    assert protocol.pop_error() is None
    messages = [
        json.dumps({"status": "error", "message": "bad command", "request_id": None}),
        status(5, "t", "waiting"),
        "{nope",
        b"RIFF....",
    ]
    for message in messages:
        assert protocol.receive(message) == []
    errors = [protocol.pop_error() for _ in messages]
    assert isinstance(errors[0], DaisysWebsocketGenerateError) and "reported an error: bad command" in str(errors[0])
    assert isinstance(errors[1], DaisysWebsocketStreamError) and "never made" in str(errors[1])
    assert isinstance(errors[2], DaisysWebsocketStreamError) and "not JSON" in str(errors[2])
    assert isinstance(errors[3], DaisysWebsocketStreamError)
    assert re.search(r"cannot be read: .*magic", str(errors[3]))
    assert protocol.pop_error() is None
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
    # All of its audio had arrived, but not its final status: it fails too, saying what had come.
    with pytest.raises(DaisysWebsocketStreamError) as raised:
        drain(protocol, all_audio)
    message = str(raised.value)
    assert "restarting" in message and "2 audio frames in order" in message and "missing: its final status" in message
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


# -- worker errors in either order, messages that belong to no request ---------------------------------------------


def worker_error(request_id: object, message: str = "Generation failed") -> str:
    return json.dumps({"status": "error", "message": message, "request_id": request_id, "model": "m"})


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def iterate(
    protocol: SessionProtocol, request_id: int, clock: Clock | None = None, items: list[Any] | None = None
) -> list[Any]:
    """What iter_request gives of a request (into ``items``), the clock moved past each wait; its error after them."""
    items = [] if items is None else items
    while (item := protocol.next_item(request_id, raise_failed_take=True)) is not END:
        if item is None:
            wake = protocol.wake_at(request_id)
            assert clock is not None and wake is not None, "nothing more will come"
            clock.now = max(clock.now, wake)
        else:
            items.append(item)
    return items


def test_an_error_after_the_final_status_fails_no_other_request() -> None:
    """The worker reports a failed take twice: its status error, then an error message for the same request.
    Its iteration raises the message after the statuses; the message goes nowhere else."""
    protocol = SessionProtocol()
    failed, _ = protocol.take_command(take_body(), None)
    other, _ = protocol.take_command(take_body(), None)
    protocol.receive(status(failed, "t0", "waiting"))
    protocol.receive(status(other, "t1", "waiting"))
    protocol.receive(status(failed, "t0", "error"))
    items = []
    while isinstance(item := protocol.next_item(failed, raise_failed_take=True), tuple):
        items.append(item)
    assert [i.info.status for _, i in items] == [Status.WAITING, Status.ERROR]
    assert item is None  # the worker's message is awaited a moment
    assert protocol.receive(worker_error(failed)) == []  # not raised out of whoever reads the socket
    with pytest.raises(DaisysWebsocketGenerateError, match="Generation failed") as raised:
        protocol.next_item(failed, raise_failed_take=True)
    assert raised.value.request_id == failed
    assert [i.info.status for _, i in drain(protocol, other)] == [Status.WAITING]  # the other request goes on
    assert protocol.next_item(other) is None
    assert protocol.in_flight == [other]
    assert protocol.receive(worker_error(failed, "said twice")) == []
    assert protocol.pop_error() is None  # consumed by the iteration: update() has nothing to raise
    with pytest.raises(DaisysWebsocketGenerateError):  # a late look says the same
        protocol.next_item(failed)


@pytest.mark.parametrize("order", ["status_then_message", "message_then_status"])
def test_a_failed_take_raises_from_its_iteration_in_either_order(order: str) -> None:
    clock = Clock()
    protocol = SessionProtocol(clock=clock)
    failed, _ = protocol.take_command(take_body(), None)
    protocol.receive(status(failed, "t0", "waiting"))
    pair = [status(failed, "t0", "error"), worker_error(failed, "Voice broke")]
    for message in pair if order == "status_then_message" else reversed(pair):
        protocol.receive(message)
    items: list[Any] = []
    with pytest.raises(DaisysWebsocketGenerateError, match="Voice broke") as raised:
        iterate(protocol, failed, None, items)  # no wait: both halves are in
    assert raised.value.request_id == failed
    assert [i.info.status for _, i in items] == [Status.WAITING, Status.ERROR]
    assert protocol.pop_error() is None
    protocol.receive(worker_error(failed, "late again"))
    assert protocol.pop_error() is None


@pytest.mark.parametrize("order", ["status_then_message", "message_then_status"])
def test_a_failed_take_whose_report_comes_in_halves_is_awaited_briefly(order: str) -> None:
    """The iteration reads the first half, waits (a moment, not for ever) for the second, then raises."""
    clock = Clock()
    protocol = SessionProtocol(clock=clock)
    failed, _ = protocol.take_command(take_body(), None)
    protocol.receive(status(failed, "t0", "waiting"))
    first, second = [status(failed, "t0", "error"), worker_error(failed, "Voice broke")][
        :: 1 if order[0] == "s" else -1
    ]
    protocol.receive(first)
    seen = []
    while isinstance(item := protocol.next_item(failed, raise_failed_take=True), tuple):
        seen.append(item)
    assert item is None and protocol.wake_at(failed) == clock.now + FAILED_TAKE_GRACE
    clock.now += FAILED_TAKE_GRACE / 2
    protocol.receive(second)
    with pytest.raises(DaisysWebsocketGenerateError, match="Voice broke"):
        iterate(protocol, failed, clock, seen)
    assert [i.info.status for _, i in seen if isinstance(i, StatusChange)] == [Status.WAITING, Status.ERROR]
    assert protocol.pop_error() is None


def test_a_failed_take_without_the_workers_message_raises_after_the_grace() -> None:
    clock = Clock()
    protocol = SessionProtocol(clock=clock)
    failed, _ = protocol.take_command(take_body(), None)
    protocol.receive(status(failed, "t0", "error"))
    start = clock.now
    with pytest.raises(DaisysWebsocketGenerateError, match="ended with status error") as raised:
        iterate(protocol, failed, clock)
    assert raised.value.request_id == failed and clock.now == start + FAILED_TAKE_GRACE
    protocol.receive(worker_error(failed, "too late"))  # consumed: the iteration said it already
    assert protocol.pop_error() is None


def test_other_readers_of_a_failed_take_end_at_its_status_and_consume_its_message() -> None:
    """write_wav and iter_pcm read without raise_failed_take: the status ends them (they raise
    DaisysTakeGenerateError from it), and a message after it is nobody's."""
    protocol = SessionProtocol()
    failed, _ = protocol.take_command(take_body(), None)
    protocol.receive(status(failed, "t0", "error"))
    assert [i.info.status for _, i in drain(protocol, failed)] == [Status.ERROR]
    assert protocol.next_item(failed) is END
    protocol.receive(worker_error(failed))
    assert protocol.pop_error() is None


def test_an_error_after_the_final_status_does_not_change_what_iteration_gives() -> None:
    """Whether or not the request was drained before the error message came, its iteration ends the same way."""
    protocol = SessionProtocol()
    failed, _ = protocol.take_command(take_body(), None)
    for message in (status(failed, "t0", "waiting"), status(failed, "t0", "error"), worker_error(failed)):
        assert protocol.receive(message) == []
    assert protocol.receive(worker_error(failed, "said twice")) == []
    items = []
    with pytest.raises(DaisysWebsocketGenerateError, match="Generation failed"):
        while isinstance(item := protocol.next_item(failed), tuple):
            items.append(item)
    assert [i.info.status for _, i in items if isinstance(i, StatusChange)] == [Status.WAITING, Status.ERROR]
    assert protocol.pop_error() is None  # raised by its iteration


def test_an_error_after_the_final_status_of_a_callback_request_is_raised_once_by_update() -> None:
    protocol = SessionProtocol()
    seen: list[Status] = []
    failed, _ = protocol.take_command(take_body(), None, status_callback=lambda rid, take: seen.append(take.status))
    for message in (status(failed, "t0", "waiting"), status(failed, "t0", "error")):
        for call in protocol.receive(message):
            call()
    assert protocol.in_flight == []
    assert protocol.receive(worker_error(failed)) == []
    assert protocol.receive(worker_error(failed, "said twice")) == []
    raised = protocol.pop_error()
    assert isinstance(raised, DaisysWebsocketGenerateError) and raised.request_id == failed
    assert protocol.pop_error() is None  # a second message about the same request adds nothing
    assert seen == [Status.WAITING, Status.ERROR]


def test_the_final_status_after_an_error_still_reaches_the_status_callback() -> None:
    """The other order: the error message first (update() raises it), the take's final status after."""
    protocol = SessionProtocol()
    seen: list[Status] = []
    failed, _ = protocol.take_command(take_body(), None, status_callback=lambda rid, take: seen.append(take.status))
    other, _ = protocol.take_command(take_body(), None)
    for message in (status(failed, "t0", "waiting"), status(failed, "t0", "started"), worker_error(failed)):
        for call in protocol.receive(message):
            call()
    assert protocol.in_flight == [other]
    raised = protocol.pop_error()
    assert isinstance(raised, DaisysWebsocketGenerateError) and raised.request_id == failed
    for call in protocol.receive(status(failed, "t0", "error")):
        call()
    assert seen == [Status.WAITING, Status.STARTED, Status.ERROR]
    assert protocol.ignored == 0
    assert protocol.pop_error() is None
    with pytest.raises(DaisysWebsocketGenerateError):
        protocol.next_item(failed)
    assert protocol.next_item(other) is None


def test_the_final_status_after_an_error_is_kept_for_iteration_before_the_error() -> None:
    protocol = SessionProtocol()
    failed, _ = protocol.take_command(take_body(), None)
    for message in (status(failed, "t0", "waiting"), worker_error(failed), status(failed, "t0", "error")):
        assert protocol.receive(message) == []
    assert protocol.in_flight == []
    items = []
    with pytest.raises(DaisysWebsocketGenerateError) as raised:
        while isinstance(item := protocol.next_item(failed), tuple):
            items.append(item)
    assert raised.value.request_id == failed
    assert [i.info.status for _, i in items if isinstance(i, StatusChange)] == [Status.WAITING, Status.ERROR]
    assert protocol.pop_error() is None  # raised already, by the iteration


def test_a_final_status_after_a_raised_error_is_not_kept_for_ever() -> None:
    """Once the error was raised to an iteration, a later final status is not kept: nothing would read it."""
    clock = Clock()
    protocol = SessionProtocol(clock=clock)
    failed, _ = protocol.take_command(take_body(), None)
    protocol.receive(status(failed, "t0", "waiting"))
    protocol.receive(worker_error(failed))
    with pytest.raises(DaisysWebsocketGenerateError):
        iterate(protocol, failed, clock)
    protocol.receive(status(failed, "t0", "error"))
    assert protocol.pop_error() is None
    assert failed not in protocol._requests  # nothing left behind


def test_a_request_waiting_for_its_final_status_after_an_error_is_forgotten_with_the_connection() -> None:
    protocol = SessionProtocol()
    failed, _ = protocol.take_command(take_body(), None, status_callback=lambda rid, take: None)
    protocol.receive(status(failed, "t0", "waiting"))
    protocol.receive(worker_error(failed))
    assert isinstance(protocol.pop_error(), DaisysWebsocketGenerateError)
    assert protocol.connection_lost("code 1000", resend=True) == []
    assert protocol._requests == {}


@pytest.mark.parametrize(
    "message",
    [
        {"status": "ready", "message": "Worker ready", "request_id": None, "model": "m"},
        {"status": "ready", "request_id": None},  # a greeting without a message
        {"status": "hello", "message": "a status this client has no name for", "request_id": None},
        {"status": "busy", "message": "about a request", "request_id": 0},
        {"status": 7, "message": "not even a string"},
        {"status": None, "request_id": 0},
        {"greeting": "neither data nor status"},
    ],
)
def test_status_messages_the_client_does_not_know_are_logged_and_ignored(
    message: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    protocol = SessionProtocol()
    request_id, _ = protocol.take_command(take_body(), None)
    caplog.set_level("DEBUG", logger="daisys_ext.websocket")
    assert protocol.receive(json.dumps(message)) == []
    assert protocol.pop_error() is None
    assert protocol.in_flight == [request_id]
    assert protocol.next_item(request_id) is None
    assert any(r.name == "daisys_ext.websocket" for r in caplog.records)


def test_an_error_about_no_request_is_raised_by_update_only() -> None:
    """As the official SDK raises it: a generate error when the message names a request id (even null)."""
    protocol = SessionProtocol()
    request_id, _ = protocol.take_command(take_body(), None)
    assert protocol.receive(json.dumps({"status": "error", "message": "bad command", "request_id": None})) == []
    assert protocol.receive(json.dumps({"status": "error", "message": "worker overloaded"})) == []
    assert protocol.next_item(request_id) is None  # nothing of it reaches the request's iteration
    first, second = protocol.pop_error(), protocol.pop_error()
    assert isinstance(first, DaisysWebsocketGenerateError) and first.request_id is None
    assert "bad command" in str(first)
    assert isinstance(second, DaisysWebsocketStreamError) and "worker overloaded" in str(second)
    assert protocol.pop_error() is None
    assert protocol.in_flight == [request_id]
    assert protocol.disagreed is None


NEVER_MADE = {
    "status": lambda: status(5, "t", "waiting"),
    "audio": lambda: encode_frame(6, "t", 0, None, part(4, 1)),
    "string-id": lambda: json.dumps({"data": {}, "request_id": "0"}),
    "no-id": lambda: json.dumps({"data": {"take_id": "t"}}),
    "negative-id": lambda: status(-1, "t", "waiting"),
    "error-message": lambda: worker_error(7, "no request 7"),
    "unreadable-audio": lambda: encode_frame(8, "t", -1),
}


@pytest.mark.parametrize("kind", list(NEVER_MADE))
def test_a_message_for_a_request_never_made_fails_the_requests_in_flight(kind: str) -> None:
    """The worker and the session disagree: the requests in flight fail, saying what arrived, and the
    session is told to replace the connection; requests already over, and later ones, are untouched."""
    protocol = SessionProtocol()
    done, _ = protocol.take_command(take_body(), None)
    for message in (encode_frame(done, "t0", 0, None, part(4, 1)), encode_frame(done, "t0", 1)):
        protocol.receive(message)
    protocol.receive(status(done, "t0", "ready"))
    waiting, _ = protocol.take_command(take_body(), None)
    unanswered, _ = protocol.take_command(take_body(), None)
    protocol.receive(status(waiting, "t1", "started"))
    assert protocol.receive(NEVER_MADE[kind]()) == []
    assert protocol.disagreed is not None and "never made" in protocol.disagreed
    assert protocol.in_flight == []
    for request_id in (waiting, unanswered):
        with pytest.raises(DaisysWebsocketStreamError, match=r"never made.*disagree") as raised:
            drain(protocol, request_id)
        assert raised.value.request_id == request_id
    assert [type(i).__name__ for _, i in drain(protocol, done)][-1] == "StatusChange"
    protocol.connection_opened()  # the session's new connection
    assert protocol.disagreed is None
    later, _ = protocol.take_command(take_body(), None)
    protocol.receive(status(later, "t3", "waiting"))
    assert [i.info.status for _, i in drain(protocol, later)] == [Status.WAITING]


def test_a_message_for_a_request_never_made_with_none_in_flight_is_for_update() -> None:
    protocol = SessionProtocol()
    protocol.receive(status(5, "t", "waiting"))
    protocol.receive(worker_error(6, "no such request"))
    stream, generate = protocol.pop_error(), protocol.pop_error()
    assert isinstance(stream, DaisysWebsocketStreamError) and stream.request_id == 5 and "never made" in str(stream)
    assert isinstance(generate, DaisysWebsocketGenerateError) and generate.request_id == 6
    assert "no such request" in str(generate)
    assert protocol.disagreed is not None


def test_messages_for_abandoned_or_finished_requests_are_dropped_quietly() -> None:
    protocol = SessionProtocol()
    left, _ = protocol.take_command(take_body(), None)
    done, _ = protocol.take_command(take_body(), None)
    protocol.receive(status(left, "t0", "started"))
    protocol.abandon(left)
    for message in (encode_frame(done, "t1", 0, None, part(4, 1)), encode_frame(done, "t1", 1)):
        protocol.receive(message)
    protocol.receive(status(done, "t1", "ready"))
    drain(protocol, done)
    assert protocol.next_item(done) is END
    for message in (
        status(left, "t0", "ready"),
        encode_frame(left, "t0", 0, None, part(4, 1)),
        status(done, "t1", "ready"),
    ):
        assert protocol.receive(message) == []
    assert protocol.disagreed is None and protocol.pop_error() is None
    assert protocol.ignored == 2


@pytest.mark.parametrize(
    ("message", "why"),
    [
        ("{nope", "not JSON"),
        ("[1, 2]", "not an object"),
        (b"RIFF....", "magic"),
        (b"JSON" + (500).to_bytes(4, "little") + b'{"take_id": "t"}', "runs past the end"),
        (b"JSON" + (9).to_bytes(4, "little") + b"{not json", "metadata is not JSON"),
    ],
)
def test_a_message_that_cannot_be_read_fails_every_request_in_flight(message: str | bytes, why: str) -> None:
    """Whose status or audio it was cannot be told: each request that could have lost it fails, with why."""
    protocol = SessionProtocol()
    first, _ = protocol.take_command(take_body(), None)
    second, _ = protocol.take_command(take_body(), None)
    done, _ = protocol.take_command(take_body(), None)
    for m in (encode_frame(done, "t2", 0, None, part(4, 1)), encode_frame(done, "t2", 1), status(done, "t2", "ready")):
        protocol.receive(m)
    assert protocol.receive(message) == []
    assert protocol.in_flight == []
    for request_id in (first, second):
        with pytest.raises(DaisysWebsocketStreamError, match=why) as raised:
            protocol.next_item(request_id)
        assert raised.value.request_id == request_id
    assert [type(i).__name__ for _, i in drain(protocol, done)][-1] == "StatusChange"  # complete before it
    assert protocol.next_item(done) is END
    # With nothing in flight, it is only reported by update().
    assert protocol.receive(message) == []
    error = protocol.pop_error()
    assert isinstance(error, DaisysWebsocketStreamError) and why in str(error)


def test_a_frame_whose_metadata_names_a_request_fails_only_that_request() -> None:
    protocol = SessionProtocol()
    bad, _ = protocol.take_command(take_body(), None)
    good, _ = protocol.take_command(take_body(), None)
    meta = json.dumps({"take_id": "t", "part_id": -1, "request_id": bad}).encode()
    assert protocol.receive(b"JSON" + len(meta).to_bytes(4, "little") + meta) == []
    assert protocol.in_flight == [good]
    with pytest.raises(DaisysWebsocketStreamError, match="part_id") as raised:
        protocol.next_item(bad)
    assert raised.value.request_id == bad
    assert protocol.next_item(good) is None
    meta = json.dumps({"take_id": "t", "part_id": "x", "request_id": 42}).encode()
    assert protocol.receive(b"JSON" + len(meta).to_bytes(4, "little") + meta) == []
    assert protocol.in_flight == []  # a request never made: the worker and the session disagree
    with pytest.raises(DaisysWebsocketStreamError, match=r"part_id.*request 42.*never made"):
        protocol.next_item(good)


def test_errors_about_no_request_are_kept_for_update_only_up_to_a_bound() -> None:
    """A worker spamming messages for requests never made cannot grow the session without end."""
    protocol = SessionProtocol()
    for n in range(MAX_PENDING_ERRORS + 50):
        protocol.receive(status(1000 + n, "t", "waiting"))
    raised = []
    while (error := protocol.pop_error()) is not None:
        raised.append(error)
    assert [e.request_id for e in raised if isinstance(e, DaisysWebsocketStreamError)] == [
        1000 + n for n in range(MAX_PENDING_ERRORS)
    ]
    protocol.receive(status(5000, "t", "waiting"))  # room again once update() raised them
    assert isinstance(protocol.pop_error(), DaisysWebsocketStreamError)


def test_an_abandoned_request_keeps_nothing_and_is_forgotten_when_done() -> None:
    """A caller that stops iterating a request (an interrupted stream) leaves nothing buffered for nobody."""
    protocol = SessionProtocol()
    left, _ = protocol.take_command(take_body(), CHUNKS)
    kept, _ = protocol.take_command(take_body(), CHUNKS)
    frames = chunk_frames(left, "tl", [part(400, 1), part(400, 2)])
    protocol.receive(status(left, "tl", "started"))
    for frame in frames[:3]:
        protocol.receive(frame)
    assert drain(protocol, left)  # the caller read a little, then gave up
    protocol.abandon(left)
    for message in [*frames[3:], worker_error(left), status(left, "tl", "error")]:
        assert protocol.receive(message) == []
    for message in [*chunk_frames(kept, "tk", [part(60, 3)]), status(kept, "tk", "ready")]:
        protocol.receive(message)
    assert protocol.pop_error() is None  # the abandoned request's error is nobody's to raise
    assert b"".join(item.pcm for _, item in drain(protocol, kept) if isinstance(item, Audio)) == b"\3" * 60
    assert protocol.in_flight == []
    with pytest.raises(DaisysWebsocketGenerateError):  # forgotten; a late look at it still says what happened
        protocol.next_item(left)


# -- the request's life: one state, its transitions in one table -----------------------------------------------------


ALL_MOVES = [(a, b) for a in State for b in State if a is not b]


@pytest.mark.parametrize(("start", "target"), ALL_MOVES, ids=[f"{a.name}->{b.name}" for a, b in ALL_MOVES])
def test_every_transition_outside_the_table_is_refused(start: State, target: State) -> None:
    request = _Request(0, "{}", None, None, Reassembler())
    request.state = start
    if target in _TRANSITIONS[start]:
        request.move(target)
        assert request.state is target
    else:
        with pytest.raises(IllegalTransition, match=f"from {start.value} to {target.value}"):
            request.move(target)
        assert request.state is start


def test_the_table_lets_nothing_leave_failed_or_abandoned_and_done_only_to_failed() -> None:
    assert _TRANSITIONS[State.FAILED] == frozenset() and _TRANSITIONS[State.ABANDONED] == frozenset()
    assert _TRANSITIONS[State.DONE] == {State.FAILED}  # a failed take's message after its status
    assert all(State.SENT not in targets for targets in _TRANSITIONS.values())  # nothing is unsent


def test_a_request_goes_through_its_states_as_the_worker_reports() -> None:
    protocol = SessionProtocol()
    request_id, _ = protocol.take_command(take_body(), None)
    assert protocol.state(request_id) is State.SENT
    protocol.receive(status(request_id, "t0", "waiting"))
    assert protocol.state(request_id) is State.ANSWERED
    protocol.receive(encode_frame(request_id, "t0", 0, None, part(4, 1)))
    assert protocol.state(request_id) is State.STREAMING
    protocol.receive(encode_frame(request_id, "t0", 1))
    assert protocol.state(request_id) is State.AUDIO_IN
    protocol.receive(status(request_id, "t0", "ready"))
    assert protocol.state(request_id) is State.DONE
    drain(protocol, request_id)
    assert protocol.next_item(request_id) is END and protocol.state(request_id) is None  # forgotten
    other, _ = protocol.take_command(take_body(), None)
    protocol.receive(status(other, "t1", "ready"))
    assert protocol.state(other) is State.FINAL_STATUS  # its audio is still due
    protocol.receive(encode_frame(other, "t1", 0))
    assert protocol.state(other) is State.DONE
    protocol.abandon(other)
    assert protocol.state(other) is None
    third, _ = protocol.take_command(take_body(), None)
    protocol.abandon(third)
    assert protocol.state(third) is State.ABANDONED and protocol.in_flight == [third]
    protocol.receive(status(third, "t2", "ready"))
    assert protocol.state(third) is None and protocol.in_flight == []


# -- a silent worker ---------------------------------------------------------------------------------------------------


def test_a_silent_worker_fails_the_requests_in_flight_after_the_stall_bound() -> None:
    clock = Clock()
    protocol = SessionProtocol(stall_timeout=30, clock=clock)
    assert protocol.stall_deadline() is None  # nothing owed: no bound runs
    first, _ = protocol.take_command(take_body(), CHUNKS)
    second, _ = protocol.take_command(take_body(), None)
    assert protocol.stall_deadline() == clock.now + 30
    clock.now += 20
    protocol.receive(status(first, "t0", "started"))
    protocol.receive(encode_frame(first, "t0", 0, 0, part(4, 1)[:46]))
    assert protocol.stall_deadline() == clock.now + 30  # any message about a request in flight counts
    clock.now += 29.9
    assert not protocol.check_stall()
    clock.now += 0.1
    assert protocol.check_stall()
    assert protocol.in_flight == []
    with pytest.raises(
        DaisysTimeoutError, match=r"Request 0: .* 30 s \(stall_timeout\).*missing: awaiting part 0 chunk 1"
    ):
        drain(protocol, first)
    with pytest.raises(DaisysTimeoutError, match=r"Request 1: .*no audio has arrived yet; its final status"):
        drain(protocol, second)
    assert protocol.stall_deadline() is None


def test_no_stall_bound_when_disabled() -> None:
    clock = Clock()
    protocol = SessionProtocol(stall_timeout=None, clock=clock)
    protocol.take_command(take_body(), None)
    clock.now += 10**6
    assert protocol.stall_deadline() is None and not protocol.check_stall()


def test_a_lost_connection_after_all_audio_but_before_the_final_status_is_a_stream_error() -> None:
    """Not DaisysTakeGenerateError("... ended with status started"): the stream broke, and says what came."""
    protocol = SessionProtocol()
    request_id, _ = protocol.take_command(take_body(), None)
    protocol.receive(status(request_id, "t0", "started"))
    for message in (encode_frame(request_id, "t0", 0, None, part(40, 1)), encode_frame(request_id, "t0", 1)):
        protocol.receive(message)
    protocol.connection_lost("code 1006")
    items: list[Any] = []
    with pytest.raises(DaisysWebsocketStreamError, match=r"status started.*missing: its final status") as raised:
        while isinstance(item := protocol.next_item(request_id), tuple):
            items.append(item)
    assert raised.value.request_id == request_id
    assert [type(i).__name__ for _, i in items][-1] == "TakeEnd"  # the audio before it is still handed out


# -- a worker that lies ------------------------------------------------------------------------------------------------


def deep(n: int) -> str:
    return "[" * n + "]" * n


def meta_frame(meta: bytes, audio: bytes = b"") -> bytes:
    return b"JSON" + len(meta).to_bytes(4, "little") + meta + audio


LIES = {
    "deep-status": lambda r: '{"data": ' + deep(5000) + f', "request_id": {r}}}',
    "deep-text": lambda r: deep(100_000),
    "huge-int-text": lambda r: '{"data": {}, "request_id": ' + "9" * 5000 + "}",
    "huge-int-in-status": lambda r: (
        json.dumps({"data": {"take_id": "t"}, "request_id": r})[:-1] + ', "n": ' + "1" * 5000 + "}"
    ),
    "deep-metadata": lambda r: meta_frame(deep(5000).encode()),
    "huge-int-metadata": lambda r: meta_frame(b'{"request_id": ' + b"7" * 5000 + b"}"),
    "wav-4294967295-hz": lambda r: encode_frame(r, "t", 0, None, _wav_with(24, 0xFFFFFFFF)),
    "wav-65535-channels": lambda r: encode_frame(r, "t", 0, None, _wav_with(22, 0xFFFF, 2)),
}


def _wav_with(offset: int, value: int, size: int = 4) -> bytes:
    wav = bytearray(part(8, 1))
    wav[offset : offset + size] = value.to_bytes(size, "little")
    return bytes(wav)


@pytest.mark.parametrize("lie", list(LIES))
def test_a_message_that_breaks_the_parsers_is_a_typed_error_of_its_request_or_session(lie: str) -> None:
    protocol = SessionProtocol()
    request_id, _ = protocol.take_command(take_body(), None)
    assert protocol.receive(LIES[lie](request_id)) == []  # never raises
    with pytest.raises((DaisysWebsocketStreamError, DaisysWebsocketGenerateError)) as raised:
        drain(protocol, request_id)
    assert raised.value.request_id == request_id
    assert not isinstance(raised.value.__cause__, RecursionError | ValueError)


@settings(max_examples=80, deadline=None)
@given(
    offset=st.sampled_from([22, 24, 28, 32, 34]),  # channels, sample rate, byte rate, block align, bits
    value=st.integers(0, 2**32 - 1),
    chunks=st.booleans(),
)
def test_any_wav_header_field_gives_audio_or_a_typed_error(offset: int, value: int, chunks: bool) -> None:
    """Each part's WAV header, any value in any fmt field: the request's audio or its typed error, never another."""
    size = 2 if offset in (22, 32, 34) else 4
    wav = bytearray(part(64, 3))
    wav[offset : offset + size] = (value % (1 << (8 * size))).to_bytes(size, "little")
    protocol = SessionProtocol()
    request_id, _ = protocol.take_command(take_body(), CHUNKS if chunks else None)
    frames = (
        chunk_frames(request_id, "t", [bytes(wav)])
        if chunks
        else [
            encode_frame(request_id, "t", 0, None, bytes(wav)),
            encode_frame(request_id, "t", 1),
        ]
    )
    for message in [*frames, status(request_id, "t", "ready")]:
        assert protocol.receive(message) == []
    out = AudioOut()
    out.begin(request_id)
    try:
        for _, item in drain(protocol, request_id):
            out.add(item)
        out.end_request()
        out.close()
    except (DaisysWebsocketStreamError, DaisysTakeGenerateError):
        pass


@settings(max_examples=60, deadline=None)
@given(depth=st.integers(1, 3000), digits=st.integers(1, 9000), text=st.booleans())
def test_any_nesting_or_number_size_never_escapes_receive(depth: int, digits: int, text: bool) -> None:
    protocol = SessionProtocol()
    request_id, _ = protocol.take_command(take_body(), None)
    inner = "[" * depth + "1" * digits + "]" * depth
    if text:
        message: str | bytes = '{"data": {"take_id": "t", "x": ' + inner + '}, "request_id": ' + str(request_id) + "}"
    else:
        message = meta_frame(('{"request_id": ' + str(request_id) + ', "take_id": "t", "x": ' + inner + "}").encode())
    assert protocol.receive(message) == []


def test_the_out_of_order_audio_of_all_requests_is_bounded_together() -> None:
    protocol = SessionProtocol(max_buffered_bytes=1000, max_session_buffered_bytes=1500)
    first, _ = protocol.take_command(take_body(), CHUNKS)
    second, _ = protocol.take_command(take_body(), CHUNKS)
    protocol.receive(encode_frame(first, "t0", 0, 5, b"x" * 900))
    protocol.receive(encode_frame(second, "t1", 0, 5, b"y" * 500))
    protocol.receive(encode_frame(second, "t1", 0, 6, b"y" * 500))  # 1,900 together: over the session's bound
    with pytest.raises(DaisysWebsocketStreamError, match="session's limit of 1500"):
        drain(protocol, second)
    assert protocol.next_item(first) is None  # the first goes on, and may now hold more
    protocol.receive(encode_frame(first, "t0", 0, 6, b"x" * 90))
    assert protocol.next_item(first) is None
