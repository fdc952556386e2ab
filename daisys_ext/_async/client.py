"""``AsyncClient``: the Daisys Speak client on the generated endpoint functions.

This is the one source of both clients: ``scripts/unasync.py`` writes ``_sync/client.py``
(``Client``) from it. The class owns the I/O (one httpx connection pool, sleeping while
polling) and delegates every decision to the sans-I/O modules in ``_http/`` and to
``_bodies``. The generated package is imported by each method on first use, so importing
``daisys_ext`` and making a client stays cheap.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar, Unpack, cast

import httpx

from .._audio import DEFAULT_MAX_BUFFERED_BYTES
from .._callbacks import async_call, async_choose_callback
from .._config import ClientConfig, ClientOptions, NoCookies, OptionOverrides, credentials_from_env
from .._errors import (
    DaisysConnectionError,
    DaisysError,
    DaisysHTTPError,
    DaisysInputError,
    DaisysNotFoundError,
    DaisysTimeoutError,
    broken_answer,
    http_error,
)
from .._files import AudioSink
from .._http.answers import Answer, unreadable
from .._http.credentials import TokenAttributes
from .._http.presigned import PresignedCache, is_presigned, same_origin, storage_request
from .._http.ready import ReadyHistory
from .._http.resume import Download, Join
from .._http.tokens import Tokens
from .._http.waiting import PollSchedule, WaitTracker, batches, wait_seconds
from .._logging import redact_logs, redact_url
from .._synchronization import async_sleep
from .auth import AsyncDaisysAuth
from .limit import AsyncLimitTransport
from .shared_tokens import AsyncSharedTokens
from .transports import AsyncClientTransport, AsyncLazyTransport, AsyncRetryTransport

if TYPE_CHECKING:
    from daisys_speak_api.models import (
        TakeGenerate,
        TakeGenerateWithoutVoice,
        TakeResponse,
        TTSModel,
        Version,
        VoiceGender,
        VoiceInfo,
    )

    from .._audio.frames import FrameDecoder
    from .._audio.playback import AudioOutput, PlayAlong
    from .._bodies import Prosody, UserData
    from .._http.token_store import TokenStore
    from .websocket_session import AsyncWebsocket

logger = logging.getLogger("daisys_ext")
T = TypeVar("T", "TakeResponse", "VoiceInfo")
R = TypeVar("R")


class AsyncClient(TokenAttributes):
    """The Daisys Speak API: models, voices, takes, audio and websocket sessions.

    Give an email and password, or tokens (an access token, a refresh token, or both); with
    none, ``DAISYS_EMAIL`` and ``DAISYS_PASSWORD`` are used. Login happens on first use,
    and an expired access token is renewed once per expiry for everyone sharing the
    client. Use it as a context manager (``async with``), or call ``close()``.

    ``default_headers`` go with every API request; ``proxy`` and ``verify`` (True, False, a
    CA bundle's path or an ``ssl.SSLContext``) apply to the API, storage and websocket
    connections alike. ``http_client`` sends through a configured ``httpx.AsyncClient`` of
    your own (its pool, proxy, TLS, event hooks, and its headers on API requests), which you
    close; this client still adds its auth, retries and error checks around it.

    The other options, by keyword: ``daisys_url``, ``auth_url``, ``timeout`` (30 s a call),
    ``audio_timeout`` (300 s between audio bytes), ``max_retries`` (2), ``poll`` (a
    ``PollSchedule``), ``default_headers``, ``proxy``, ``verify``, ``max_concurrency`` (64)
    (``ClientOptions``).

    ``max_concurrency`` (default 64) bounds the requests open at once, API calls and
    downloads alike (a download holds its place until its body is read or closed); the
    rest wait their turn in order, so a thousand takes at once cost no more CPU a take
    than sixty-four.

    ``token_store`` (a ``FileTokenStore``, a ``RedisTokenStore`` or your own ``TokenStore``)
    shares one login among many processes: the client starts from the stored tokens, and a
    login or refresh happens once for all of them, under the store's lock. With a store,
    ``close()`` does not revoke the shared tokens, and the client can be pickled (its
    configuration and store, never a password or token) to be sent to another process.
    """

    def __init__(
        self,
        email: str | None = None,
        password: str | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        token_store: TokenStore | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        redact_logs()
        config = ClientConfig.resolve(**options)
        if http_client is not None and transport is not None:
            raise DaisysInputError("Give http_client or transport, not both.")
        email, password = credentials_from_env(email, password, access_token, refresh_token)
        tokens = Tokens(
            config.auth_url,
            email=email,
            password=password,
            access_token=access_token,
            refresh_token=refresh_token,
        )
        if http_client is not None:
            config = config.with_base_headers(http_client.headers)  # its own headers go with API requests too
            pool: httpx.AsyncBaseTransport = AsyncClientTransport(http_client)
        else:
            pool = transport or _own_pool(config)
        self._setup(config, tokens, _limited(pool, config, tokens), owns_pool=True, store=token_store)

    def _setup(
        self,
        config: ClientConfig,
        tokens: Tokens,
        limited: AsyncLimitTransport,
        *,
        owns_pool: bool,
        store: TokenStore | None = None,
    ) -> None:
        self._config = config
        self._tokens = tokens
        self._limit = limited  # the client's max_concurrency, in front of its pool
        self._pool = limited.inner
        self._is_copy = not owns_pool
        self._shared = AsyncSharedTokens(store, tokens, config.timeout.read or 30.0)
        auth = AsyncDaisysAuth(tokens, config.public_paths, config.timeout.as_dict(), config.headers, self._shared)
        self._http = httpx.AsyncClient(
            base_url=config.product_url,
            auth=auth,
            headers=dict(config.headers),
            timeout=config.timeout,
            transport=AsyncRetryTransport(limited, config.retry, owns_inner=owns_pool),
            follow_redirects=False,
            cookies=NoCookies(),
        )
        self._presigned = PresignedCache()
        self._ready_history = ReadyHistory()  # generation times of earlier takes, for the ready estimate

    def with_options(self, **overrides: Unpack[OptionOverrides]) -> AsyncClient:
        """A copy with other timeouts or retries, sharing this client's connection pool and tokens.

        ``client.with_options(timeout=5).get_take(take_id)``: closing the copy leaves the
        pool open; closing the original closes it for both. By keyword: ``timeout``,
        ``audio_timeout``, ``max_retries`` and ``max_concurrency`` (``OptionOverrides``; None
        keeps the original's). The copy shares the original's ``max_concurrency`` too, unless
        given one of its own (counted apart).
        """
        copy = AsyncClient.__new__(AsyncClient)
        config = self._config.with_options(**overrides)
        own_limit = overrides.get("max_concurrency") is not None
        limited = self._limit.with_limit(config.max_concurrency) if own_limit else self._limit
        copy._setup(config, self._tokens, limited, owns_pool=False, store=self._shared.store)
        copy._ready_history = self._ready_history
        return copy

    @property
    def token_store(self) -> TokenStore | None:
        """The store this client shares its tokens through, if any."""
        return self._shared.store

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its configuration, email and token store: no password and no token travel.

        Celery, Ray and multiprocessing send their arguments as pickles; the client made from
        one gets its tokens from the store. Without a store there is nothing to get them
        from, so such a client refuses to be pickled.
        """
        if self._shared.store is None:
            raise DaisysInputError(
                f"{type(self).__name__} without a token_store cannot be pickled: its password and tokens would travel "
                "in the pickle. Give it token_store=FileTokenStore(...) or RedisTokenStore(...), or make the client "
                "in the process that uses it."
            )
        if not isinstance(self._pool, AsyncLazyTransport):
            raise DaisysInputError(
                f"{type(self).__name__} with an http_client or transport of its own cannot be pickled: make it in the "
                "process that uses it."
            )
        if self._config.proxy and "@" in self._config.proxy:
            raise DaisysInputError(f"{type(self).__name__} with a proxy password cannot be pickled.")
        return (_from_pickle, (self._config, self._tokens.email, self._shared.store))

    # -- credentials -------------------------------------------------------------------

    async def _run(self, flow: Generator[httpx.Request, httpx.Response, R]) -> R:
        """Drive an auth-service exchange of ``Tokens`` (sent without the product's auth)."""
        try:
            request = next(flow)
            while True:
                request.extensions.setdefault("timeout", self._config.timeout.as_dict())
                for name, value in self._config.headers.items():  # built by Tokens: no client header yet
                    request.headers.setdefault(name, value)
                try:
                    response = await self._http.send(request, auth=None)
                except DaisysError:
                    raise
                except httpx.TransportError as exc:  # the body broke off after the headers
                    raise broken_answer(exc, f"The auth service's answer to {request.url.path}") from exc
                request = flow.send(response)
        except StopIteration as done:
            return cast(R, done.value)

    async def login(self, email: str | None = None, password: str | None = None) -> bool:
        """Log in with the given (or the client's) email and password; True when logged in (stored, with a store)."""
        if email is not None:
            self._tokens.email = email
        if password is not None:
            self._tokens.password = password
        async with self._shared.exchange():
            await self._run(self._tokens.login())
        return True

    async def login_refresh(self) -> bool | None:
        """Renew the tokens now: True if refreshed, False if refused, None without a refresh token."""
        async with self._shared.exchange():
            return await self._run(self._tokens.refresh())

    async def logout(self, refresh_token: str | None = None) -> bool:
        """Revoke the refresh token (or the one given) and forget the tokens; False if there was none.

        With a ``token_store`` this logs out EVERY process sharing the store: the stored tokens
        are removed and their refresh token revoked, so the others must log in again.
        """
        stored = await self._shared.forget()
        return await self._run(self._tokens.logout(refresh_token or stored))

    async def close(self) -> None:
        """Log out if ``auto_logout`` says so, and close the connection pool.

        A copy from ``with_options`` neither logs out nor closes the pool it shares, and an
        ``http_client`` of your own stays open. A client with a ``token_store`` never logs
        out on close: the login is the fleet's (``logout()`` ends it for everyone).
        """
        if self._http.is_closed:
            return
        try:
            if self.auto_logout and self.refresh_token and not self._is_copy and self._shared.store is None:
                await self.logout()
        except (DaisysError, httpx.HTTPError) as exc:
            logger.warning("logout on close failed: %s", exc)
        finally:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- models and version ------------------------------------------------------------

    async def version(self) -> Version:
        """The API's version; needs no login."""
        from daisys_speak_api.api.info import get_version
        from daisys_speak_api.models import Version

        answer = await self._call("version", get_version.request(), get_version.parse)
        return answer.one(Version)

    async def get_models(self) -> list[TTSModel]:
        """The text-to-speech models this account may use."""
        from daisys_speak_api.api.models import get_models
        from daisys_speak_api.models import TTSModel

        answer = await self._call("get_models", get_models.request(), get_models.parse)
        return answer.many(TTSModel)

    async def get_model(self, model_name: str) -> TTSModel:
        """One model by name."""
        from daisys_speak_api.api.models import get_model
        from daisys_speak_api.models import TTSModel

        answer = await self._call("get_model", get_model.request(model_name), get_model.parse)
        return answer.one(TTSModel)

    # -- voices ------------------------------------------------------------------------

    async def get_voices(
        self,
        length: int | None = None,
        page: int | None = None,
        older: int | None = None,
        newer: int | None = None,
        *,
        voice_ids: Sequence[str] | None = None,
    ) -> list[VoiceInfo]:
        """Voices, newest first, optionally filtered by ids, page, or timestamps (ms) older/newer."""
        from daisys_speak_api.api.voices import get_voices
        from daisys_speak_api.models import VoiceInfo

        from .._bodies import ids_query

        request = get_voices.request(voice_id=ids_query(voice_ids), length=length, page=page, older=older, newer=newer)
        answer = await self._call("get_voices", request, get_voices.parse)
        return answer.many(VoiceInfo)

    async def get_voice(self, voice_id: str) -> VoiceInfo:
        """One voice by id."""
        from daisys_speak_api.api.voices import get_voice
        from daisys_speak_api.models import VoiceInfo

        answer = await self._call("get_voice", get_voice.request(voice_id), get_voice.parse)
        return answer.one(VoiceInfo)

    async def generate_voice(
        self,
        name: str,
        model: str,
        gender: VoiceGender | str,
        description: str | None = None,
        default_style: list[str] | None = None,
        default_prosody: Prosody | None = None,
        example_take: TakeGenerateWithoutVoice | None = None,
        done_webhook: str | None = None,
        wait: bool = True,
        raise_on_error: bool = True,
        wait_timeout: float | None = None,
        *,
        timeout: float | None = None,
    ) -> VoiceInfo:
        """Generate a new voice for a model; by default wait until it (and its example take) is ready.

        ``wait_timeout`` bounds the wait in seconds (``timeout``, the official SDK's name, means the same).
        """
        from daisys_speak_api.api.voices import generate_voice
        from daisys_speak_api.models import VoiceInfo

        from .._bodies import voice_generate

        body = voice_generate(
            name, model, gender, description, default_style, default_prosody, example_take, done_webhook
        )
        answer = await self._call("generate_voice", generate_voice.request(body=body), generate_voice.parse)
        voice = answer.one(VoiceInfo)
        if not wait:
            return voice
        return cast(
            "VoiceInfo",
            await self.wait_for_voices(
                voice.voice_id, raise_on_error=raise_on_error, wait_timeout=wait_seconds(wait_timeout, timeout)
            ),
        )

    async def update_voice(
        self,
        voice_id: str,
        name: str | None = None,
        gender: VoiceGender | str | None = None,
        description: str | None = None,
        default_style: list[str] | None = None,
        default_prosody: Prosody | None = None,
        raise_on_error: bool = True,
        **_kwargs: Any,
    ) -> bool:
        """Update a voice; other keyword arguments (the rest of ``dict(voice)``) are ignored."""
        from daisys_speak_api.api.voices import update_voice

        from .._bodies import voice_update
        from .._errors import DaisysVoiceUpdateError

        body = voice_update(name, gender, description, default_style, default_prosody)
        request = update_voice.request(voice_id, body=body)
        answer = await self._call("update_voice", request, update_voice.parse, missing_ok=True)
        return _succeeded(answer.value, DaisysVoiceUpdateError, f"Voice {voice_id} failed to update", raise_on_error)

    async def delete_voice(self, voice_id: str, raise_on_error: bool = True) -> bool:
        """Delete a voice; False (or, by default, `DaisysVoiceDeletionError`) when it could not be."""
        from daisys_speak_api.api.voices import delete_voice

        from .._errors import DaisysVoiceDeletionError

        answer = await self._call("delete_voice", delete_voice.request(voice_id), delete_voice.parse, missing_ok=True)
        return _succeeded(answer.value, DaisysVoiceDeletionError, f"Voice {voice_id} failed to delete", raise_on_error)

    async def wait_for_voices(
        self,
        voice_ids: str | list[str],
        sleep_seconds: float | None = None,
        raise_on_error: bool = True,
        wait_timeout: float | None = None,
        callback: Callable[[list[VoiceInfo]], Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> Any:
        """Poll until the voice(s) are done; returns one VoiceInfo for one id, else a list.

        Past ``wait_timeout`` seconds (``timeout``, the official SDK's name) a ``DaisysTimeoutError``.
        """
        from .._errors import DaisysVoiceGenerateError

        async def fetch_many(ids: list[str]) -> list[VoiceInfo]:
            return await self.get_voices(voice_ids=ids)

        results = await self._wait(
            [voice_ids] if isinstance(voice_ids, str) else voice_ids,
            fetch_many,
            self.get_voice,
            lambda voice: voice.voice_id,
            sleep_seconds=sleep_seconds,
            callback=callback,
            wait_timeout=wait_seconds(wait_timeout, timeout),
        )
        WaitTracker.check(results, raise_on_error, DaisysVoiceGenerateError, "voice")
        return results[0] if isinstance(voice_ids, str) else results

    # -- takes -------------------------------------------------------------------------

    async def get_takes(
        self,
        take_ids: Sequence[str] | None = None,
        length: int | None = None,
        page: int | None = None,
        older: int | None = None,
        newer: int | None = None,
    ) -> list[TakeResponse]:
        """Takes, newest first, optionally filtered by ids, page, or timestamps (ms) older/newer."""
        from daisys_speak_api.api.takes import get_takes
        from daisys_speak_api.models import TakeResponse

        from .._bodies import ids_query

        request = get_takes.request(take_id=ids_query(take_ids), length=length, page=page, older=older, newer=newer)
        answer = await self._call("get_takes", request, get_takes.parse)
        return answer.many(TakeResponse)

    async def get_take(self, take_id: str) -> TakeResponse:
        """One take by id."""
        from daisys_speak_api.api.takes import get_take
        from daisys_speak_api.models import TakeResponse

        answer = await self._call("get_take", get_take.request(take_id), get_take.parse)
        return answer.one(TakeResponse)

    async def generate_take(
        self,
        voice_id: str,
        text: str,
        override_language: str | None = None,
        style: list[str] | None = None,
        prosody: Prosody | None = None,
        status_webhook: str | None = None,
        done_webhook: str | None = None,
        wait: bool = True,
        raise_on_error: bool = True,
        wait_timeout: float | None = None,
        user_data: UserData | None = None,
        *,
        timeout: float | None = None,
    ) -> TakeResponse:
        """Generate speech for ``text`` with a voice; by default wait until the take is ready.

        ``wait_timeout`` bounds the wait in seconds (``timeout``, the official SDK's name, means the same).

        The POST is never repeated by the client's retries: a repeated generate would be
        a second take.
        """
        from daisys_speak_api.api.takes import generate_take
        from daisys_speak_api.models import TakeResponse

        from .._bodies import take_generate

        body = take_generate(voice_id, text, override_language, style, prosody, status_webhook, done_webhook, user_data)
        sent = time.monotonic()
        answer = await self._call("generate_take", generate_take.request(body=body), generate_take.parse)
        take = answer.one(TakeResponse)
        if not wait:
            return take
        (ready,) = await self._takes_ready([take], sent, raise_on_error, wait_seconds(wait_timeout, timeout))
        return ready

    async def generate_takes(
        self,
        request: list[TakeGenerate],
        wait: bool = True,
        raise_on_error: bool = True,
        wait_timeout: float | None = None,
        *,
        timeout: float | None = None,
    ) -> list[TakeResponse]:
        """Generate several takes in one request; by default wait until all are done (see `generate_take`)."""
        from daisys_speak_api.api.takes import generate_take
        from daisys_speak_api.models import TakeResponse

        from .._bodies import checked_takes

        bodies = checked_takes(request)
        sent = time.monotonic()
        answer = await self._call("generate_takes", generate_take.request(body=bodies), generate_take.parse)
        takes = answer.many(TakeResponse)
        if not wait:
            return takes
        return await self._takes_ready(takes, sent, raise_on_error, wait_seconds(wait_timeout, timeout))

    async def delete_take(self, take_id: str, raise_on_error: bool = True) -> bool:
        """Delete a take; False (or, by default, `DaisysTakeDeletionError`) when it could not be."""
        from daisys_speak_api.api.takes import delete_take

        from .._errors import DaisysTakeDeletionError

        answer = await self._call("delete_take", delete_take.request(take_id), delete_take.parse, missing_ok=True)
        self._presigned.forget(take_id)
        return _succeeded(answer.value, DaisysTakeDeletionError, f"Take {take_id} failed to delete", raise_on_error)

    async def wait_for_takes(
        self,
        take_ids: str | list[str],
        sleep_seconds: float | None = None,
        callback: Callable[[list[TakeResponse]], Any] | None = None,
        async_callback: Callable[[list[TakeResponse]], Awaitable[Any]] | None = None,
        raise_on_error: bool = True,
        wait_timeout: float | None = None,
        *,
        timeout: float | None = None,
    ) -> Any:
        """Poll until the take(s) are done; returns one TakeResponse for one id, else a list.

        Each take is polled when its own progress says it will be ready (see ``_http/ready.py``),
        the ids due together in one list request (split when the URL would be too long);
        ``sleep_seconds`` fixes the interval instead. Past ``wait_timeout`` seconds (``timeout``,
        the official SDK's name) a ``DaisysTimeoutError`` carries the last states.
        """
        results = await self._wait_takes(
            [take_ids] if isinstance(take_ids, str) else take_ids,
            raise_on_error,
            wait_seconds(wait_timeout, timeout),
            sleep_seconds=sleep_seconds,
            callback=async_choose_callback(callback, async_callback),
        )
        return results[0] if isinstance(take_ids, str) else results

    async def _takes_ready(
        self, takes: list[TakeResponse], sent: float, raise_on_error: bool, wait_timeout: float | None
    ) -> list[TakeResponse]:
        """Wait for takes just generated by a request sent at ``sent``: their generate answers count as the
        first round of polling (a take cannot have moved on before it was asked for)."""
        ids = [take.take_id for take in takes]
        return await self._wait_takes(ids, raise_on_error, wait_timeout, known=takes, known_since=sent)

    async def _wait_takes(
        self,
        ids: list[str],
        raise_on_error: bool,
        wait_timeout: float | None,
        *,
        sleep_seconds: float | None = None,
        callback: Callable[[list[TakeResponse]], Any] | None = None,
        known: Sequence[TakeResponse] = (),
        known_since: float | None = None,
    ) -> list[TakeResponse]:
        """``_wait`` for takes (listed in batches, each polled when its progress says), failures checked."""
        from .._errors import DaisysTakeGenerateError

        results = await self._wait(
            ids,
            self._list_takes,
            self.get_take,
            _take_id,
            sleep_seconds=sleep_seconds,
            callback=callback,
            wait_timeout=wait_timeout,
            known=known,
            known_since=known_since,
            describe=_take_traits,
        )
        WaitTracker.check(results, raise_on_error, DaisysTakeGenerateError, "take")
        return results

    async def _list_takes(self, ids: list[str]) -> list[TakeResponse]:
        return await self.get_takes(take_ids=ids)

    async def _wait(
        self,
        ids: list[str],
        fetch_many: Callable[[list[str]], Awaitable[list[T]]],
        fetch_one: Callable[[str], Awaitable[T]],
        id_of: Callable[[T], str],
        *,
        sleep_seconds: float | None = None,
        callback: Callable[[list[T]], Any] | None = None,
        wait_timeout: float | None = None,
        known: Sequence[T] = (),
        known_since: float | None = None,
        describe: Callable[[T], tuple[str, int] | None] | None = None,
    ) -> list[T]:
        # Each item is polled when its own progress says (see _http/ready.py), unless the caller fixed
        # the interval (``sleep_seconds``) or the client's schedule (``poll=``).
        planned = not sleep_seconds and self._config.poll == PollSchedule()
        tracker = WaitTracker(
            ids, id_of, now=known_since, planned=planned, history=self._ready_history, describe=describe
        )
        schedule = PollSchedule.fixed(sleep_seconds) if sleep_seconds else self._config.poll
        deadline = tracker.deadline(wait_timeout)
        # The generate answer (``known``, asked for at ``known_since``) is as good as a first round: the first
        # poll waits.
        tracker.update(known, known_since, poll=False)
        intervals = schedule.intervals()
        if known:
            await async_sleep(tracker.pause(next(intervals), deadline))
        while not tracker.done:
            for batch in batches(tracker.due()):
                sent = time.monotonic()
                items = await fetch_many(batch)
                # An id the list leaves out is fetched alone: a 404 then says it is gone.
                items += [await fetch_one(missing) for missing in tracker.missing(batch, items)]
                if tracker.update(items, sent) and callback is not None:
                    await async_call(callback, tracker.results())
            if tracker.done:
                break
            await async_sleep(tracker.pause(next(intervals), deadline))
        return tracker.results()

    async def _send(self, request: dict[str, Any]) -> httpx.Response:
        """Send a generated endpoint's ``request()``; an error status is raised as its typed error.

        Under ``send``, the auth flow adds the token (renewing it on a 401) and the retry
        transport retries what may be retried; what comes back is the answer to act on.
        """
        request["url"] = self._config.product_url + request["url"]  # absolute: httpx parses it once, not twice
        try:
            response = await self._http.request(**request)
        except DaisysError:
            raise
        except httpx.TransportError as exc:  # the body broke off after the headers (the transport types the rest)
            raise broken_answer(exc, f"{request['method']} {redact_url(request['url'])}'s answer") from exc
        if response.status_code >= 400:
            raise http_error(response)
        return response

    async def _call(
        self, what: str, request: dict[str, Any], parse: Callable[[httpx.Response], Any], *, missing_ok: bool = False
    ) -> Answer:
        """A generated endpoint's answer to ``request``, parsed, with its response (``what``: the method's name).

        With ``missing_ok`` a 404 is an answer of None (the thing is not there). The generated
        ``parse`` raises whatever ``json`` or ``from_dict`` raise on an answer that is not
        what the route promises; that becomes `DaisysResponseError`, with the answer.
        """
        try:
            response = await self._send(request)
        except DaisysNotFoundError as exc:
            if missing_ok:
                return Answer(what, None, exc.response)
            raise
        try:
            return Answer(what, parse(response), response)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise unreadable(what, exc, response) from None

    # -- audio -------------------------------------------------------------------------

    async def get_take_audio_url(self, take_id: str, format: str = "wav") -> str:
        """The presigned storage URL of a take's audio (the 307's Location), without downloading it.

        Presigned URLs are cached until shortly before they expire. Hand one to a player or
        a browser: it needs no token, and it carries none.
        """
        from daisys_speak_api.api.takes import get_take_audio

        from .._bodies import audio_format

        wanted = audio_format(format)
        cached = self._presigned.get(take_id, format)
        if cached is not None:
            return cached
        answer = await self._send(get_take_audio.request(take_id, wanted))
        location = answer.headers.get("location")
        if answer.status_code != 307 or not location:
            problem = f"answered {answer.status_code} without a Location to the audio"
            raise unreadable("get_take_audio_url", problem, answer)
        location = str(httpx.URL(self._config.product_url).join(location))
        self._presigned.put(take_id, format, location)
        return location

    async def _open_audio(
        self, take_id: str, format: str, headers: Mapping[str, str] | None = None, remaining: float | None = None
    ) -> httpx.Response:
        """Start streaming a take's audio from storage, with no credential sent there.

        ``headers`` (a range, when a cut download resumes) go with the storage request, whose
        timeouts are clipped to ``remaining`` seconds.
        """
        for attempt in range(2):
            url = await self.get_take_audio_url(take_id, format)
            foreign = is_presigned(url) or not same_origin(httpx.URL(url), httpx.URL(self._config.product_url))
            request = storage_request(url) if foreign else self._http.build_request("GET", url)
            request.headers.update(headers or {})
            timeouts = self._config.audio_timeout.as_dict()
            if remaining is not None:  # a resume gets only what is left of the download's time
                timeouts = {key: min(value or remaining, remaining) for key, value in timeouts.items()}
            request.extensions["timeout"] = timeouts
            try:
                # httpx drops the Authorization header on a redirect to another origin.
                auth = None if foreign else httpx.USE_CLIENT_DEFAULT
                response = await self._http.send(request, auth=auth, stream=True, follow_redirects=True)
            except httpx.TooManyRedirects:
                hops = self._http.max_redirects
                raise unreadable("get_take_audio", f"the storage redirected more than {hops} times", None) from None
            if response.status_code >= 400:
                try:
                    await response.aread()
                finally:
                    await response.aclose()
                # A cached URL the storage no longer honours: ask the API for a fresh one, once.
                if response.status_code == 403 and not attempt:
                    self._presigned.forget(take_id, format)
                    continue
                raise http_error(response)
            if response.status_code >= 300:  # a redirect without a Location to follow
                await response.aclose()
                problem = f"the storage answered {response.status_code}, not the audio"
                raise unreadable("get_take_audio", problem, response)
            return response
        raise AssertionError("unreachable")

    async def get_take_audio(
        self, take_id: str, file: str | os.PathLike[str] | BinaryIO | None = None, format: str = "wav"
    ) -> bytes | memoryview:
        """Download a take's audio; with ``file`` (a path or binary file) stream it there.

        A path is written to a temporary name in the same folder and renamed when complete,
        so it is never half-written; memory stays constant, and the return value is then a
        read-only memory map of the file. Without ``file`` the bytes are returned. Only wav
        can be fetched before the take is ready (it streams while it is generated).
        """
        with AudioSink(file) as sink:
            await self._download(take_id, format, sink)
        return sink.result()

    async def _download(self, take_id: str, format: str, sink: AudioSink, player: PlayAlong | None = None) -> None:
        """Stream a take's audio into ``sink`` (and a player), resumed where the connection breaks.

        A download that must start over (the storage sent another object) starts the sink
        over; one that is playing cannot, and is a `DaisysConnectionError`.
        """
        async with AsyncAudioStream(self, take_id, format, sink.restart if player is None else None) as stream:
            async for chunk in stream:
                sink.write(chunk)
                if player is not None:
                    player.feed_wav(chunk)

    def stream_take_audio(self, take_id: str, format: str = "wav") -> AsyncAudioStream:
        """Iterate over a take's audio as it arrives; works before the take is ready (wav).

        Use as ``async with client.stream_take_audio(take_id) as stream: async for chunk in
        stream: ...`` (or iterate directly). A connection that breaks midway is resumed with a
        ranged request from the byte reached, when the storage says the object's length (a
        ready take's audio).
        """
        return AsyncAudioStream(self, take_id, format)

    async def speak(
        self,
        text: str,
        voice_id: str,
        file: str | os.PathLike[str],
        *,
        format: str = "wav",
        play: bool | AudioOutput = False,
        **take_options: Any,
    ) -> TakeResponse:
        """From text to a finished audio file with the least latency; returns the ready take.

        For wav the download starts at once and streams while the take is generated,
        instead of polling until it is ready. The file appears only when complete and the
        take ready; on any failure there is no file. ``play`` (wav only) plays the audio as
        it downloads: True for the sound card (the ``audio`` extra), or an `AudioOutput`.
        """
        from .._bodies import audio_format
        from .playing import playing_along

        audio_format(format)  # refuse an unknown format before generating anything
        if play is not False and format != "wav":
            raise DaisysInputError(f"play= plays wav; {format} would need decoding first.")
        take = await self.generate_take(voice_id, text, wait=format != "wav", **take_options)
        async with playing_along(play) as player:
            with AudioSink(file) as sink:
                try:
                    await self._download(take.take_id, format, sink, player)
                except (DaisysConnectionError, DaisysTimeoutError):
                    await self.wait_for_takes(take.take_id)  # raises the take's own error if generation failed
                    raise
                take = cast("TakeResponse", await self.wait_for_takes(take.take_id))
        return take

    # -- websocket ---------------------------------------------------------------------

    def websocket(
        self,
        model: str | None = None,
        voice_id: str | None = None,
        *,
        connect_timeout: float = 10.0,
        stall_timeout: float | None = 30.0,  # protocol.DEFAULT_STALL_TIMEOUT (_websocket loads on first use)
        max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES,
        decoder: FrameDecoder | None = None,
        worker_url: str | None = None,
    ) -> AsyncWebsocket:
        """A websocket session with a worker for ``model`` (or ``voice_id``'s model), for the lowest latency.

        Use it in a block: ``async with client.websocket(voice_id=v) as ws: await ws.speak("Hi", "hi.wav")``.
        ``connect_timeout`` bounds opening a connection; ``stall_timeout`` how long the worker may
        send nothing about the requests in flight before they fail with `DaisysTimeoutError`
        (None: no bound). ``max_buffered_bytes`` bounds the out-of-order audio held per request; ``decoder``
        reads another wire format (see ``daisys_ext.audio.FrameDecoder``). ``worker_url``
        connects there (a local replay server, a proxy of your own) instead of to a URL from
        the API, on every (re)connection. The client's ``proxy`` and ``verify`` apply.
        """
        from .._websocket.connection import ConnectOptions
        from .websocket_session import AsyncWebsocket

        options = ConnectOptions(connect_timeout, self._config.websocket_ssl, self._config.proxy)
        return AsyncWebsocket(
            self,
            model,
            voice_id,
            connect=options,
            max_buffered_bytes=max_buffered_bytes,
            decoder=decoder,
            worker_url=worker_url,
            stall_timeout=stall_timeout,
        )

    async def websocket_url(
        self, model: str | None = None, voice_id: str | None = None, raise_on_error: bool = True
    ) -> str | None:
        """A worker's websocket URL for a model (or a voice's model), e.g. for a front-end.

        The URL carries a short-lived secret of its own, not the access token.
        """
        from daisys_speak_api.api.websocket import get_websocket_url, get_worker_websocket_url
        from daisys_speak_api.models import WebsocketUrl, WorkerWebsocketUrl

        if voice_id is not None and model is None:
            model = (await self.get_voice(voice_id)).model
        if not model:
            raise DaisysInputError("websocket_url needs a model or a voice_id.")
        try:
            try:
                request = get_worker_websocket_url.request(model)
                answer = await self._call("websocket_url", request, get_worker_websocket_url.parse)
                return answer.one(WorkerWebsocketUrl).worker_websocket_url
            except DaisysNotFoundError as exc:
                if "model" in str(exc.detail).lower():
                    raise
                # A service with only the form the endpoints page describes.
                request = get_websocket_url.request(model=model)
                other = await self._call("websocket_url", request, get_websocket_url.parse)
                return other.one(WebsocketUrl).websocket_url
        except DaisysError:
            if raise_on_error:
                raise
            return None


def _take_id(take: TakeResponse) -> str:
    return take.take_id


def _take_traits(take: TakeResponse) -> tuple[str, int]:
    """What makes takes alike in generation time: the voice (and so the model) and the text's length."""
    return take.voice_id, len(take.text)


def broken_stream(take_id: str, exc: httpx.TransportError) -> DaisysError:
    """The error for a take's audio that broke off in the middle: `DaisysTimeoutError` when it stalled."""
    return broken_answer(exc, f"The audio stream of take {take_id}")


def _succeeded(result: Any, error: type[DaisysError], failed: str, raise_on_error: bool) -> bool:
    """An update's or a delete's answer (None: not found): True, else ``error`` raised, or False."""
    if result is True:
        return True
    if raise_on_error:
        raise error(f"{failed}: not found." if result is None else f"{failed}.")
    return False


class AsyncAudioStream:
    """A take's audio as an iterator of byte chunks: opened on first use, resumed with a ranged
    request where the connection breaks (`_http.resume` decides how each answer joins), closed at the end.

    ``discard`` takes back what was handed on (a file or a buffer starting over) and says
    whether it could; without it, a download that must start over is a `DaisysConnectionError`.
    """

    def __init__(
        self, client: AsyncClient, take_id: str, format: str, discard: Callable[[], bool] | None = None
    ) -> None:
        self._client = client
        self._take_id = take_id
        self._format = format
        self._discard = discard
        self._response: httpx.Response | None = None
        self._download: Download | None = None

    async def __aenter__(self) -> AsyncAudioStream:
        if self._response is None:
            config = self._client._config
            self._download = Download(f"take {self._take_id}", config.retry, config.audio_timeout.read)
            self._response = await self._client._open_audio(self._take_id, self._format)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        await self.__aenter__()
        download = self._download
        assert download is not None
        handed = 0  # bytes handed on since the last start
        try:
            while True:
                response = self._response
                join = Join.AGAIN if response is None else download.answer(response.status_code, response.headers)
                if join in (Join.RESTART, Join.AGAIN) and handed:
                    if self._discard is None or not self._discard():
                        raise download.changed()
                    handed = 0
                cut: httpx.TransportError | None = None
                if response is not None and join is not Join.AGAIN:
                    skip = download.received if join is Join.SKIP else 0
                    try:
                        async for chunk in response.aiter_bytes():
                            if skip:  # the whole object again: past what was already handed on
                                chunk, skip = chunk[skip:], max(skip - len(chunk), 0)
                                if not chunk:
                                    continue
                            download.got(len(chunk))
                            handed += len(chunk)
                            yield chunk
                        download.check_complete()
                        return
                    except httpx.TransportError as exc:
                        cut = exc
                await self.aclose()
                await self._resume(download, cut)
        finally:
            await self.aclose()

    async def _resume(self, download: Download, cut: httpx.TransportError | None) -> None:
        """After a cut (or an answer of no use): wait as the download allows, then ask for the rest."""
        delay = download.after_cut()
        if delay is None:
            if cut is None:
                raise download.changed()
            raise broken_stream(self._take_id, cut) from cut
        logger.info(
            "resuming the audio of take %s at byte %d after %s",
            self._take_id,
            download.received,
            type(cut).__name__ if cut else "an answer that did not continue it",
        )
        await async_sleep(delay)
        try:
            self._response = await self._client._open_audio(
                self._take_id, self._format, download.headers(), download.remaining()
            )
        except DaisysHTTPError as exc:
            if exc.status_code == 416:
                download.answer(416, exc.response.headers)  # the object is shorter now: start over
            elif cut is not None:  # still a download cut midway (a failed take's audio is gone, say)
                raise broken_stream(self._take_id, cut) from exc
            else:
                raise

    async def aclose(self) -> None:
        """Close the download (it is closed at the end of iteration anyway)."""
        if self._response is not None:
            response, self._response = self._response, None
            await response.aclose()


def _own_pool(config: ClientConfig) -> httpx.AsyncBaseTransport:
    """The client's own connection pool, made by its first request.

    It keeps alive as many connections as may be open at once, so none is closed and reopened.
    """
    most = config.max_concurrency
    limits = httpx.Limits(max_connections=max(100, most), max_keepalive_connections=most)
    return AsyncLazyTransport(
        lambda: httpx.AsyncHTTPTransport(proxy=config.proxy, verify=config.verify, limits=limits)
    )


def _limited(pool: httpx.AsyncBaseTransport, config: ClientConfig, tokens: Tokens) -> AsyncLimitTransport:
    """``pool`` behind the client's ``max_concurrency``; the auth service's requests never wait for a place."""
    return AsyncLimitTransport(pool, config.max_concurrency, httpx.URL(tokens.auth_url + "/"))


def _from_pickle(config: ClientConfig, email: str | None, store: TokenStore) -> AsyncClient:
    """A client unpickled in another process: the same configuration, its tokens from the store."""
    redact_logs()
    client = AsyncClient.__new__(AsyncClient)
    tokens = Tokens(config.auth_url, email=email)
    client._setup(config, tokens, _limited(_own_pool(config), config, tokens), owns_pool=True, store=store)
    return client
