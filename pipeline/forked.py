"""Worker processes forked from the ingest: article readers and index builders share what
is loaded (analyzers, jieba's dictionary) without pickling it."""

import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from pipeline.publish import HELD_LOCK_FDS


@contextmanager
def forked_pool(processes: int) -> Iterator[ProcessPoolExecutor]:
    """Worker processes forked from this one (article readers, index builders): they share
    what is loaded (analyzers, jieba's dictionary) without pickling it.

    Forked with nothing of the parent's left for a worker's garbage collector to free: a
    CTranslate2 translator left in a reference cycle by the translation stage, freed in a
    forked child, waits forever for its thread pool, whose threads only the parent has (seen:
    an ingest hung in pthread_cond_destroy). Collected here, where the threads are; each worker
    then freezes what it inherited (_worker_started)."""
    gc.collect()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=processes, mp_context=context, initializer=_worker_started
    ) as pool:
        yield pool


def _worker_started() -> None:
    """In each forked worker: keep the garbage collector off what the parent left (see
    forked_pool), let go of the parent's ingest lock, and die with the parent, so a killed
    ingest leaves neither a held lock nor orphans burning CPU."""
    gc.freeze()
    for fd in HELD_LOCK_FDS:
        os.close(fd)
    HELD_LOCK_FDS.clear()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the lock fd is closed all the same
        pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def process_alive(pid: int) -> bool:
    """Whether a process of that id runs (one of another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
