"""A corpus rendered on Celery, with Redis as the broker and as the Daisys token store (docs/guides/fleet.md).

Start workers:  celery -A examples.celery_corpus.tasks worker --concurrency=4
Submit:         python -m examples.celery_corpus sentences.txt out/ --voice VOICE_ID
"""
