"""``python -m examples.celery_corpus SENTENCES OUT --voice ID``: queue a corpus, one line a sentence."""

from __future__ import annotations

import argparse
from pathlib import Path

from .tasks import render_corpus

parser = argparse.ArgumentParser(prog="python -m examples.celery_corpus", description=__doc__)
parser.add_argument("sentences", type=Path, help="a text file, one sentence a line")
parser.add_argument("out", type=Path, help="the folder of the WAV files")
parser.add_argument("--voice", required=True, help="the voice id")
args = parser.parse_args()
lines = [line.strip() for line in args.sentences.read_text(encoding="utf-8").splitlines() if line.strip()]
print(f"queued {render_corpus(lines, args.voice, args.out)} sentences; the workers write {args.out}/NNNNNN.wav")
