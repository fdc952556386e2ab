"""The websocket session's protocol without I/O: commands out, messages in, one state per request.

`Websocket` (on websocket-client) and `AsyncWebsocket` (on websockets) drive one
`SessionProtocol` each. It numbers requests and writes their commands, sorts every
received message to its request (a status, or audio through that request's
`Reassembler`), decides which user callbacks to call and what ``iter_request`` yields,
and what a closed connection costs each request. Only sending, receiving and waiting
differ between the two sessions.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeGuard

from daisys_speak_api.models import (
    Status,
    StreamOptions,
    TakeGenerate,
    TakeResponse,
    VoiceGenerate,
    VoiceInfo,
)

from .._audio import DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_BUFFERED_FRAMES
from .._audio.frames import DaisysFrameDecoder, FrameDecoder, FrameError
from .._audio.reassembly import (
    Event,
    Reassembler,
    ReassemblyError,
    TakeEnd,
    as_callback_args,
    as_iter_item,
)
from .._errors import (
    DaisysTakeGenerateError,
    DaisysWebsocketError,
    DaisysWebsocketGenerateError,
    DaisysWebsocketStreamError,
)
from .._logging import redact_text

# Errors of requests already forgotten, kept for a late iter_request, at most.
MAX_FORGOTTEN_ERRORS = 256

__all__ = ["END", "Call", "SessionProtocol", "StatusChange", "official_item", "ready_info"]

log = logging.getLogger("daisys_ext.websocket")

Info = TakeResponse | VoiceInfo
StatusCallback = Callable[[int, Any], object]
AudioCallback = Callable[..., object]
IterItem = tuple[str | None, Info | None, bytes | None, bytes | None]
Message = str | bytes | bytearray | memoryview
_NAMED_STATUSES = frozenset(status.value for status in Status)
MAX_PENDING_ERRORS = 100  # errors about no request kept for update(); beyond, they are only logged


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A request's take (or voice) changed status; ``info`` is its whole TakeResponse or VoiceInfo."""

    info: Info


Item = StatusChange | Event


class _End:
    def __repr__(self) -> str:
        return "END"


END: Final = _End()
"""What `SessionProtocol.next_item` returns once a request has nothing more to give."""


@dataclass(frozen=True, slots=True)
class Call:
    """A user callback to make, in order, once the message that caused it has been processed."""

    function: Callable[..., object]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __call__(self) -> object:
        return self.function(*self.args, **self.kwargs)


class _Request:
    """One request: its command, callbacks, reassembler, latest status and the items kept for iteration."""

    def __init__(
        self,
        request_id: int,
        command: str,
        status_callback: StatusCallback | None,
        audio_callback: AudioCallback | None,
        reassembler: Reassembler,
    ) -> None:
        self.request_id = request_id
        self.command = command
        self.status_callback = status_callback
        self.audio_callback = audio_callback
        self.reassembler: Reassembler | None = reassembler
        self.take_id: str | None = None
        self.info: Info | None = None
        self.acknowledged = False  # the worker has answered it: it must not be sent again
        # A request with callbacks gives its output to them; one without keeps it for iter_request.
        self.buffered = status_callback is None and audio_callback is None
        self.items: deque[tuple[str | None, Item]] = deque()
        self.error: DaisysWebsocketError | None = None
        self.error_reported = False  # raised to the user, by update() or by the request's iteration
        self.error_iterated = False  # raised by the request's iteration: nothing more is kept for it
        self.audio_done = False
        self.connection_closed = False

    @property
    def finished(self) -> bool:
        """Nothing more will come: failed, or the status is final and (for a ready take) all audio is in."""
        if self.error is not None:
            return True
        if self.audio_done and self.connection_closed:
            return True  # all audio arrived; only the final status was lost with the connection
        if not self.final:
            return False
        assert self.info is not None
        return self.audio_done or self.info.status != Status.READY

    @property
    def final(self) -> bool:
        """The take's (or voice's) final status has arrived."""
        return self.info is not None and Status(self.info.status).done()

    @property
    def awaits_final_status(self) -> bool:
        """Failed by a worker error before its take's final status, which may still come on this connection.

        Kept until then, so that the status reaches its ``status_callback``, or its iteration if that has
        not raised the error yet.
        """
        if self.error is None or self.final or self.take_id is None or self.connection_closed:
            return False
        return self.status_callback is not None or (self.buffered and not self.error_iterated)

    def keep(self, item: Item) -> None:
        if self.buffered and not self.error_iterated:
            self.items.append((self.take_id, item))


class SessionProtocol:
    """The state of one websocket session, across its connections; makes no I/O itself.

    Request ids count up for the life of the session (not per connection), so a late
    message can never be taken for a newer request's.
    """

    def __init__(
        self,
        *,
        decoder: FrameDecoder | None = None,
        max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES,
        max_buffered_frames: int = DEFAULT_MAX_BUFFERED_FRAMES,
    ) -> None:
        self._decoder = decoder or DaisysFrameDecoder()
        self._max_bytes = max_buffered_bytes
        self._max_frames = max_buffered_frames
        self._ids = itertools.count()
        self._issued = 0
        self._requests: dict[int, _Request] = {}
        # Errors for update() to raise, oldest first: a request's own, or one about no request of this session.
        self._failed: deque[_Request | DaisysWebsocketError] = deque()
        self._unattached = 0  # how many of those are about no request (bounded: MAX_PENDING_ERRORS)
        self._errors: dict[int, DaisysWebsocketError] = {}  # of requests forgotten, for a late iter_request
        self._trailing: set[int] = set()  # requests already over whose worker error went to update()
        self.ignored = 0  # late messages for requests already complete

    # -- commands --------------------------------------------------------------------------------

    def take_command(
        self,
        body: TakeGenerate,
        stream_options: StreamOptions | None,
        status_callback: StatusCallback | None = None,
        audio_callback: AudioCallback | None = None,
    ) -> tuple[int, str]:
        """A new request to generate a take: its id and the text message to send."""
        return self._command("/takes/generate", body.to_dict(), stream_options, status_callback, audio_callback)

    def voice_command(
        self,
        body: VoiceGenerate,
        stream_options: StreamOptions | None,
        status_callback: StatusCallback | None = None,
        audio_callback: AudioCallback | None = None,
    ) -> tuple[int, str]:
        """A new request to generate a voice (and stream its example take): its id and the message."""
        return self._command("/voices/generate", body.to_dict(), stream_options, status_callback, audio_callback)

    def _command(
        self,
        name: str,
        data: dict[str, Any],
        stream_options: StreamOptions | None,
        status_callback: StatusCallback | None,
        audio_callback: AudioCallback | None,
    ) -> tuple[int, str]:
        request_id = next(self._ids)
        self._issued = request_id + 1
        message: dict[str, Any] = {"command": name, "request_id": request_id}
        if stream_options is not None:
            message["stream"] = stream_options.to_dict()
        message["data"] = data
        command = json.dumps(message)
        reassembler = Reassembler(
            request_id=request_id, max_buffered_bytes=self._max_bytes, max_buffered_frames=self._max_frames
        )
        self._requests[request_id] = _Request(request_id, command, status_callback, audio_callback, reassembler)
        return request_id, command

    def withdraw(self, request_id: int) -> None:
        """Forget a request whose command could not be sent at all."""
        self._requests.pop(request_id, None)

    # -- received messages ----------------------------------------------------------------------

    def receive(self, message: Message) -> list[Call]:
        """Take one received message; return the user callbacks it calls for, in order.

        Never raises: whatever the message, it is not the error of whoever happens to be
        reading. A request's own failure (a worker error, audio that cannot be put in
        order) is kept for that request; a message that cannot be read fails the requests
        in flight (whose it was cannot be told); one about no request of this session, or
        a worker error about a request already over, is kept for ``update()`` to raise.
        """
        if isinstance(message, str):
            return self._status(message)
        return self._audio(message)

    def _status(self, text: str) -> list[Call]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self._unreadable(f"The worker sent a text message that is not JSON ({exc}): {_clip(text)}")
            return []
        if not isinstance(data, dict):
            self._unreadable(f"The worker sent a text message that is not an object: {_clip(text)}")
            return []
        if "data" not in data:
            return self._worker_status(data, text)
        request = self._request_for(data.get("request_id"), "a status message")
        if request is None:
            return []
        request.acknowledged = True
        payload = data["data"]
        try:
            info: Info
            if isinstance(payload, dict) and "example_take_id" in payload:
                info = VoiceInfo.from_dict(payload)
                if isinstance(info.example_take_id, str):
                    request.take_id = request.take_id or info.example_take_id
            else:
                info = TakeResponse.from_dict(payload)
                request.take_id = request.take_id or info.take_id
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            error = f"The worker's status message could not be read ({type(exc).__name__}: {exc}): {_clip(text)}"
            self._fail(request, DaisysWebsocketStreamError(error, request.request_id))
            return []
        request.info = info
        request.keep(StatusChange(info))
        calls = [Call(request.status_callback, (request.request_id, info))] if request.status_callback else []
        self._settle(request)
        return calls

    def _worker_status(self, data: dict[str, Any], text: str) -> list[Call]:
        """A message about the connection or a command (``ready`` on connect, or ``error``).

        As in the official SDK, only ``error`` means anything; any other (a greeting, a status
        this client has no name for, a message it cannot read) is logged and ignored.
        """
        status = data.get("status")
        if status != Status.ERROR:
            if isinstance(status, str) and status in _NAMED_STATUSES:
                log.debug("worker status %s: %s", status, _clip(text))
            else:
                log.info("ignored a status message this client does not know: %s", _clip(text))
            return []
        message = data.get("message")
        what = message if isinstance(message, str) and message else f"(no message) {_clip(text)}"
        what = redact_text(what)
        if "request_id" not in data or data["request_id"] is None:
            # Not about a request: raised by update() as the official SDK raises it (a generate error when the
            # message has a request_id, even null), and by no request's iteration.
            error: DaisysWebsocketError = (
                DaisysWebsocketGenerateError(f"The worker reported an error: {what}", None)
                if "request_id" in data
                else DaisysWebsocketStreamError(f"The worker reported an error: {what}")
            )
            log.warning("%s", error)
            self._report(error)
            return []
        request_id = data["request_id"]
        request = self._requests.get(request_id) if _is_id(request_id) else None
        if request is None:
            if not (_is_id(request_id) and 0 <= request_id < self._issued):
                log.warning("the worker reported an error for request %r, which this session never made", request_id)
                error = DaisysWebsocketGenerateError(
                    f"The worker reported an error for a request this session never made: {what}", request_id
                )
                self._report(error)
            elif request_id in self._errors or request_id in self._trailing:
                log.debug("worker error for request %d, which has failed already: %s", request_id, what)
            else:
                self._trailing_error(request_id, what)
            return []
        request.acknowledged = True
        if request.error is not None or request.request_id in self._trailing:
            log.debug("worker error for request %d, which has failed already: %s", request_id, what)
        elif request.final:
            # The take's final status came first: its end is what it is, and its iteration says so. The
            # error is raised by update(), where the official SDK raises it, and by no other request.
            self._trailing_error(request.request_id, what)
        else:
            self._fail(request, DaisysWebsocketGenerateError(what, request.request_id))
        return []

    def _trailing_error(self, request_id: int, what: str) -> None:
        """A worker error about a request already over (its final status came first): for update() only."""
        log.info("the worker reported an error for request %d after its final status: %s", request_id, what)
        self._trailing.add(request_id)
        self._report(DaisysWebsocketGenerateError(what, request_id))

    def _audio(self, message: bytes | bytearray | memoryview) -> list[Call]:
        try:
            frame = self._decoder.decode(message)
        except FrameError as exc:
            why = f"The worker sent an audio message that cannot be read: {exc}"
            named = getattr(exc, "request_id", None)  # the request it names, if that much could be read
            owner = self._requests.get(named) if _is_id(named) else None
            if owner is not None:
                owner.acknowledged = True
                self._fail(owner, DaisysWebsocketStreamError(why, owner.request_id))
            elif _is_id(named) and 0 <= named < self._issued:
                self.ignored += 1  # for a request already complete: a late (and broken) copy
                log.debug("ignored an unreadable audio message for request %d, which is complete: %s", named, exc)
            elif named is not None:
                log.warning("%s", redact_text(why))
                self._report(DaisysWebsocketStreamError(f"{why}; it names a request this session never made", named))
            else:
                self._unreadable(why)
            return []
        request = self._request_for(frame.request_id, "audio")
        if request is None:
            return []
        request.acknowledged = True
        if request.reassembler is None:  # all audio is out, or the request failed: a late copy
            self.ignored += 1
            return []
        try:
            events = request.reassembler.feed(frame)
        except ReassemblyError as exc:
            self._fail(request, DaisysWebsocketStreamError(str(exc), request.request_id))
            return []
        request.take_id = request.take_id or frame.take_id
        calls = []
        for event in events:
            request.keep(event)
            args = as_callback_args(event) if request.audio_callback else None
            if request.audio_callback is not None and args is not None:
                part_id, chunk_id, audio = args
                kwargs = {
                    "request_id": request.request_id,
                    "take_id": frame.take_id,
                    "part_id": part_id,
                    "chunk_id": chunk_id,
                    "audio": audio,
                }
                calls.append(Call(request.audio_callback, kwargs=kwargs))
            if isinstance(event, TakeEnd):
                request.audio_done = True
                request.reassembler = None
        self._settle(request)
        return calls

    def _request_for(self, request_id: object, what: str) -> _Request | None:
        """The request a message names; None for one already complete (counted) or never made (for update())."""
        if _is_id(request_id):
            request = self._requests.get(request_id)
            if request is not None:
                return request
            if 0 <= request_id < self._issued:
                self.ignored += 1
                log.debug("ignored %s for request %d, which is complete", what, request_id)
                return None
        named = request_id if isinstance(request_id, int | str) else repr(request_id)
        log.warning("the worker sent %s for request %r, which this session never made", what, named)
        self._report(DaisysWebsocketStreamError(f"The worker sent {what} for a request this session never made", named))
        return None

    def _unreadable(self, why: str) -> None:
        """A message that cannot be read: whose status or audio it was cannot be told, so every request
        in flight fails (one of them lost it); with none in flight, update() raises it."""
        why = redact_text(why)
        log.warning("%s", why)
        victims = [r for r in self._requests.values() if not r.finished]
        for request in victims:
            self._fail(
                request,
                DaisysWebsocketStreamError(
                    f"{why}. Whose message it was cannot be told, so every request in flight fails",
                    request.request_id,
                ),
            )
        if not victims:
            self._report(DaisysWebsocketStreamError(why))

    # -- what the user gets ------------------------------------------------------------------------

    def next_item(self, request_id: int) -> tuple[str | None, Item] | _End | None:
        """The next ``(take_id, item)`` of a request, `END` after its last, or None while more is due.

        Raises the request's error once the items that came before it are out. Iterating a
        request that has callbacks keeps its items from then on (earlier ones went to the
        callbacks).
        """
        request = self._requests.get(request_id)
        if request is None:
            if request_id in self._errors:
                raise self._errors[request_id]
            if isinstance(request_id, int) and 0 <= request_id < self._issued:
                return END
            raise DaisysWebsocketStreamError("There is no such request on this websocket", request_id)
        request.buffered = True
        if request.items:
            item = request.items.popleft()
            self._settle(request)
            return item
        if request.error is not None:
            request.error_reported = request.error_iterated = True
            self._settle(request)
            raise request.error
        if request.finished:
            self._settle(request)
            return END
        return None

    def abandon(self, request_id: int) -> None:
        """The caller gave up on a request (closed its iteration early): keep nothing more of it.

        Its audio and statuses are dropped as they come, no callback is called, and its error,
        if one comes, is not raised by ``update``; it is forgotten once the worker is done with it.
        """
        request = self._requests.get(request_id)
        if request is None:
            return
        request.buffered = False
        request.items.clear()
        request.status_callback = request.audio_callback = None
        request.error_reported = True
        self._settle(request)

    def pop_error(self) -> DaisysWebsocketError | None:
        """The oldest request error not yet raised to the user (``update`` raises it)."""
        while self._failed:
            request = self._failed.popleft()
            if isinstance(request, DaisysWebsocketError):
                self._unattached -= 1
                return request
            if not request.error_reported and request.error is not None:
                request.error_reported = True
                self._settle(request)
                return request.error
        return None

    @property
    def in_flight(self) -> list[int]:
        """Ids of the requests still expecting messages from the worker."""
        return [r.request_id for r in self._requests.values() if not r.finished]

    # -- the connection --------------------------------------------------------------------------

    def connection_lost(self, why: str, *, resend: bool = True) -> list[str]:
        """The connection is gone: return the commands to send again on the next one.

        A command the worker never answered was not taken on, so it is sent again (unless
        ``resend`` is false: no next connection); a request already under way fails with
        an error saying what was still missing.
        """
        commands: list[str] = []
        for request in list(self._requests.values()):
            if request.finished:
                request.connection_closed = True  # no final status comes now for one that awaits it
                self._settle(request)
                continue
            if not request.acknowledged and resend:
                commands.append(request.command)
                continue
            request.connection_closed = True
            if request.finished:
                self._settle(request)
                continue
            status = request.info.status.value if request.info is not None else "unknown"
            missing = request.reassembler.describe_missing() if request.reassembler else "all audio is in"
            take = f"take {request.take_id}" if request.take_id else "the take"
            self._fail(
                request,
                DaisysWebsocketStreamError(
                    f"The connection to the worker closed ({why}) in the middle of the request"
                    f" (status {status}; {missing}). Generate it again, or fetch {take} over REST once it is ready",
                    request.request_id,
                ),
            )
        return commands

    # -- bookkeeping -------------------------------------------------------------------------------

    def _fail(self, request: _Request, error: DaisysWebsocketError) -> None:
        if request.error is None:
            request.error = error
            request.reassembler = None
            self._failed.append(request)

    def _report(self, error: DaisysWebsocketError) -> None:
        """Keep an error about no request of this session (or one already over) for update() to raise."""
        if self._unattached >= MAX_PENDING_ERRORS:
            log.debug("not kept for update(), %d such errors are pending already: %s", self._unattached, error)
            return
        self._unattached += 1
        self._failed.append(error)

    def _settle(self, request: _Request) -> None:
        """Forget a request once finished, drained, any error of it raised, and no final status awaited."""
        if request.awaits_final_status:
            return
        if request.finished and not request.items and (request.error is None or request.error_reported):
            self._requests.pop(request.request_id, None)
            if request.error is not None:
                self._errors[request.request_id] = request.error
                if len(self._errors) > MAX_FORGOTTEN_ERRORS:  # a session open for weeks keeps the latest only
                    del self._errors[next(iter(self._errors))]


def official_item(take_id: str | None, item: Item) -> IterItem | None:
    """The official SDK's ``(take_id, take, header, audio)`` for an item, or None for none."""
    if isinstance(item, StatusChange):
        return take_id, item.info, None, None
    pair = as_iter_item(item)
    if pair is None:
        return None
    header, audio = pair
    return take_id, None, header, audio


def ready_info(request_id: int, info: Info | None) -> Info:
    """The final status of a request whose audio was written, or the error saying why it is not ready."""
    if info is None:
        raise DaisysWebsocketStreamError("The request ended without any status", request_id)
    if info.status != Status.READY:
        raise DaisysTakeGenerateError(f"Request {request_id} ended with status {info.status.value}", info)
    return info


def _is_id(value: object) -> TypeGuard[int]:
    """One of this session's request ids is an int (never a bool, though bool is an int in Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
