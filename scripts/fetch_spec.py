"""Download the live Daisys Speak spec into openapi.json and say what changed (make fetch-spec)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import httpx

LIVE_URL = "https://api.daisys.ai/v1/speak/openapi.json"


def diff_section(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Lines naming the keys of one section that were added, removed or changed."""
    lines = [f"  + {name} {key}" for key in sorted(new.keys() - old.keys())]
    lines += [f"  - {name} {key}" for key in sorted(old.keys() - new.keys())]
    lines += [f"  ~ {name} {key}" for key in sorted(old.keys() & new.keys()) if old[key] != new[key]]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=LIVE_URL)
    parser.add_argument("--output", type=Path, default=Path("openapi.json"))
    parser.add_argument("--timeout", type=float, default=15.0)
    args = parser.parse_args()

    try:
        response = httpx.get(args.url, timeout=args.timeout, follow_redirects=True)
        response.raise_for_status()
        live = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        print(f"fetch-spec: could not download {args.url}: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        print("fetch-spec: openapi.json is unchanged (this machine may not reach api.daisys.ai).", file=sys.stderr)
        return 1
    if not isinstance(live, dict) or "paths" not in live:
        print(f"fetch-spec: {args.url} did not answer an OpenAPI document; openapi.json is unchanged.", file=sys.stderr)
        return 1

    current = json.loads(args.output.read_text()) if args.output.exists() else {}
    changes = diff_section("path", current.get("paths", {}), live["paths"])
    changes += diff_section(
        "schema",
        current.get("components", {}).get("schemas", {}),
        live.get("components", {}).get("schemas", {}),
    )
    args.output.write_text(json.dumps(live, indent=2, ensure_ascii=False) + "\n")
    print(f"fetch-spec: wrote {args.output} from {args.url}")
    print("\n".join(changes) if changes else "  no path or schema changed")
    print("Next: make regen, then make test.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
