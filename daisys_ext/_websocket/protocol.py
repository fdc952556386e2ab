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
from typing import Any, Final

from daisys_speak_api.models import (
    Status,
    StreamOptions,
    TakeGenerate,
    TakeResponse,
    VoiceGenerate,
    VoiceInfo,
    WebsocketStatus,
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

__all__ = ["END", "Call", "SessionProtocol", "StatusChange", "official_item", "ready_info"]

log = logging.getLogger("daisys_ext.websocket")

Info = TakeResponse | VoiceInfo
StatusCallback = Callable[[int, Any], object]
AudioCallback = Callable[..., object]
IterItem = tuple[str | None, Info | None, bytes | None, bytes | None]
Message = str | bytes | bytearray | memoryview


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
        self.error_reported = False
        self.audio_done = False
        self.connection_closed = False

    @property
    def finished(self) -> bool:
        """Nothing more will come: failed, or the status is final and (for a ready take) all audio is in."""
        if self.error is not None:
            return True
        if self.audio_done and self.connection_closed:
            return True  # all audio arrived; only the final status was lost with the connection
        if self.info is None or not Status(self.info.status).done():
            return False
        return self.audio_done or self.info.status != Status.READY

    def keep(self, item: Item) -> None:
        if self.buffered:
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
        self._failed: deque[_Request] = deque()
        self._errors: dict[int, DaisysWebsocketError] = {}  # of requests forgotten, for a late iter_request
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

        A request's own failure (a worker error, audio that cannot be put in order) is kept
        for that request; only a message that belongs to no request raises here.
        """
        if isinstance(message, str):
            return self._status(message)
        return self._audio(message)

    def _status(self, text: str) -> list[Call]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DaisysWebsocketStreamError(
                f"The worker sent a text message that is not JSON ({exc}): {_clip(text)}"
            ) from None
        if not isinstance(data, dict):
            raise DaisysWebsocketStreamError(f"The worker sent a text message that is not an object: {_clip(text)}")
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
        """A message about the connection or a command (``ready`` on connect, or ``error``)."""
        try:
            status = WebsocketStatus.from_dict(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise DaisysWebsocketStreamError(
                f"The worker sent a message that could not be read ({exc}): {_clip(text)}"
            ) from None
        request_id = data.get("request_id")
        if status.status != Status.ERROR:
            log.debug("worker status %s: %s", status.status.value, status.message)
            return []
        request = self._requests.get(request_id) if isinstance(request_id, int) else None
        if request is None:
            raise DaisysWebsocketStreamError(f"The worker reported an error: {status.message}", request_id)
        request.acknowledged = True
        self._fail(request, DaisysWebsocketGenerateError(status.message, request.request_id))
        return []

    def _audio(self, message: bytes | bytearray | memoryview) -> list[Call]:
        try:
            frame = self._decoder.decode(message)
        except FrameError as exc:
            raise DaisysWebsocketStreamError(f"The worker sent an audio message that cannot be read: {exc}") from None
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
        """The request a message names; None (and counted) for one already complete."""
        if isinstance(request_id, int) and not isinstance(request_id, bool):
            request = self._requests.get(request_id)
            if request is not None:
                return request
            if 0 <= request_id < self._issued:
                self.ignored += 1
                log.debug("ignored %s for request %d, which is complete", what, request_id)
                return None
        named = request_id if isinstance(request_id, int | str) else repr(request_id)
        raise DaisysWebsocketStreamError(f"The worker sent {what} for a request this session never made", named)

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
            request.error_reported = True
            self._settle(request)
            raise request.error
        if request.finished:
            self._settle(request)
            return END
        return None

    def pop_error(self) -> DaisysWebsocketError | None:
        """The oldest request error not yet raised to the user (``update`` raises it)."""
        while self._failed:
            request = self._failed.popleft()
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

    def _settle(self, request: _Request) -> None:
        """Forget a request once finished, drained, and any error of it raised."""
        if request.finished and not request.items and (request.error is None or request.error_reported):
            self._requests.pop(request.request_id, None)
            if request.error is not None:
                self._errors[request.request_id] = request.error


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


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
