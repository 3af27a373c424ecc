"""Where chunks run: the local process pool (with its workers' start-up) and :func:`map_chunks`.

Separate from ``ensemble`` because this part knows nothing of scenarios or models: it runs any
picklable task over a run's chunks, in this process or on any executor, and merges the results in
chunk order; ``ensemble``, ``compare``, ``sweep`` and ``sensitivity`` all run through it.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence

from simulator.engine.chunks import Chunk


def cores() -> int:
    """The cores this process may run on (its CPU affinity where known, else the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def worker_count(workers: int | None, tasks: int | None = None) -> int:
    """How many processes to start for ``workers`` asked (None or 0: all cores) and ``tasks``
    to run: never more than the cores, nor than the tasks, nor fewer than one. A pool larger than
    the cores only adds memory (``--workers 40`` used to fork 40 processes)."""
    n = cores() if not workers else min(workers, cores())
    if tasks is not None:
        n = min(n, tasks)
    return max(1, n)


def local_executor(workers: int, tasks: int | None = None) -> cf.Executor | None:
    """The one local process pool every command uses: :func:`worker_count` processes for
    ``workers`` asked and ``tasks`` to run (None for one: run in this process).

    The pool's processes never see Ctrl-C (the main process handles it and stops them: no
    traceback from a worker starting up), and they exit when the main process dies, even by
    ``kill -9`` (``PR_SET_PDEATHSIG`` on Linux, and a watchdog thread everywhere).
    """
    workers = worker_count(workers, tasks)
    if workers <= 1:
        return None
    from multiprocessing import forkserver

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["simulator.engine.ensemble"])
    # An ignored signal stays ignored across fork and exec: the fork server (which imports for
    # 1-2 s) and every worker it forks start with SIGINT ignored, so a Ctrl-C reaches only the
    # main process (which stops the pool), never a worker's start-up as a traceback.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
    try:
        forkserver.ensure_running()
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
    return cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=worker_init, initargs=(os.getpid(),)
    )


def worker_init(parent: int) -> None:
    """In a pool worker: ignore Ctrl-C, and exit as soon as the main process ``parent`` is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: killed when the fork server dies
        except (OSError, AttributeError):  # pragma: no cover
            pass

    def watch() -> None:
        while True:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # pragma: no cover - the pid was reused by another user
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, name="negsim-parent-watch", daemon=True).start()


def map_chunks[T](
    task: Callable[[Chunk], tuple[int, T]],
    chunks: Sequence[Chunk],
    *,
    merge: Callable[[T, T], T],
    initial: T,
    executor: cf.Executor | None = None,
    done: Mapping[int, T] | None = None,
    progress: Callable[[int], None] | None = None,
) -> T:
    """Run ``task`` on every chunk not in ``done`` and merge the results in chunk order.

    This is the one engine every command uses (run, compare, sweep, sensitivity): ``task`` is a
    picklable function of a chunk returning ``(chunk.index, result)``; results are merged strictly
    in chunk order, so float sums are identical however the chunks were scheduled.

    Args:
        task: What to do with one chunk (must be picklable to run on other processes).
        chunks: The chunks of the run.
        merge: Combines two results (associative; applied in chunk order).
        initial: The result of no chunks.
        executor: Where chunks run (None: this process, one after another).
        done: Results of chunks finished earlier (a resumed run), by chunk index.
        progress: Called with a chunk's number of worlds when it finishes.
    """
    finished = set(done or {})
    pending: dict[int, T] = dict(done or {})
    merged = initial
    next_index = 0
    order = [c.index for c in chunks]

    def absorb() -> None:
        nonlocal merged, next_index
        while next_index < len(order) and order[next_index] in pending:
            merged = merge(merged, pending.pop(order[next_index]))
            next_index += 1

    if progress:
        for c in chunks:
            if c.index in pending:
                progress(c.size)
    absorb()
    todo = [c for c in chunks if c.index not in finished]
    if executor is None:
        for c in todo:
            index, result = task(c)
            pending[index] = result
            absorb()
            if progress:
                progress(c.size)
        return merged
    with _interrupts_deferred():  # submitting starts the workers: let them start whole
        futures = {executor.submit(task, c): c for c in todo}
    try:
        for fut in cf.as_completed(futures):
            index, result = fut.result()
            pending[index] = result
            absorb()
            if progress:
                progress(futures[fut].size)
    except BaseException:
        for f in futures:
            f.cancel()
        raise
    return merged


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends, then raise KeyboardInterrupt (a pool stopped
    while its workers are being forked leaves them failing, with tracebacks, once the main process
    is gone)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    sigs = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda n, f: caught.append(n)) for sig in sigs}
    try:
        yield
    except Exception:
        # The same signal also reaches the fork server (one process group, as a terminal's Ctrl-C
        # does): starting a worker then fails (EOFError, a broken pool). That is the interruption.
        if caught:
            raise KeyboardInterrupt from None
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
    if caught:
        raise KeyboardInterrupt
