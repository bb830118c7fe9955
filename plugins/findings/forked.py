"""Work shared with forked copies of this process, on the machine's other cores.

A full build reads thousands of files and renders thousands of pages, one core busy and the
others idle (MkDocs builds in one thread). A forked child sees what is in memory as it is, does
its share (``shared``: of the finding files; ``beside``: the bibliography, while the findings
load; ``streamed``: the pages, while MkDocs reads those before them; ``in_background``: writing
the data files) and sends the result back, pickled. Off Linux (Windows
has no fork; on macOS some system libraries are unsafe in a forked child), where the process
runs threads (``mkdocs serve``: a forked child would have none of them), with one core, or for
a little work, everything is done here, in order. A child that fails has its share done again
here, so the result is the same either way."""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import tempfile
import threading
from contextlib import contextmanager
from typing import Any, Callable, Generic, Iterable, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_SHARE = 250  # items a process is given at least: forking costs more than fewer take
MAX_PROCESSES = 4


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


def _threads_running() -> bool:
    """Whether threads other than this one run (a forked child would have none of them)."""
    return threading.active_count() > 1


def _may_fork() -> bool:
    """Whether this process may fork copies of itself to work beside it."""
    return sys.platform.startswith("linux") and not _threads_running() and _cores() > 1


def processes_for(count: int) -> int:
    """How many processes (this one and its children) share ``count`` items."""
    if not _may_fork():
        return 1
    return max(1, min(_cores(), MAX_PROCESSES, count // MIN_SHARE))


def shared(work: Callable[[Sequence[T]], R], items: Sequence[T], state: Callable[[], Any] = lambda: None,
           take: Callable[[Any], None] = lambda state: None) -> list[R]:
    """``work`` done on interleaved shares of ``items`` (every n-th from the i-th), by n
    processes: the results in share order, [work(items[0::n]), work(items[1::n]), ...]. A child
    sends back, with its result, what ``state()`` returns once its work is done; here ``take``
    is given it (what the work leaves besides its result, such as a cache it filled)."""
    n = processes_for(len(items))
    children: list[tuple[int, int]] = []
    try:
        for i in range(1, n):
            children.append(_fork(lambda i=i: work(items[i::n]), state))
        results = [work(items[0::n])]
        for i in range(1, n):
            sent, result = _received(*children.pop(0), take)
            results.append(result if sent else work(items[i::n]))
        return results
    finally:  # this process failed: its children stop too
        _stop(children)


@contextmanager
def beside(work: Callable[[], R]) -> Iterator[Callable[[], R]]:
    """``with beside(work) as result:`` ``work`` is begun in a forked child while the block
    runs here; ``result()`` is what it made (made here if it could not be). Where this process
    may not fork, ``result()`` does it then."""
    if not _may_fork():
        yield work
        return
    children = [_fork(work, lambda: None)]

    def result() -> R:
        if not children:
            return work()
        sent, made = _received(*children.pop(), lambda state: None)
        return made if sent else work()
    try:
        yield result
    finally:
        _stop(children)


class _Maker:
    """A forked child making results for a share of the items, in order, and what this process
    has read of them."""

    BATCH = 25  # results written at once

    def __init__(self, make: Callable[[Sequence[T]], Iterable[R]], share: Sequence[T]) -> None:
        self.make, self.share = make, share
        self.received = 0  # results read so far (by this process, or made here)
        self.here: Iterator[R] | None = None  # the rest of the share, made here once the child stopped
        self.offset = 0  # in the store, where the next batch begins
        self.store = tempfile.TemporaryFile()

        def send(pipe: int) -> None:
            batch: list = []
            for result in make(share):
                batch.append(result)
                if len(batch) == self.BATCH:
                    self._send(batch, pipe)
                    batch = []
            if batch:
                self._send(batch, pipe)
        pid, self.read = _child(send)
        self.pid: int | None = pid

    def _send(self, batch: list, pipe: int) -> None:
        data = memoryview(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
        size = len(data)
        while data:
            data = data[os.write(self.store.fileno(), data):]
        os.write(pipe, struct.pack("=Q", size))  # 8 bytes: written whole, at once

    def next_results(self) -> list[R]:
        """The child's next batch; once it has stopped, the next result, made here."""
        if self.here is None:
            batch = self._read()
            if batch is not None:
                self.received += len(batch)
                if self.received == len(self.share):
                    self.end()
                return batch
            self.here = iter(self.make(self.share[self.received:]))
        self.received += 1
        return [next(self.here)]

    def _read(self) -> list[R] | None:
        """The next batch the child wrote, or None if it stopped before writing one."""
        if self.pid is None:
            return None
        size = os.read(self.read, 8)
        if len(size) < 8:
            self.end()
            return None
        (length,) = struct.unpack("=Q", size)
        data = bytearray()
        while len(data) < length:
            data += os.pread(self.store.fileno(), length - len(data), self.offset + len(data))
        self.offset += length
        return pickle.loads(data)

    def end(self, kill: bool = False) -> None:
        """Wait for the child to end (``kill``: stop it first)."""
        if self.pid is None:
            return
        if kill:
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.read)
        self.store.close()
        self.pid = None


class Stream(Generic[R]):
    """What ``make`` yields for each of a sequence of items, made by k forked children while this
    process goes on: child j makes items j, j + k, … in order. Each writes its results a batch at
    a time to a temporary file and says through a pipe how long each batch is, so it never waits
    for this process to read (a pipe holds 64 kB; a build's pages, tens of megabytes). A child
    that stops early has the rest of its share made here, as it is asked for."""

    def __init__(self, make: Callable[[Sequence[T]], Iterable[R]], items: Sequence[T], children: int) -> None:
        self._got: dict[int, R] = {}
        self._makers: list[_Maker] = []
        try:
            for j in range(children):
                self._makers.append(_Maker(make, items[j::children]))
        except BaseException:
            self.close()
            raise

    def get(self, index: int) -> R:
        """The result for ``items[index]``; each is given once."""
        k = len(self._makers)
        maker = self._makers[index % k]
        while index // k >= maker.received:
            first = maker.received
            for offset, result in enumerate(maker.next_results()):
                self._got[(first + offset) * k + index % k] = result
        return self._got.pop(index)

    def close(self) -> None:
        """Stop the children still making results that will not be asked for."""
        for maker in self._makers:
            maker.end(kill=True)


def streamed(make: Callable[[Sequence[T]], Iterable[R]], items: Sequence[T]) -> Stream[R] | None:
    """``make`` (the results for a share of ``items``, in order) begun in forked children, this
    process reading each result when it wants it (``Stream.get``), and working meanwhile; None
    where this process may not fork, or for a little work (it then makes them itself)."""
    n = processes_for(len(items))
    return Stream(make, items, n - 1) if n > 1 else None


def in_background(work: Callable[[], None]) -> Callable[[], None]:
    """``work`` begun in a forked child while this process goes on (writing files: the child
    waits on the disk, not this process), at a lower priority, taking the cores' idle time; call
    what this returns to wait for it to end, and to have it done here if the child failed. Where
    this process may not fork, it is done at once."""
    if not _may_fork():
        work()
        return lambda: None

    def niced() -> None:
        os.nice(10)
        work()
    children = [_fork(niced, lambda: None)]

    def wait() -> None:
        if children and not _received(*children.pop(), lambda state: None)[0]:
            work()
    return wait


def _fork(work: Callable[[], Any], state: Callable[[], Any]) -> tuple[int, int]:
    """A child doing ``work``: its process id, and the pipe it sends the result (and ``state()``) on."""
    def send(write: int) -> None:
        with os.fdopen(write, "wb") as pipe:
            result = work()
            pickle.dump((result, state()), pipe, protocol=pickle.HIGHEST_PROTOCOL)
    return _child(send)


def _child(send: Callable[[int], None]) -> tuple[int, int]:
    """A forked child running ``send`` (given the pipe's writing end), then ending: 0 if it
    returned, 1 if it raised. Its process id, and the pipe's reading end."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child; coverage does not follow it)
        os.close(read)
        code = 1
        try:
            send(write)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _stop(children: list[tuple[int, int]]) -> None:
    """Stop children whose results are no longer wanted."""
    for pid, read in children:
        os.close(read)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _received(pid: int, read: int, take: Callable[[Any], None]) -> tuple[bool, Any]:
    """Whether the child ``pid`` sent its result through the pipe ``read``, and the result (its
    state given to ``take``)."""
    try:
        with os.fdopen(read, "rb") as pipe:
            result, state = pickle.load(pipe)
    except Exception:  # it stopped before sending it all
        os.waitpid(pid, 0)
        return False, None
    if os.waitpid(pid, 0)[1] != 0:
        return False, None
    take(state)
    return True, result
