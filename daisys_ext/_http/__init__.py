"""The sans-I/O HTTP decisions: tokens, retries, presigned URLs, waiting, hooks, answers."""
