"""The sans-I/O HTTP decisions: tokens, retries (and the attempt log), presigned URLs, waiting, answers."""
