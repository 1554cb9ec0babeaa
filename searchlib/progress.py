"""Progress of long builds: a callback type, and a plain-text bar with rate and ETA for terminals; counts as
messages say them (:func:`counted`).

``build_index(..., progress=f)`` and ``Index.add(..., progress=f)`` call ``f(done, total)`` as records are
indexed (``done`` grows to ``total``; the final commit comes after). Records read from files are indexed as
they are read, so their number is not known in advance: ``total`` is then 0 until the last call, which is
always ``f(n, n)``. :class:`ProgressBar` is such a callable:

>>> import io
>>> out = io.StringIO()
>>> bar = ProgressBar(out, clock=iter(range(0, 100, 2)).__next__)
>>> bar(0, 400); bar(200, 400); bar(400, 400)
>>> print("\\n".join(line.rstrip() for line in out.getvalue().split("\\r") if line.strip()))
indexing: 0/400 (0%)
indexing: 200/400 (50%), 100 records/s, about 0:00:02 left
indexing: 400/400 (100%), 100 records/s; writing the index...
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress", "ProgressBar", "counted"]

#: Called with (records done, records in all) while indexing.
Progress = Callable[[int, int], None]


class ProgressBar:
    """Writes ``indexing: done/total (pct), rate, ETA`` on one line of ``stream`` (stderr by default).

    Redraws at most every ``interval`` seconds (and always at the end), so it costs nothing noticeable.
    """

    def __init__(
        self, stream: TextIO | None = None, interval: float = 0.5, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self.clock = clock
        self._start: float | None = None
        self._last = float("-inf")

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if self._start is None:
            self._start = now
        known = total > 0
        if (done < total or not known) and now - self._last < self.interval:
            return
        self._last = now
        line = f"indexing: {done:,}/{total:,} ({100 * done // max(total, 1)}%)" if known else f"indexing: {done:,}"
        elapsed = now - self._start
        if done and elapsed > 0:
            rate = done / elapsed
            line += f", {rate:,.0f} records/s"
            if done < total:  # so the total is known
                left = int((total - done) / rate)
                line += f", about {left // 3600}:{left // 60 % 60:02d}:{left % 60:02d} left"
        end = known and done >= total
        if end:
            line += "; writing the index..."
        self.stream.write("\r" + line.ljust(78) + ("\n" if end else ""))
        self.stream.flush()


def counted(n: int, noun: str) -> str:
    """A count and its noun, as messages say it (a plain ``s`` plural: every noun counted here takes one).

    >>> counted(1, "paper"), counted(2, "record"), counted(0, "malformed record")
    ('1 paper', '2 records', '0 malformed records')
    """
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
