"""The token stores a fleet of clients shares: one host (``file``), many hosts (``redis``)."""
