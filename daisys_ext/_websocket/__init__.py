"""The websocket session without I/O (protocol, output) and its one connection over either library."""
