"""`python -m daisys_ext.testing`: run the emulator standalone until Ctrl-C, printing its URLs and credentials."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from ._emulator import Emulator


def _statuses(text: str) -> int | tuple[int, ...]:
    values = tuple(int(v) for v in text.split(","))
    return values[0] if len(values) == 1 else values


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line: credentials and every emulator knob."""
    parser = argparse.ArgumentParser(prog="python -m daisys_ext.testing", description=__doc__)
    parser.add_argument("--email", default="user@example.com", help="account email (default: %(default)s)")
    parser.add_argument("--password", default="pw", help="account password (default: %(default)s)")
    parser.add_argument("--token-ttl", type=float, default=3600.0, help="access token lifetime, seconds")
    parser.add_argument("--take-seconds", type=float, default=1.0, help="generation time of a take, seconds")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of product requests that fail")
    parser.add_argument("--fail-status", type=_statuses, default=(429, 503), help="fault status(es), e.g. 429,503")
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds sent with faults")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault dice and the worker")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--ws-shuffle-window", type=int, default=0, help="shuffle worker frames in windows of N")
    parser.add_argument("--ws-drop-after", type=int, default=None, help="worker drops connections after N requests")
    parser.add_argument(
        "--ws-cut-after", type=int, default=None, help="worker drops a connection after N frames of a request"
    )
    parser.add_argument(
        "--ws-fail-report",
        choices=("status", "status_then_message", "message_then_status"),
        default="status",
        help="how the worker reports a failed take: its status, and an error message after or before it",
    )
    parser.add_argument("--presign-ttl", type=int, default=600, help="storage URL lifetime, seconds")
    parser.add_argument("--ws-url-ttl", type=int, default=3600, help="worker URL lifetime, seconds")
    parser.add_argument("--error-marker", default="[[fail]]", help="text that makes a take end in error")
    parser.add_argument(
        "--rotate-refresh-tokens", action="store_true", help="single-use refresh tokens (refused once used)"
    )
    parser.add_argument("--port", type=int, default=0, help="the API's port on 127.0.0.1 (default: any free one)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the emulator, print where it is, and wait for Ctrl-C or SIGTERM."""
    args = parse_args(argv)
    emulator = Emulator(
        args.email,
        args.password,
        token_ttl=args.token_ttl,
        take_seconds=args.take_seconds,
        fail_rate=args.fail_rate,
        fail_status=args.fail_status,
        retry_after=args.retry_after,
        seed=args.seed,
        latency=args.latency,
        ws_shuffle_window=args.ws_shuffle_window,
        ws_drop_after=args.ws_drop_after,
        ws_cut_after=args.ws_cut_after,
        ws_fail_report=args.ws_fail_report,
        presign_ttl=args.presign_ttl,
        ws_url_ttl=args.ws_url_ttl,
        error_marker=args.error_marker,
        rotate_refresh_tokens=args.rotate_refresh_tokens,
        port=args.port,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with emulator:
        # The emulator's own throwaway test credentials: printing them is the point.
        print(f"Daisys emulator API:     {emulator.api_url}", flush=True)
        print(f"  product URL:           {emulator.product_url}")
        print(f"  storage:               {emulator.storage_url}")
        print(f"  websocket worker:      {emulator.worker_url}")
        print(f"  email:                 {emulator.email}")
        print(f"  password:              {emulator.password}")
        print("Press Ctrl-C to stop.", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
