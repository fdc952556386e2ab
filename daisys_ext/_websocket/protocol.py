"""The websocket session's protocol without I/O: commands out, messages in, one state per request.

`Websocket` (on websocket-client) and `AsyncWebsocket` (on websockets) drive one
`SessionProtocol` each. It numbers requests and writes their commands, sorts every
received message to its request (a status, or audio through that request's
`Reassembler`), decides which user callbacks to call and what ``iter_request`` yields,
what a closed or silent connection costs each request, and when the worker and the
session disagree so much that the connection must go. Only sending, receiving and
waiting differ between the two sessions; the time comes from an injected clock.

A request's life is one `State`, changed only through `_TRANSITIONS`; its errors, the
session's and the late ones all wait in one queue for ``update()`` (`pop_error`).
"""

from __future__ import annotations

import enum
import functools
import itertools
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Concatenate, Final, Literal, ParamSpec, TypeGuard, TypeVar

from daisys_speak_api.models import (
    Status,
    StreamOptions,
    TakeGenerate,
    TakeResponse,
    VoiceGenerate,
    VoiceInfo,
)

from .._audio import DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_BUFFERED_FRAMES
from .._audio.frames import DaisysFrameDecoder, FrameDecoder, FrameError, load_json
from .._audio.reassembly import (
    HoldBudget,
    Reassembler,
    ReassemblyError,
    ReassemblyEvent,
    TakeEnd,
    as_callback_args,
    as_iter_item,
)
from .._errors import (
    DaisysError,
    DaisysTakeGenerateError,
    DaisysTimeoutError,
    DaisysWebsocketGenerateError,
    DaisysWebsocketStreamError,
)
from .._logging import redact_text

__all__ = [
    "END",
    "Call",
    "IllegalTransition",
    "SessionProtocol",
    "State",
    "StatusChange",
    "official_item",
    "ready_info",
]

log = logging.getLogger("daisys_ext.websocket")

Info = TakeResponse | VoiceInfo
StatusCallback = Callable[[int, Any], object]
AudioCallback = Callable[..., object]
IterItem = tuple[str | None, Info | None, bytes | None, bytes | None]
Message = str | bytes | bytearray | memoryview
_NAMED_STATUSES = frozenset(status.value for status in Status)
P = ParamSpec("P")
R = TypeVar("R")

MAX_PENDING_ERRORS = 100
"""Errors about no request (or a request already over) kept for update(); beyond, they are only logged."""
MAX_FORGOTTEN = 1024
"""Requests already over whose outcome is remembered (a late ``iter_request``, a late message), at most."""
DEFAULT_MAX_SESSION_BUFFERED_BYTES = 4 * DEFAULT_MAX_BUFFERED_BYTES
"""The out-of-order audio all of a session's requests may hold together."""
DEFAULT_STALL_TIMEOUT = 30.0
"""Seconds the worker may send nothing about any request in flight before they fail and the connection goes."""
FAILED_TAKE_GRACE = 1.0
"""Seconds ``iter_request`` waits, after one half of a failed take's report (its status ``error``, or the
worker's error message), for the other half, which a worker sends just after, in either order."""


class State(enum.Enum):
    """Where a request is in its life (what the worker has told of it)."""

    SENT = "sent"
    """Its command is made; the worker has not answered it yet (it is sent again after a lost connection)."""
    ANSWERED = "answered"
    """The worker has answered it with a status: it must not be sent again."""
    STREAMING = "streaming"
    """Its audio is arriving."""
    AUDIO_IN = "audio in"
    """All its audio is in; its final status is still due."""
    FINAL_STATUS = "final status seen"
    """Its take is ready; some of its audio is still due."""
    DONE = "done"
    """Complete: its final status is in, and for a ready take all its audio."""
    FAILED = "failed"
    """Failed: its error waits to be raised (by its iteration, or by ``update()``)."""
    ABANDONED = "abandoned"
    """The caller gave it up: what comes for it is dropped until the worker is done with it."""


_UNDER_WAY = (State.SENT, State.ANSWERED, State.STREAMING, State.AUDIO_IN, State.FINAL_STATUS)
_FAILABLE = frozenset({State.FAILED, State.ABANDONED})
_TRANSITIONS: Final[dict[State, frozenset[State]]] = {
    State.SENT: frozenset({State.ANSWERED, State.STREAMING, State.AUDIO_IN, State.FINAL_STATUS, State.DONE})
    | _FAILABLE,
    State.ANSWERED: frozenset({State.STREAMING, State.AUDIO_IN, State.FINAL_STATUS, State.DONE}) | _FAILABLE,
    State.STREAMING: frozenset({State.AUDIO_IN, State.FINAL_STATUS, State.DONE}) | _FAILABLE,
    State.AUDIO_IN: frozenset({State.DONE}) | _FAILABLE,
    State.FINAL_STATUS: frozenset({State.DONE}) | _FAILABLE,
    # A failed take is reported twice (its status, and an error message): the message may follow the status.
    State.DONE: frozenset({State.FAILED}),
    State.FAILED: frozenset(),
    State.ABANDONED: frozenset(),
}
"""Every change of state a request may make; `_Request.move` refuses any other."""


class IllegalTransition(RuntimeError):
    """A request was asked to change state in a way its life does not allow (a bug in the session)."""


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A request's take (or voice) changed status; ``info`` is its whole TakeResponse or VoiceInfo."""

    info: Info


Item = StatusChange | ReassemblyEvent


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
    """One request: its state, command, callbacks, reassembler, latest status and the items kept for iteration."""

    def __init__(
        self,
        request_id: int,
        command: str,
        status_callback: StatusCallback | None,
        audio_callback: AudioCallback | None,
        reassembler: Reassembler,
    ) -> None:
        self.request_id = request_id
        self.state = State.SENT
        self.command = command
        self.status_callback = status_callback
        self.audio_callback = audio_callback
        self.reassembler = reassembler
        self.take_id: str | None = None
        self.info: Info | None = None
        # A request with callbacks gives its output to them; one without keeps it for its iteration.
        self.buffered = status_callback is None and audio_callback is None
        self.items: deque[tuple[str | None, Item]] = deque()
        self.error: DaisysError | None = None
        self.error_raised = False  # by update() or by the request's iteration
        self.end_seen = False  # its reader had its end (END, or its error), or gave it up: nothing more is kept
        self.worker_done = False  # (abandoned) the worker has nothing more to send about it
        self.reported_at: float | None = None  # when the first half of a failed take's report came
        self.connection_gone = False

    def move(self, state: State) -> None:
        if state is self.state:
            return
        if state not in _TRANSITIONS[self.state]:
            raise IllegalTransition(f"request {self.request_id} cannot go from {self.state.value} to {state.value}")
        self.state = state

    @property
    def over(self) -> bool:
        """Nothing more is owed to anyone: the worker, its reader, its callbacks or ``update()``."""
        if self.items:
            return False
        if self.state is State.ABANDONED:
            return self.worker_done
        if self.state is State.FAILED:
            return self.error_raised and not self.awaits_final_status
        return self.state is State.DONE and (self.end_seen or not self.buffered)

    @property
    def final(self) -> bool:
        """The take's (or voice's) final status has arrived."""
        return self.info is not None and Status(self.info.status).done()

    @property
    def under_way(self) -> bool:
        return self.state in _UNDER_WAY

    @property
    def awaits_final_status(self) -> bool:
        """Failed by the worker's error message before its final status, which may still come on this connection.

        Kept until then, so that the status reaches its ``status_callback``, or its iteration
        before the error.
        """
        reported = isinstance(self.error, DaisysWebsocketGenerateError)  # by the worker's error message
        if not reported or self.final or self.take_id is None or self.connection_gone:
            return False  # refused before it had a take, or its final status is in (or can no longer come)
        return self.status_callback is not None or (self.buffered and not self.end_seen)

    def keep(self, item: Item) -> None:
        if self.buffered and not self.end_seen:
            self.items.append((self.take_id, item))


@dataclass(frozen=True, slots=True)
class _Pending:
    """An error waiting for ``update()``: a request's own, the session's (about no request), or a late one."""

    kind: Literal["request", "session", "late"]
    error: DaisysError
    request_id: int | None = None


@dataclass(frozen=True, slots=True)
class _Gone:
    """What is remembered of a request once forgotten: its error, and whether a late error message of the
    worker about it is nobody's (its reader saw its end, or it was abandoned) or for update()."""

    error: DaisysError | None
    quiet: bool


def _settles(method: Callable[Concatenate[SessionProtocol, P], R]) -> Callable[Concatenate[SessionProtocol, P], R]:
    """After the call, whatever it raised, every request it brought to its end is forgotten (`_settle`)."""

    def call(self: SessionProtocol, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        finally:
            self._settle()

    functools.update_wrapper(call, method)
    return call


class SessionProtocol:
    """The state of one websocket session, across its connections; makes no I/O itself.

    Request ids count up for the life of the session (not per connection), so a late
    message can never be taken for a newer request's, and a message for an id above the
    last one given out means the worker and the session disagree.
    """

    def __init__(
        self,
        *,
        decoder: FrameDecoder | None = None,
        max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES,
        max_buffered_frames: int = DEFAULT_MAX_BUFFERED_FRAMES,
        max_session_buffered_bytes: int = DEFAULT_MAX_SESSION_BUFFERED_BYTES,
        stall_timeout: float | None = DEFAULT_STALL_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._decoder = decoder or DaisysFrameDecoder()
        self._max_bytes = max_buffered_bytes
        self._max_frames = max_buffered_frames
        self._budget = HoldBudget(max_session_buffered_bytes)
        self.stall_timeout = stall_timeout
        self._clock = clock
        self._ids = itertools.count()
        self._issued = 0
        self._requests: dict[int, _Request] = {}
        self._ended: dict[int, _Request] = {}  # those done, failed or abandoned, not yet forgotten
        self._pending: deque[_Pending] = deque()  # for update(), oldest first
        self._unattached = 0  # how many of those are "session" or "late" (bounded: MAX_PENDING_ERRORS)
        self._gone: dict[int, _Gone] = {}
        self._heard_at = clock()  # the last message about one of this session's requests
        self.disagreed: str | None = None
        """Set when the worker named a request this session never made: the session drops the connection."""
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
        if not self.in_flight:
            self._heard_at = self._clock()  # the stall is counted from the first request the worker owes
        request_id = next(self._ids)
        self._issued = request_id + 1
        message: dict[str, Any] = {"command": name, "request_id": request_id}
        if stream_options is not None:
            message["stream"] = stream_options.to_dict()
        message["data"] = data
        command = json.dumps(message)
        reassembler = Reassembler(
            request_id=request_id,
            max_buffered_bytes=self._max_bytes,
            max_buffered_frames=self._max_frames,
            budget=self._budget,
        )
        self._requests[request_id] = _Request(request_id, command, status_callback, audio_callback, reassembler)
        return request_id, command

    def withdraw(self, request_id: int) -> None:
        """Forget a request whose command could not be sent at all."""
        request = self._requests.pop(request_id, None)
        if request is not None:
            request.reassembler.discard()

    # -- received messages ----------------------------------------------------------------------

    @_settles
    def receive(self, message: Message) -> list[Call]:
        """Take one received message; return the user callbacks it calls for, in order.

        Never raises: whatever the message, it is not the error of whoever happens to be
        reading. A request's own failure (a worker error, audio that cannot be put in
        order) is kept for that request; a message that cannot be read fails the requests
        in flight (whose it was cannot be told); one about a request this session never
        made fails them too (see `disagreed`); one about no request, or a worker error
        about a request already over, is kept for ``update()`` to raise.
        """
        try:
            if isinstance(message, str):
                return self._text(message)
            return self._audio(message)
        except IllegalTransition:
            raise  # a bug of the session, not the worker's
        except Exception as exc:  # a parse this module did not foresee: the message's fault, typed
            log.debug("a message could not be handled", exc_info=True)
            self._unreadable(f"The worker sent a message that cannot be read ({type(exc).__name__}: {exc})")
            return []

    def _text(self, text: str) -> list[Call]:
        try:
            data = load_json(text)
        except ValueError as exc:
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
        try:
            info = _info(data["data"])
        except Exception as exc:
            error = f"The worker's status message could not be read ({type(exc).__name__}: {exc}): {_clip(text)}"
            self._fail(request, DaisysWebsocketStreamError(error, request.request_id))
            return []
        return self._status(request, info)

    def _status(self, request: _Request, info: Info) -> list[Call]:
        state = request.state
        if state is State.ABANDONED:
            request.worker_done = request.worker_done or Status(info.status).done()
            return []
        if state is State.DONE or (state is State.FAILED and not request.awaits_final_status):
            self.ignored += 1
            return []
        if isinstance(info, VoiceInfo) and isinstance(info.example_take_id, str):
            request.take_id = request.take_id or info.example_take_id
        elif isinstance(info, TakeResponse):
            request.take_id = request.take_id or info.take_id
        request.info = info
        request.keep(StatusChange(info))
        calls = [Call(request.status_callback, (request.request_id, info))] if request.status_callback else []
        if state is State.FAILED:  # the final status after the worker's error message: the report is whole
            return calls
        if not request.final:
            self._move(request, State.ANSWERED if state is State.SENT else state)
        elif info.status == Status.READY and state is not State.AUDIO_IN:
            self._move(request, State.FINAL_STATUS)  # the rest of its audio is still due
        else:
            self._move(request, State.DONE)
            if info.status != Status.READY:
                request.reported_at = self._clock()  # its iteration may wait a moment for the worker's message
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
        what = redact_text(message if isinstance(message, str) and message else f"(no message) {_clip(text)}")
        if "request_id" not in data or data["request_id"] is None:
            # Not about a request: raised by update() as the official SDK raises it (a generate error when the
            # message has a request_id, even null), and by no request's iteration.
            error: DaisysError = (
                DaisysWebsocketGenerateError(f"The worker reported an error: {what}", None)
                if "request_id" in data
                else DaisysWebsocketStreamError(f"The worker reported an error: {what}")
            )
            log.warning("%s", error)
            self._report("session", error)
            return []
        request_id = data["request_id"]
        if not self._issued_id(request_id):
            self._disagree(f"an error message ({what})", request_id, generate=True)
            return []
        self._heard_at = self._clock()
        request = self._requests.get(request_id)
        if request is None or request.state is State.ABANDONED:
            gone = self._gone.get(request_id)
            if request is not None or (gone is not None and (gone.quiet or gone.error is not None)):
                log.debug("worker error for request %d, which nobody is waiting for: %s", request_id, what)
                if request is not None:  # abandoned: the worker is done with it; a late look says what happened
                    self._fail(request, DaisysWebsocketGenerateError(what, request_id))
            else:
                self._late_error(request_id, what)
            return []
        if request.state is State.FAILED:
            log.debug("worker error for request %d, which has failed already: %s", request_id, what)
            return []
        if request.state is State.DONE and (request.info is None or request.info.status == Status.READY):
            self._late_error(request_id, what)  # a ready take's end is what it is; update() says the rest
            return []
        request.reported_at = request.reported_at or self._clock()
        self._fail(request, DaisysWebsocketGenerateError(what, request_id))
        return []

    def _late_error(self, request_id: int, what: str) -> None:
        """A worker error about a request already over (its final status came first): for update() only."""
        log.info("the worker reported an error for request %d after its end: %s", request_id, what)
        self._gone[request_id] = _Gone(self._gone.get(request_id, _Gone(None, True)).error, True)
        self._report("late", DaisysWebsocketGenerateError(what, request_id), request_id)

    def _audio(self, message: bytes | bytearray | memoryview) -> list[Call]:
        try:
            frame = self._decoder.decode(message)
        except FrameError as exc:
            why = f"The worker sent an audio message that cannot be read: {exc}"
            named = getattr(exc, "request_id", None)  # the request it names, if that much could be read
            if named is None:
                self._unreadable(why)
            elif not self._issued_id(named):
                self._disagree(f"an unreadable audio message ({exc})", named)
            elif (owner := self._requests.get(named)) is not None and owner.state is not State.ABANDONED:
                self._heard_at = self._clock()
                self._fail(owner, DaisysWebsocketStreamError(why, owner.request_id))
            else:
                self.ignored += 1  # for a request already complete: a late (and broken) copy
                log.debug("ignored an unreadable audio message for request %s, which is over: %s", named, exc)
            return []
        request = self._request_for(frame.request_id, "audio")
        if request is None:
            return []
        if request.state not in (State.SENT, State.ANSWERED, State.STREAMING, State.FINAL_STATUS):
            self.ignored += 1  # all its audio is in, it ended or failed, or nobody wants it: a late copy
            return []
        try:
            events = request.reassembler.feed(frame)
        except ReassemblyError as exc:
            self._fail(request, DaisysWebsocketStreamError(str(exc), request.request_id))
            return []
        request.take_id = request.take_id or frame.take_id
        if request.state is not State.FINAL_STATUS and request.state is not State.STREAMING:
            self._move(request, State.STREAMING)
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
                self._move(request, State.DONE if request.state is State.FINAL_STATUS else State.AUDIO_IN)
        return calls

    def _issued_id(self, request_id: object) -> TypeGuard[int]:
        """The id of a request this session made (one of its ids is an int, never a bool)."""
        return _is_id(request_id) and 0 <= request_id < self._issued

    def _request_for(self, request_id: object, what: str) -> _Request | None:
        """The request a message names; None for one already over (counted), or never made (they disagree)."""
        if not self._issued_id(request_id):
            self._disagree(what, request_id)
            return None
        self._heard_at = self._clock()
        request = self._requests.get(request_id)
        if request is None:
            self.ignored += 1
            log.debug("ignored %s for request %d, which is over", what, request_id)
        return request

    def _disagree(self, what: str, request_id: object, *, generate: bool = False) -> None:
        """The worker named a request this session never made: what it thinks it is doing is not what the
        session asked. Every request in flight on the connection fails, and the session opens a new one."""
        named = request_id if isinstance(request_id, int | str) else repr(request_id)
        why = redact_text(
            f"The worker sent {what} for request {named!r}, which this session never made (its last is"
            f" {self._issued - 1}): the worker and the session disagree"
        )
        log.warning("%s; the requests in flight fail and the connection is replaced", why)
        self.disagreed = why
        victims = [r for r in self._requests.values() if r.under_way]
        for request in victims:
            self._fail(
                request,
                DaisysWebsocketStreamError(
                    f"{why}, so the requests in flight on its connection fail", request.request_id
                ),
            )
        if not victims:
            error: DaisysError = (
                DaisysWebsocketGenerateError(why, named) if generate else DaisysWebsocketStreamError(why, named)
            )
            self._report("session", error)
        for request in self._ended.values():
            request.worker_done = True  # the connection goes, and the worker's work for it with it

    def _unreadable(self, why: str) -> None:
        """A message that cannot be read: whose status or audio it was cannot be told, so every request
        in flight fails (one of them lost it); with none in flight, update() raises it."""
        why = redact_text(why)
        log.warning("%s", why)
        victims = [r for r in self._requests.values() if r.under_way]
        for request in victims:
            self._fail(
                request,
                DaisysWebsocketStreamError(
                    f"{why}. Whose message it was cannot be told, so every request in flight fails",
                    request.request_id,
                ),
            )
        if not victims:
            self._report("session", DaisysWebsocketStreamError(why))

    # -- time ----------------------------------------------------------------------------------------

    def stall_deadline(self) -> float | None:
        """When the requests in flight fail unless the worker says something about one of them; None: never."""
        if self.stall_timeout is None or not any(r.under_way for r in self._requests.values()):
            return None
        return self._heard_at + self.stall_timeout

    @_settles
    def check_stall(self) -> bool:
        """Past the stall deadline, every request in flight fails with `DaisysTimeoutError`; True when they did.

        The session then drops the connection (a silent worker) and opens a new one for later requests.
        """
        deadline = self.stall_deadline()
        if deadline is None or self._clock() < deadline:
            return False
        for request in [r for r in self._requests.values() if r.under_way]:
            status = request.info.status.value if request.info is not None else "none yet"
            self._fail(
                request,
                DaisysTimeoutError(
                    f"Request {request.request_id}: the worker sent nothing about any request in flight for"
                    f" {self.stall_timeout:g} s (stall_timeout). Still missing: {self._missing(request)}"
                    f" (its status: {status})",
                    [request.info] if request.info is not None else [],
                ),
            )
        for request in self._ended.values():
            request.worker_done = True  # the connection goes, and the worker's work for it with it
        return True

    def wake_at(self, request_id: int) -> float | None:
        """When a request's iteration should look again though nothing arrived (a failed take's report)."""
        request = self._requests.get(request_id)
        if request is None or request.reported_at is None:
            return None
        return request.reported_at + FAILED_TAKE_GRACE

    def connection_opened(self) -> None:
        """A new connection: the stall is counted afresh."""
        self._heard_at = self._clock()
        self.disagreed = None

    # -- what the user gets ------------------------------------------------------------------------

    @_settles
    def next_item(self, request_id: int, *, raise_failed_take: bool = False) -> tuple[str | None, Item] | _End | None:
        """The next ``(take_id, item)`` of a request, `END` after its last, or None while more is due.

        Raises the request's error once the items that came before it are out. Iterating a
        request that has callbacks keeps its items from then on (earlier ones went to the
        callbacks). With ``raise_failed_take`` (``iter_request``, as the official SDK), a take
        that ended with status ``error`` raises `DaisysWebsocketGenerateError` after its
        statuses, with the worker's message if it comes within `FAILED_TAKE_GRACE`.
        """
        request = self._requests.get(request_id)
        if request is None:
            gone = self._gone.get(request_id)
            if gone is not None and gone.error is not None:
                raise gone.error
            if self._issued_id(request_id):
                return END
            raise DaisysWebsocketStreamError("There is no such request on this websocket", request_id)
        if request.state is State.ABANDONED:
            return END
        request.buffered = True
        if request.items:
            return request.items.popleft()
        now = self._clock()
        if request.state is State.FAILED:
            assert request.error is not None
            if request.awaits_final_status and now < (request.reported_at or now) + FAILED_TAKE_GRACE:
                return None  # its status error, just behind the worker's message, comes before the error
            request.error_raised = request.end_seen = True
            raise request.error
        if request.state is not State.DONE:
            return None
        failed_take = request.info is not None and request.info.status == Status.ERROR
        awaited = (request.reported_at or now) + FAILED_TAKE_GRACE
        if raise_failed_take and failed_take and not request.connection_gone and now < awaited:
            return None  # the worker's message, just behind its status, is raised with it
        request.end_seen = True
        if raise_failed_take and failed_take:
            take = f"take {request.take_id}" if request.take_id else "its take"
            request.error = DaisysWebsocketGenerateError(
                f"Request {request_id}: {take} ended with status error (the worker sent no message about it)",
                request_id,
            )
            raise request.error
        return END

    @_settles
    def abandon(self, request_id: int) -> None:
        """The caller gave up on a request (closed its iteration early): keep nothing more of it.

        Its audio and statuses are dropped as they come, no callback is called, and its error,
        if one comes, is not raised by ``update``; it is forgotten once the worker is done with it.
        """
        request = self._requests.get(request_id)
        if request is None:
            return
        request.items.clear()
        request.status_callback = request.audio_callback = None
        request.end_seen = request.error_raised = True  # nobody is to have any of it
        if request.under_way:
            self._move(request, State.ABANDONED)
            request.reassembler.discard()

    @_settles
    def pop_error(self) -> DaisysError | None:
        """The oldest error not yet raised to the user (``update`` raises it)."""
        while self._pending:
            pending = self._pending.popleft()
            if pending.kind != "request":
                self._unattached -= 1
                return pending.error
            assert pending.request_id is not None
            request = self._requests.get(pending.request_id)
            if request is None or request.error_raised or request.state is not State.FAILED:
                continue  # raised by its iteration already, or given up
            request.error_raised = True
            return pending.error
        return None

    @property
    def in_flight(self) -> list[int]:
        """Ids of the requests still expecting messages from the worker."""
        return [r.request_id for r in self._requests.values() if r.under_way or r.state is State.ABANDONED]

    def state(self, request_id: int) -> State | None:
        """A request's state; None once it is forgotten (or for an id never made)."""
        request = self._requests.get(request_id)
        return request.state if request is not None else None

    # -- the connection --------------------------------------------------------------------------

    @_settles
    def connection_lost(self, why: str, *, resend: bool = True) -> list[str]:
        """The connection is gone: return the commands to send again on the next one.

        A command the worker never answered was not taken on, so it is sent again (unless
        ``resend`` is false: no next connection); a request already under way fails with
        an error saying what had arrived and what was still missing, whatever audio came
        before (its final status is part of it).
        """
        commands: list[str] = []
        for request in list(self._requests.values()):
            request.connection_gone = True
            if request.state is State.SENT and resend:
                request.connection_gone = False
                commands.append(request.command)
            elif request.under_way or request.state is State.ABANDONED:
                status = request.info.status.value if request.info is not None else "none yet"
                take = f"take {request.take_id}" if request.take_id else "the take"
                error = DaisysWebsocketStreamError(
                    f"The connection to the worker closed ({why}) before the request's end (received: status"
                    f" {status}, {request.reassembler.describe_received()}; missing: {self._missing(request)})."
                    f" Generate it again, or fetch {take} over REST once it is ready",
                    request.request_id,
                )
                self._fail(request, error)
        return commands

    # -- bookkeeping -------------------------------------------------------------------------------

    def _missing(self, request: _Request) -> str:
        audio = request.reassembler.describe_missing()
        if request.state is State.AUDIO_IN:
            return "its final status"
        if request.final:
            return audio
        return f"{audio}; its final status"

    def _fail(self, request: _Request, error: DaisysError) -> None:
        if request.state is State.FAILED:
            return
        if request.state is State.ABANDONED:  # nobody waits for it; a late look says what happened
            request.error = request.error or error
            request.worker_done = True
            return
        self._move(request, State.FAILED)
        request.error = error
        request.reassembler.discard()
        self._pending.append(_Pending("request", error, request.request_id))

    def _move(self, request: _Request, state: State) -> None:
        """The one way a request changes state (`_Request.move` checks it against `_TRANSITIONS`)."""
        request.move(state)
        if state in (State.DONE, State.FAILED, State.ABANDONED):
            self._ended[request.request_id] = request

    def _report(self, kind: Literal["session", "late"], error: DaisysError, request_id: int | None = None) -> None:
        """Keep an error about no request of this session (or one already over) for update() to raise."""
        if self._unattached >= MAX_PENDING_ERRORS:
            log.debug("not kept for update(), %d such errors are pending already: %s", self._unattached, error)
            return
        self._unattached += 1
        self._pending.append(_Pending(kind, error, request_id))

    def _settle(self) -> None:
        """Forget the requests that came to their end (`_Request.over`): the one place that decides it,
        after every call that can change one (`_settles`)."""
        if not self._ended:
            return
        for request in [r for r in self._ended.values() if r.over]:
            del self._ended[request.request_id]
            self._requests.pop(request.request_id, None)
            request.reassembler.discard()
            # A late error message of the worker about it is nobody's once its reader had its end (or it was
            # abandoned); one about a request whose callbacks had everything is for update(), once.
            self._gone[request.request_id] = _Gone(request.error, request.end_seen)
        if len(self._gone) > MAX_FORGOTTEN:  # a session open for weeks keeps the latest only
            del self._gone[next(iter(self._gone))]


def _info(payload: object) -> Info:
    if isinstance(payload, dict) and "example_take_id" in payload:
        return VoiceInfo.from_dict(payload)
    if not isinstance(payload, dict):
        raise TypeError(f"its data is {type(payload).__name__}, not an object")
    return TakeResponse.from_dict(payload)


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
