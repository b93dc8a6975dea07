"""Files kept beside a whoosh index (ranking scores, tip records, words as written), and saving
one that a version built before it existed lacks.

A rollback target may predate one of them; ``csguide index rollback`` saves it before the
version is served, so that a server switching to it does not compute it while it serves.
"""

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.searching import Searcher


def save_missing(index_dir: Path, name: str, write: Callable[[Searcher, Path], object]) -> bool:
    """Unless ``index_dir/name`` exists, let ``write`` fill a scratch directory from the index
    and move it there; True if it was saved. Whole or absent, for a server opening the
    version meanwhile."""
    target = index_dir / name
    if target.is_dir():
        return False
    scratch = index_dir / f".{name}-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    ix = whoosh_index.open_dir(str(index_dir), readonly=True)
    try:
        with ix.searcher() as searcher:
            write(searcher, scratch)
    finally:
        ix.close()
    scratch.rename(target)
    return True
