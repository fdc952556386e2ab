"""A plain websocket-client playing the client's side of a recorded session, as a test's stand-in for a session."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import websocket

from daisys_ext.testing.wsrecord import Recording

FINAL = ("ready", "error")


@dataclass
class Received:
    """What the client got, in arrival order: status JSON, audio messages, and how the connection ended."""

    statuses: list[dict[str, Any]] = field(default_factory=list)
    audio: list[bytes] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # "text" / "binary" per message, to compare with a recording
    close: tuple[int, str] | None = None


def play(url: str, recording: Recording, *, rename: dict[Any, Any] | None = None) -> Received:
    """Send what the recording's client sent (request ids renamed as ``rename`` says), then read until every
    request reports a final status (or the server closes); close like a client that got what it wanted."""
    ws = websocket.create_connection(url, timeout=10)
    received = Received()
    pending: set[Any] = set()
    try:
        for message in recording.messages("send"):
            if isinstance(message, str) and rename:
                command = json.loads(message)
                command["request_id"] = rename.get(command["request_id"], command["request_id"])
                message = json.dumps(command)
            if isinstance(message, str):
                pending.add(json.loads(message).get("request_id"))
            ws.send(message) if isinstance(message, str) else ws.send_binary(message)
        while pending:
            opcode, data = ws.recv_data()
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                code = int.from_bytes(data[:2], "big") if len(data) >= 2 else 1005
                received.close = (code, data[2:].decode())
                break
            if opcode == websocket.ABNF.OPCODE_BINARY:
                received.audio.append(bytes(data))
                received.order.append("binary")
                continue
            status = json.loads(data)
            received.statuses.append(status)
            received.order.append("text")
            final = status.get("status") == "error" or (status.get("data") or {}).get("status") in FINAL
            if final:
                pending.discard(status.get("request_id"))
    finally:
        ws.close()
        ws.shutdown()  # type: ignore[no-untyped-call]  # close() leaves the socket open if the server closed first
    return received
