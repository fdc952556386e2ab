"""Option values as the command line gives them, read into what the client takes (argparse ``type=`` functions)."""

from __future__ import annotations

import argparse

# The levels of each prosody model, as the service defines them (each from -10 to 10; 0 is the voice's own).
PROSODY_MODELS = (
    ("simple", ("pitch", "pace", "expression")),
    ("affect", ("pitch", "pace", "valence", "dominance", "arousal")),
    ("signal", ("pitch", "pace", "tilt", "pitch_range")),
)


def prosody(text: str) -> dict[str, int]:
    """``pace=-3,pitch=2,expression=10``: the levels of the first prosody model that has every key; 0 for the rest."""
    levels: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"{item!r} is not NAME=LEVEL (e.g. pace=-3,pitch=2)")
        try:
            levels[key] = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{key}={value.strip()!r}: the level must be an integer") from None
        if not -10 <= levels[key] <= 10:
            raise argparse.ArgumentTypeError(f"{key}={levels[key]}: levels go from -10 to 10")
    if not levels:
        raise argparse.ArgumentTypeError("give at least one NAME=LEVEL (e.g. pace=-3)")
    for _, fields in PROSODY_MODELS:
        if set(levels) <= set(fields):
            return {name: levels.get(name, 0) for name in fields}
    known = sorted({name for _, fields in PROSODY_MODELS for name in fields})
    unknown = sorted(set(levels) - set(known))
    if unknown:
        raise argparse.ArgumentTypeError(f"no level called {', '.join(unknown)}; the levels are: {', '.join(known)}")
    raise argparse.ArgumentTypeError(
        f"{', '.join(sorted(levels))} are not the levels of one prosody model; the levels are: {', '.join(known)}"
    )


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value


def styles(values: list[str] | None) -> list[str] | None:
    """``--style narrator --style calm`` or ``--style narrator,calm``: the style names, in order."""
    if not values:
        return None
    return [name.strip() for value in values for name in value.split(",") if name.strip()]
