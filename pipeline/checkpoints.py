"""Named moments of an ingest where the crash-safety tests stop it, so that a kill -9 lands
exactly there instead of after a sleep that may miss the stage on a fast or slow machine.

With ``CSGUIDE_PAUSE_AT=<stage>`` in its environment, an ingest reaching that stage writes
``paused at <stage>`` to stderr and sleeps until it is killed. Unset (always, outside those
tests), a checkpoint costs one dictionary lookup.
"""

import os
import sys
import time

PAUSE_ENV = "CSGUIDE_PAUSE_AT"

#: In order: articles read and cut into tips; tips translated; one language index built (the
#: other builder processes still running); the version built and validated, not yet in
#: place; renamed into ``versions/``, ``CURRENT`` not yet moved; ``CURRENT`` moved, old
#: versions not yet pruned nor the ingest state saved.
STAGES = ("read", "translated", "indexing", "built", "renamed", "switched")


def checkpoint(stage: str) -> None:
    if os.environ.get(PAUSE_ENV) != stage:
        return
    sys.stderr.write(f"paused at {stage}\n")
    sys.stderr.flush()
    while True:
        time.sleep(3600)
