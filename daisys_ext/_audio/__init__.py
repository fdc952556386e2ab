"""Audio of any TTS service: frames and their decoders, reassembly in order, WAV (public as ``daisys_ext.audio``)."""

# The bounds of the out-of-order audio one request may hold; here so a client can name the
# default without loading the reassembler.
DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_BUFFERED_FRAMES = 4096
