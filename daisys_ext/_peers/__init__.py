"""Other streaming TTS services, Vivoka and Neuphonic: their wire formats and decisions, without I/O.

`vivoka` and `neuphonic` parse each service's messages, build its URLs and check its
parameters; `common` holds what both share (the PCM format, writing it as WAV, the frame
decoders' numbering); `errors` the ``PeerError`` family; `redaction` keeps their secrets
(an API key, a websocket token) out of log records. The clients that do the I/O are in
``_async/vivoka.py`` and ``_async/neuphonic.py`` (the sync twins generated from them); the
public names are in ``daisys_ext.peers``.
"""
