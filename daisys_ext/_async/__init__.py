"""The hand-written source of the clients: asyncio. ``scripts/unasync.py`` writes ``_sync/`` from it."""
