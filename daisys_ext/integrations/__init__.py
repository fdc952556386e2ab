"""Daisys as the voice of an agent: TTS services for the Pipecat and LiveKit Agents frameworks.

``daisys_ext.integrations.pipecat.DaisysTTSService`` (``pip install 'daisys-ext[pipecat]'``) and
``daisys_ext.integrations.livekit.TTS`` (``pip install 'daisys-ext[livekit]'``). Each framework is imported
by its own module only; this package imports neither. What is not framework I/O lives in the private
modules beside them: ``_turns`` (a turn's sentences: pacing, timing, completion), ``_voices`` (which voice
speaks) and ``_speaker`` (turns spoken on warm websocket sessions of ours).
"""
