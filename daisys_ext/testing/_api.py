"""The API origin: `/auth/*` and the `/v1/speak/*` product routes, answering like the FastAPI service.

Faults (`fail_rate`) hit product routes only, never `/auth/*` nor `/v1/speak/version`; `latency` delays every
answer. Authentication is checked before body validation, as FastAPI resolves the bearer dependency first.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

from . import _catalog, _validation as v
from ._audio import FORMATS, available_formats
from ._auth import Auth
from ._faults import Faults
from ._options import Options
from ._server import Request, Response, json_response
from ._state import DONE, NotFound, Store
from ._storage import Presigner, unavailable_message

PRODUCT = "/v1/speak"
VERSION = {"version": 1, "minor": 0}
_BEARER = [("WWW-Authenticate", "Bearer")]

Handler = Callable[[Request, dict[str, str]], Response]


class _Invalid(Exception):
    """Carries a ready 422 (or other) answer out of a helper."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def _detail(status: int, detail: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    return json_response(status, {"detail": detail}, headers or [])


def _unprocessable(errors: v.Errors) -> _Invalid:
    return _Invalid(_detail(422, errors))


def _body(request: Request) -> Any:
    """The JSON body, or a 422 like FastAPI's for a missing or malformed one."""
    if not request.body.strip():
        raise _unprocessable([v.error("missing", ("body",), "Field required", None)])
    try:
        return json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        position = exc.pos if isinstance(exc, json.JSONDecodeError) else exc.start
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else "Invalid UTF-8"
        raise _unprocessable(
            [v.error("json_invalid", ("body", position), "JSON decode error", {}, {"error": message})]
        ) from None


def _query_int(params: dict[str, list[str]], name: str, errors: v.Errors) -> int | None:
    values = params.get(name)
    if not values or values[-1] == "":
        return None
    value = values[-1]
    try:
        return int(value)
    except ValueError:
        msg = "Input should be a valid integer, unable to parse string as an integer"
        errors.append(v.error("int_parsing", ("query", name), msg, value))
        return None


class ApiApp:
    """Routes requests of the API origin."""

    def __init__(
        self,
        auth: Auth,
        store: Store,
        presigner: Presigner,
        faults: Faults,
        options: Options,
        storage_url: Callable[[], str],
        worker_url: Callable[[], str | None],
    ) -> None:
        self._auth = auth
        self._store = store
        self._presigner = presigner
        self._faults = faults
        self._options = options
        self._storage_url = storage_url
        self._worker_url = worker_url
        p = re.escape(PRODUCT)
        seg = r"(?P<{}>[^/]+)"
        # Order matters where FastAPI's does: fixed paths before parameterised ones.
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = [
            ("POST", re.compile(r"/auth/login"), self._login, False),
            ("POST", re.compile(r"/auth/refresh"), self._refresh, False),
            ("POST", re.compile(r"/auth/logout"), self._logout, False),
            ("GET", re.compile(p + r"/version"), self._version, False),
            ("GET", re.compile(p + r"/models"), self._models, True),
            ("GET", re.compile(p + r"/models/" + seg.format("name")), self._model, True),
            ("GET", re.compile(p + r"/voices"), self._voices, True),
            ("POST", re.compile(p + r"/voices/generate"), self._voice_generate, True),
            ("GET", re.compile(p + r"/voices/" + seg.format("id")), self._voice, True),
            ("POST", re.compile(p + r"/voices/" + seg.format("id")), self._voice_update, True),
            ("DELETE", re.compile(p + r"/voices/" + seg.format("id")), self._voice_delete, True),
            ("GET", re.compile(p + r"/takes"), self._takes, True),
            ("POST", re.compile(p + r"/takes/generate"), self._take_generate, True),
            ("GET", re.compile(p + r"/takes/" + seg.format("id")), self._take, True),
            ("DELETE", re.compile(p + r"/takes/" + seg.format("id")), self._take_delete, True),
            ("GET", re.compile(p + r"/takes/" + seg.format("id") + "/" + seg.format("fmt")), self._audio, True),
            ("GET", re.compile(p + r"/websocket"), self._websocket_query, True),
            ("GET", re.compile(p + r"/websocket/" + seg.format("model")), self._websocket, True),
        ]

    def __call__(self, request: Request) -> Response:
        if self._options.latency > 0:
            time.sleep(self._options.latency)
        matched = [(m, route) for route in self._routes if (m := route[1].fullmatch(request.path))]
        if not matched:
            if request.path.endswith("/") and len(request.path) > 1:
                # FastAPI's redirect_slashes: point at the path without the trailing slash.
                target = request.path.rstrip("/") + (f"?{request.query}" if request.query else "")
                if any(route[1].fullmatch(request.path.rstrip("/")) for route in self._routes):
                    return Response(307, headers=[("location", target)])
            return _detail(404, "Not Found")
        for match, (method, _, handler, protected) in matched:
            if method != request.method:
                continue
            if protected:
                fault = self._faults.roll()
                if fault is not None:
                    return fault
                denied = self._authenticate(request)
                if denied is not None:
                    return denied
            try:
                return handler(request, match.groupdict())
            except _Invalid as exc:
                return exc.response
            except NotFound as exc:
                return _detail(404, str(exc))
        allowed = ", ".join(sorted({route[0] for _, route in matched}))
        return _detail(405, "Method Not Allowed", [("Allow", allowed)])

    def _authenticate(self, request: Request) -> Response | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _detail(401, "Not authenticated", _BEARER)
        if not self._auth.access_valid(token.strip()):
            return _detail(401, "Invalid or expired access token", _BEARER)
        return None

    # -- auth ----------------------------------------------------------------------------------------------------

    def _fields(self, request: Request, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Any]:
        data = v.obj(_body(request), ("body",), errors := [])
        values: dict[str, Any] = {}
        if data is not None:
            for name in required:
                if name not in data:
                    errors.append(v.error("missing", ("body", name), "Field required", data))
                else:
                    values[name] = v.string(data[name], ("body", name), errors)
            for name in optional:
                if data.get(name) is not None:
                    values[name] = v.string(data[name], ("body", name), errors)
        if errors:
            raise _unprocessable(errors)
        return values

    def _login(self, request: Request, _: dict[str, str]) -> Response:
        values = self._fields(request, ("email", "password"))
        tokens = self._auth.login(values["email"], values["password"])
        if tokens is None:
            return _detail(401, "Incorrect email or password", _BEARER)
        return json_response(200, tokens)

    def _refresh(self, request: Request, _: dict[str, str]) -> Response:
        # Either documented form: `Authorization: Bearer <access token>` with {"refresh_token"} (the official SDK,
        # the curl example) or {"email", "refresh_token"} without a header (the endpoints page), or both at once.
        # The access token sent along may have expired: it is deliberately not checked.
        values = self._fields(request, ("refresh_token",), ("email",))
        tokens = self._auth.refresh(values["refresh_token"], values.get("email"))
        if tokens is None:
            return _detail(401, "Invalid or revoked refresh token", _BEARER)
        return json_response(200, tokens)

    def _logout(self, request: Request, _: dict[str, str]) -> Response:
        values = self._fields(request, ("refresh_token",))
        if not self._auth.logout(values["refresh_token"]):
            return _detail(401, "Invalid or revoked refresh token", _BEARER)
        return json_response(200, True)

    # -- models ----------------------------------------------------------------------------------------------------

    def _version(self, request: Request, _: dict[str, str]) -> Response:
        # The service gives every format and says nothing; an emulator that cannot says which it gives, so that a
        # client (`daisys say --format mp3`) can refuse before it makes a take.
        formats = available_formats()
        return json_response(200, VERSION if formats == FORMATS else {**VERSION, "formats": list(formats)})

    def _models(self, request: Request, _: dict[str, str]) -> Response:
        return json_response(200, list(_catalog.MODELS))

    def _model(self, request: Request, path: dict[str, str]) -> Response:
        found = _catalog.model(path["name"])
        if found is None:
            return _detail(404, f"Model {path['name']} not found")
        return json_response(200, found)

    # -- voices ----------------------------------------------------------------------------------------------------

    def _listing(
        self, request: Request, id_name: str
    ) -> tuple[list[str] | None, int | None, int, int | None, int | None]:
        params = request.params
        errors: v.Errors = []
        length, page = _query_int(params, "length", errors), _query_int(params, "page", errors)
        older, newer = _query_int(params, "older", errors), _query_int(params, "newer", errors)
        if errors:
            raise _unprocessable(errors)
        raw_ids = params.get(id_name, [""])[-1]
        ids = [i for i in raw_ids.split(",") if i] if raw_ids else None
        return ids, length, page or 1, older, newer

    def _voices(self, request: Request, _: dict[str, str]) -> Response:
        return json_response(200, self._store.voices(*self._listing(request, "voice_id")))

    def _voice(self, request: Request, path: dict[str, str]) -> Response:
        return json_response(200, self._store.voice(path["id"]))

    def _voice_generate(self, request: Request, _: dict[str, str]) -> Response:
        errors: v.Errors = []
        data = v.voice_generate(_body(request), ("body",), errors)
        if data is None:
            raise _unprocessable(errors)
        problem = _catalog.voice_problem(data)
        if problem is not None:
            return _detail(*problem)
        info, _example = self._store.create_voice(data)
        return json_response(200, info)

    def _voice_update(self, request: Request, path: dict[str, str]) -> Response:
        errors: v.Errors = []
        changes = v.voice_update(_body(request), ("body",), errors)
        if changes is None:
            raise _unprocessable(errors)
        self._store.update_voice(path["id"], changes)
        return json_response(200, True)

    def _voice_delete(self, request: Request, path: dict[str, str]) -> Response:
        self._store.delete_voice(path["id"])
        return json_response(200, True)

    # -- takes -----------------------------------------------------------------------------------------------------

    def _takes(self, request: Request, _: dict[str, str]) -> Response:
        return json_response(200, self._store.takes(*self._listing(request, "take_id")))

    def _take(self, request: Request, path: dict[str, str]) -> Response:
        return json_response(200, self._store.take(path["id"]))

    def _take_generate(self, request: Request, _: dict[str, str]) -> Response:
        body = _body(request)
        errors: v.Errors = []
        if isinstance(body, list):
            items = [v.take_generate(item, ("body", i), errors) for i, item in enumerate(body)]
        else:
            items = [v.take_generate(body, ("body",), errors)]
        if errors:
            raise _unprocessable(errors)
        created = self._store.create_takes([item for item in items if item is not None])
        return json_response(200, created if isinstance(body, list) else created[0])

    def _take_delete(self, request: Request, path: dict[str, str]) -> Response:
        self._store.delete_take(path["id"])
        return json_response(200, True)

    def _audio(self, request: Request, path: dict[str, str]) -> Response:
        fmt, take_id = path["fmt"], path["id"]
        errors: v.Errors = []
        v.enum_value(fmt, ("path", "format"), errors, v.FORMATS)
        if errors:
            raise _unprocessable(errors)
        take = self._store.take_record(take_id)
        if take is None:
            return _detail(404, "Take not found")
        if take.status in DONE and take.status != "ready":
            return _detail(404, f"Take {take_id} has no audio: its generation ended in {take.status}")
        if fmt != "wav":
            if take.status != "ready":
                return _detail(404, f"Take {take_id} is not ready yet; only wav can be fetched before it is ready")
            if fmt not in available_formats():
                return _detail(404, unavailable_message(fmt))
        location = self._presigner.url(self._storage_url(), take_id, fmt)
        return Response(307, headers=[("location", location)])

    # -- websocket ---------------------------------------------------------------------------------------------------

    def _websocket_query(self, request: Request, _: dict[str, str]) -> Response:
        model = request.params.get("model", [None])[-1]
        if model is None:
            raise _unprocessable([v.error("missing", ("query", "model"), "Field required", None)])
        return self._websocket(request, {"model": model})

    def _websocket(self, request: Request, path: dict[str, str]) -> Response:
        model = path["model"]
        if _catalog.model(model) is None:
            return _detail(404, f"Model {model} not found")
        base = self._worker_url()
        if base is None:
            return _detail(503, "The websocket worker is not running in this emulator")
        url = f"{base}/{model}?token={self._auth.worker_token(model)}"
        return json_response(200, {"worker_websocket_url": url, "websocket_url": url})
