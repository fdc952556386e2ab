"""Runnable recipes that go with docs/guides/ (not part of the installed package)."""
