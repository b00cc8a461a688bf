"""A small thread-safe LRU mapping, for what a commit or tree id fixes for ever."""
import threading
from collections import OrderedDict

MISSING = object()


class Memo:
    """At most ``size`` entries; the least recently used goes first."""

    def __init__(self, size):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        """Return the value for ``key``, or MISSING."""
        with self.lock:
            value = self.items.get(key, MISSING)
            if value is not MISSING:
                self.items.move_to_end(key)
            return value

    def put(self, key, value):
        """Remember ``value`` for ``key``."""
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
