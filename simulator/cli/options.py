"""Command-line building blocks shared by every command that runs worlds.

The options (``--runs --seed --set --workers --backend --address``), the executor they ask for
(none, a local process pool, or a Dask cluster) and the progress bar live here, so that
``negsim run``, ``compare``, ``sweep`` and ``sensitivity`` offer them alike and no module has to
import the CLI itself.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.errors import UserError, printable


class Default(int):
    """An option's default value (an ``int`` that remembers it was not given on the command line)."""


def given(value: object) -> bool:
    """True when an option's value was given on the command line (not its :class:`Default`)."""
    return value is not None and type(value) is not Default and value is not False and value != []


if TYPE_CHECKING:
    import concurrent.futures as cf


def add_run_options(p: argparse.ArgumentParser, runs: int = 10_000) -> None:
    """Options shared by every command that runs worlds: ``--runs`` and the engine options."""
    p.add_argument("--runs", type=positive_int, default=Default(runs), help=f"worlds to run (default {runs})")
    add_engine_options(p)


def add_scenario_options(p: argparse.ArgumentParser) -> None:
    """``--allow-outside``: let ``extends:`` read files outside the scenario's folder tree."""
    p.add_argument(
        "--allow-outside",
        action="store_true",
        help="let extends: name files outside the scenario's folder (and its subfolders)",
    )


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """``--seed --set --workers --backend --address``: how and where worlds run."""
    p.add_argument("--seed", type=seed_int, default=Default(0), help="root random seed (default 0)")
    add_scenario_options(p)
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario value by dotted path (repeatable)",
    )
    p.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help="processes to use (default: the machine's cores)",
    )
    p.add_argument(
        "--backend",
        choices=("local", "dask"),
        default="local",
        help="where chunks run: local processes or a Dask cluster",
    )
    p.add_argument("--address", default=None, help="existing Dask scheduler, tcp://HOST:PORT")
    p.add_argument("--chunk-size", type=positive_int, default=None, help=argparse.SUPPRESS)


def add_format_option(p: argparse.ArgumentParser) -> None:
    """``--format png|svg|pdf``: the file format of the figures a command writes.

    The one definition every command that writes figures uses; :func:`simulator.cli.app.main`
    applies it around the whole command (``args.figure_format``), so no command handles it.
    """
    p.add_argument(
        "--format",
        dest="figure_format",
        # simulator.figures.names.FORMATS, written out: importing simulator.figures loads matplotlib,
        # which `negsim --help` must not (tests/test_figure_format.py checks the two agree).
        choices=("png", "svg", "pdf"),
        default="png",
        help="file format of the figures (default png; svg and pdf keep text as text)",
    )


def scenario_arg(text: str) -> Path:
    """An argparse type: a scenario file, or the name of a shipped scenario (``whatif_putin_attends``)."""
    import difflib

    from simulator.scenario.shipped import find_scenario, shipped_scenarios

    path = find_scenario(text)
    if not path.exists() and "/" not in text and not text.endswith((".yaml", ".yml")):
        names = list(shipped_scenarios())
        close = difflib.get_close_matches(text, names, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise argparse.ArgumentTypeError(
            f"no file '{text}' and no shipped scenario of that name{hint} (shipped: {', '.join(names)})"
        )
    return path


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1 (``1e6`` allowed)."""
    n = _whole(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        x = float(text)
    except ValueError:
        x = float("nan")
    if not x.is_integer() or "_" in text:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{printable(text)}'")
    return int(x)


def seed_int(text: str) -> int:
    """An argparse type: a random seed, a whole number from 0 to 2^63 - 1."""
    n = _whole(text)
    if not 0 <= n < 2**63:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2^63 - 1, got {n}")
    return n


def default_chunk() -> int:
    from simulator.engine.chunks import DEFAULT_CHUNK

    return DEFAULT_CHUNK


@contextlib.contextmanager
def executor_for(args: argparse.Namespace, chunks: int) -> Iterator[cf.Executor | None]:
    """The executor the options ask for (None: run chunks in this process)."""
    from simulator.engine.executors import cores, local_executor, worker_count

    if args.workers and args.workers > cores() and not args.address:
        # Capped, as a pool larger than the cores only adds memory; said, so nobody wonders why.
        print(
            f"negsim: --workers {args.workers} is more than the {cores()} cores this process may use; "
            f"using {cores()}",
            file=sys.stderr,
        )
    if args.backend == "dask":
        # As for the local pool: never more workers than chunks (nor, on this machine, than cores).
        wanted = args.workers or os.cpu_count() or 1
        n = max(1, min(wanted, chunks)) if args.address else worker_count(args.workers, chunks)
        with dask_executor(args.address, n) as client_ex:
            yield client_ex
        return
    if args.address:
        raise UserError("--address needs --backend dask")
    ex = local_executor(args.workers, chunks)
    try:
        yield ex
    finally:
        if ex is not None:
            ex.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def dask_executor(address: str | None, workers: int) -> Iterator[cf.Executor]:
    """A Dask client's executor: on ``address``, or on a LocalCluster started here."""
    try:
        import dask
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UserError("--backend dask needs Dask: pip install 'negsim[dask]'") from None
    if address:
        try:
            client = Client(address, timeout="10s")  # type: ignore[no-untyped-call]
        except OSError as exc:
            raise UserError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        with client:
            yield client.get_executor()  # type: ignore[no-untyped-call]
        return
    with (
        # Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers, which turns off glibc's adaptive
        # mmap threshold: each of a chunk's temporary arrays is then mapped and unmapped afresh,
        # and chunks run 3x slower. Leave the allocator as it is everywhere else.
        dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}),
        # The scheduler serves HTTP even without a dashboard, on port 8787 unless told otherwise
        # (and warns when 8787 is taken): ask for any free port on this machine only.
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client.get_executor()


@contextlib.contextmanager
def progress_bar(total: int | None, label: str) -> Iterator[Callable[[int], None]]:
    """A tqdm progress bar counting worlds (hidden when stderr is not a terminal)."""
    from tqdm import tqdm

    with tqdm(
        total=total,
        unit=" worlds",
        desc=label,
        unit_scale=True,
        disable=not sys.stderr.isatty(),
        file=sys.stderr,
    ) as bar:
        yield bar.update
