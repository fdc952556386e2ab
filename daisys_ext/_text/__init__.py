"""Text before it becomes a request: splitting a stream of text (an LLM's tokens, say) into sentences."""
