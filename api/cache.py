"""Search responses kept for repeated queries (``CSGUIDE_SEARCH_CACHE`` entries, 0: off).

Keys hold the index version's name with every input that decides a response, so a newly
published version (or a rollback) is never answered from an older one's entries: they just
age out. Entries are whole response bodies (a 10-tip page is about 9 KB, a 50-tip page up to
50 KB), so the default 1,024 takes 10–50 MB per worker process.
"""

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

Entry = TypeVar("Entry")


class ResponseCache(Generic[Entry]):
    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Entry | None:
        if not self.size:
            return None
        with self._lock:
            body = self._entries.get(key)
            if body is None:
                self.misses += 1
            else:
                self.hits += 1
                self._entries.move_to_end(key)
            return body

    def put(self, key: Hashable, body: Entry) -> None:
        if not self.size:
            return
        with self._lock:
            self._entries[key] = body
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
