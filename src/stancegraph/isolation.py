"""Work that must not run unbounded, and the network guard: the process-wide isolation.

Neither rdflib nor pyoxigraph can interrupt a running query, and either can take all the
memory there is. :func:`run_with_deadline` runs such work in a forked worker process
(:class:`Child`) that is killed at its deadline and whose memory is limited
(:func:`limit_memory`); :func:`network_guard` refuses every network connection made from Python
while it is on, unless the user asked for the network. What untrusted text may say before it
gets here is decided by :mod:`stancegraph.safety`.

Limits (each also an environment variable, see SECURITY.md): query time
``STANCEGRAPH_QUERY_TIMEOUT`` (60 s), query memory ``STANCEGRAPH_QUERY_MEMORY`` (2048 MiB, or half
the machine's memory if less).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import multiprocessing
import os
import pickle
import re
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any, TypeVar

from stancegraph.errors import (
    NetworkRefused,
    QueryError,
    QueryOutOfMemory,
    QueryTimeout,
    StancegraphError,
)
from stancegraph.safety import clip, positive_env

# --- time and memory limits --------------------------------------------------------------------

#: Seconds a query may run unless ``STANCEGRAPH_QUERY_TIMEOUT`` (or the caller) says otherwise.
DEFAULT_QUERY_TIMEOUT = 60.0

#: The most memory (MiB) a query may take by default: 2 GiB, or half the machine's memory if that
#: is less. See :func:`query_memory_default`.
DEFAULT_QUERY_MEMORY_MIB = 2048

T = TypeVar("T")


def query_timeout_default() -> float:
    """The query time limit in seconds: ``STANCEGRAPH_QUERY_TIMEOUT`` if set, else 60."""
    raw = os.environ.get("STANCEGRAPH_QUERY_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_QUERY_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0 or value != value or value == float("inf"):
        raise StancegraphError(
            f"STANCEGRAPH_QUERY_TIMEOUT={raw!r}: must be a positive number of seconds"
        )
    return value


def query_memory_default() -> int:
    """The query memory limit in MiB: ``STANCEGRAPH_QUERY_MEMORY`` if set, else 2048 (2 GiB), or
    half the machine's memory where that is less."""
    default = DEFAULT_QUERY_MEMORY_MIB
    with contextlib.suppress(ValueError, OSError, AttributeError):
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2**20
        if physical > 0:
            default = max(1, min(default, physical // 2))
    return positive_env("STANCEGRAPH_QUERY_MEMORY", default)


def memory_limits_supported() -> bool:
    """Whether a worker's memory can be limited here (Linux: ``RLIMIT_DATA`` and ``/proc``)."""
    return sys.platform.startswith("linux") and Path("/proc/self/status").is_file()


def run_with_deadline(
    func: Callable[..., T],
    *args: Any,
    timeout: float | None = None,
    what: str = "query",
    isolation: str = "process",
    memory: int | None = None,
    setup: Callable[[], Any] | None = None,
    **kwargs: Any,
) -> T:
    """``func(*args, **kwargs)``, stopped with :class:`QueryTimeout` if it runs past ``timeout``,
    and with :class:`QueryOutOfMemory` if it takes more than ``memory`` MiB.

    Neither rdflib nor pyoxigraph can interrupt a running query, so by default the call runs in a
    forked child process that is killed at the deadline (``timeout`` seconds; default
    ``STANCEGRAPH_QUERY_TIMEOUT``, 60). The child shares everything already in memory (a loaded
    dataset or in-memory store) at no cost, but its return value and exceptions come back
    pickled, so return plain data (serialized results, bytes, lists of strings), not result
    objects. An on-disk pyoxigraph ``Store`` (RocksDB has threads, which a fork does not copy)
    should be opened in the child, read-only: ``setup`` is called there first and what it returns
    becomes ``func``'s first argument. A child that dies (out of memory, a crash in an engine)
    gives a :class:`QueryError`, never a hang.

    ``memory`` (MiB; None: no limit) bounds what the child may allocate beyond what it holds when
    ``func`` starts (after ``setup``): see :class:`Child`.

    ``isolation="thread"`` (also used where fork is unavailable) runs ``func`` in a daemon thread
    instead: the caller still gets :class:`QueryTimeout` at the deadline, but the work goes on in
    the background until the process exits, which is fine for a command line and nothing else;
    there is no memory limit then.
    """
    limit = timeout if timeout is not None else query_timeout_default()
    if isolation == "process" and "fork" in multiprocessing.get_all_start_methods():
        child = Child(func, *args, memory=memory, setup=setup, **kwargs)
        if child.started:
            return child.result(timeout=limit, what=what)  # type: ignore[no-any-return]
    if setup is not None:
        work = functools.partial(func, setup())
        return _run_in_thread(work, args, kwargs, limit, what)
    return _run_in_thread(func, args, kwargs, limit, what)


def stream_with_deadline(
    func: Callable[..., Generator[Any, None, None]],
    *args: Any,
    timeout: float | None = None,
    what: str = "query",
    memory: int | None = None,
    setup: Callable[[], Any] | None = None,
    **kwargs: Any,
) -> Iterator[Any]:
    """What the generator ``func(*args, **kwargs)`` yields, each part as soon as the forked
    worker has made it (a query's first page, then its row count), under the limits of
    :func:`run_with_deadline`: :class:`QueryTimeout` once ``timeout`` seconds have passed since
    the start (for all the parts), :class:`QueryOutOfMemory` past ``memory`` MiB. Closing the
    iterator early stops the worker. Where the system cannot fork, ``func`` runs here."""
    limit = timeout if timeout is not None else query_timeout_default()
    child = Child(func, *args, memory=memory, setup=setup, **kwargs)
    if not child.started:
        yield from (func(setup(), *args, **kwargs) if setup is not None else func(*args, **kwargs))
        return
    yield from child.parts(timeout=limit, what=what)


def _timeout_error(what: str, limit: float) -> QueryTimeout:
    return QueryTimeout(
        f"{what} ran longer than {limit:g} s and was stopped "
        "(raise the limit with STANCEGRAPH_QUERY_TIMEOUT or --timeout)"
    )


def _memory_error(what: str, memory: int) -> QueryOutOfMemory:
    return QueryOutOfMemory(
        f"{what} used more than {memory} MiB of memory and was stopped "
        "(raise the limit with STANCEGRAPH_QUERY_MEMORY or --memory)"
    )


# What a worker that ran out of its memory writes before it dies: Rust's allocation failure
# (pyoxigraph), C++'s (RocksDB), a thread that could not get its stack, Python's MemoryError.
_OUT_OF_MEMORY = re.compile(
    r"memory allocation of \d+ bytes failed|std::bad_alloc|Resource temporarily unavailable"
    r"|MemoryError|Cannot allocate memory|out of memory",
)


class Child:
    """``func(*args, **kwargs)`` started now in a forked child process: :meth:`result` waits for
    it (up to a deadline, if given), :meth:`cancel` stops it.

    The child shares what is in memory at no cost; its return value and exceptions come back
    pickled (see :func:`run_with_deadline`). Where the system cannot fork (no fork on the
    platform, or no process left), ``func`` runs in this process when the result is asked for.

    ``setup``, if given, is called in the child first; what it returns is ``func``'s first
    argument. ``memory`` (MiB) limits what the child may then allocate: on Linux its
    ``RLIMIT_DATA`` (private writable memory: the heap, anonymous mappings, thread stacks; not
    files mapped read-only) is set to what it holds after ``setup`` plus ``memory``. Past it an
    allocation fails: Python raises MemoryError, Rust and C++ abort the process. Either way
    :meth:`result` raises :class:`QueryOutOfMemory`, and what the dying child wrote on stderr
    (the engines' own "memory allocation failed" lines) is not shown: with a memory limit the
    child's stderr goes to a file, copied to this process's stderr only if the child ends well.
    """

    def __init__(
        self,
        func: Callable[..., Any],
        *args: Any,
        memory: int | None = None,
        setup: Callable[[], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._call = (func, args, kwargs, setup)
        self._process: Any = None
        self._memory = memory if memory is not None and memory_limits_supported() else None
        self._stderr: Any = None
        if "fork" not in multiprocessing.get_all_start_methods():
            return
        sys.stdout.flush()  # else the child would write what is still buffered a second time
        sys.stderr.flush()
        if self._memory is not None:
            self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by cancel)
        context = multiprocessing.get_context("fork")
        self._reader, writer = context.Pipe(duplex=False)
        process = context.Process(
            target=_child_main,
            args=(writer, func, args, kwargs, setup, self._memory, self._stderr),
        )
        process.daemon = True
        try:
            process.start()
        except OSError:  # e.g. a process limit: do the work later, here
            self._reader.close()
            self._close_stderr()
        else:
            self._process = process
        finally:
            writer.close()

    @property
    def started(self) -> bool:
        """Whether a child runs ``func`` (else :meth:`result` runs it here)."""
        return self._process is not None

    def cancel(self) -> None:
        """Stop the child, if there is one, without waiting for its result."""
        if self._process is not None:
            self._reader.close()
            if self._process.is_alive():
                self._process.kill()
            self._process.join()
            self._process = None
        self._close_stderr()

    def result(self, timeout: float | None = None, what: str = "the work") -> Any:
        """What ``func`` returned (or raised); :class:`QueryTimeout` past ``timeout`` seconds,
        :class:`QueryOutOfMemory` past the memory limit."""
        if self._process is None:
            func, args, kwargs, setup = self._call
            if setup is not None:
                return func(setup(), *args, **kwargs)
            return func(*args, **kwargs)
        try:
            if timeout is not None and not self._reader.poll(timeout):
                raise _timeout_error(what, timeout)
            try:
                status, payload = self._reader.recv()
            except (EOFError, OSError):
                self._process.join(5)
                raise self._death(what) from None
            if status != "memory":
                self._replay_stderr()
        finally:
            self.cancel()
        if status == "ok":
            return payload
        if status == "memory":
            if self._memory is None:
                raise QueryOutOfMemory(f"{what} ran out of memory and was stopped")
            raise _memory_error(what, self._memory)
        raise payload

    def parts(self, timeout: float | None = None, what: str = "the work") -> Iterator[Any]:
        """What a generator ``func`` yields in the child, part by part (see
        :func:`stream_with_deadline`); the child is stopped when this iterator ends or is
        closed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0 or not self._reader.poll(left):
                        raise _timeout_error(what, timeout)  # type: ignore[arg-type]
                try:
                    status, payload = self._reader.recv()
                except (EOFError, OSError):
                    self._process.join(5)
                    raise self._death(what) from None
                if status == "part":
                    yield payload
                    continue
                if status != "memory":
                    self._replay_stderr()
                if status == "ok":
                    return
                if status == "memory":
                    if self._memory is None:
                        raise QueryOutOfMemory(f"{what} ran out of memory and was stopped")
                    raise _memory_error(what, self._memory)
                raise payload
        finally:
            self.cancel()

    def _death(self, what: str) -> QueryError:
        """The error for a child that ended without an answer."""
        code = self._process.exitcode
        said = self._read_stderr()
        if self._memory is not None and (code == -signal.SIGABRT or _OUT_OF_MEMORY.search(said)):
            return _memory_error(what, self._memory)
        last = (said.strip().splitlines() or [""])[-1]
        if code is not None and code < 0:
            try:
                how = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        else:
            how = f"exit code {code}"
        return QueryError(
            f"{what} failed: its worker process ended without an answer ({how}"
            + (f": {clip(last)}" if last else "; out of memory?")
            + ")"
        )

    def _read_stderr(self) -> str:
        if self._stderr is None:
            return ""
        with contextlib.suppress(OSError, ValueError):
            self._stderr.seek(0)
            return self._stderr.read(64 * 1024).decode("utf-8", errors="replace")
        return ""

    def _replay_stderr(self) -> None:
        said = self._read_stderr()
        if said:
            sys.stderr.write(said)
            sys.stderr.flush()

    def _close_stderr(self) -> None:
        if self._stderr is not None:
            with contextlib.suppress(OSError):
                self._stderr.close()
            self._stderr = None


def limit_memory(mib: int) -> None:
    """Let this process allocate at most ``mib`` MiB more than it holds now (Linux
    ``RLIMIT_DATA``, which counts the heap and private writable mappings, not files mapped
    read-only); a lower limit already set (``ulimit -d``) stays. Meant for a worker process."""
    import resource

    held = 0
    with open("/proc/self/status", encoding="ascii", errors="replace") as status:
        for line in status:
            if line.startswith("VmData:"):
                held = int(line.split()[1]) * 1024
                break
    limit = held + mib * 2**20
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    for already in (soft, hard):  # never loosen a limit set from outside (ulimit -d)
        if already != resource.RLIM_INFINITY:
            limit = min(limit, already)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def _child_main(
    writer: Any,
    func: Callable[..., Any],
    args: Any,
    kwargs: Any,
    setup: Callable[[], Any] | None,
    memory: int | None,
    stderr: Any,
) -> None:
    if stderr is not None:
        sys.stderr.flush()
        os.dup2(stderr.fileno(), 2)
    try:
        if setup is not None:
            args = (setup(), *args)
        if memory is not None:
            limit_memory(memory)
        value = func(*args, **kwargs)
        if inspect.isgenerator(value):  # stream_with_deadline: each part as it is made
            for part in value:
                writer.send(("part", part))
            value = None
        message: tuple[str, Any] = ("ok", value)
    except MemoryError:
        # Leaving this block frees what the work held (its frames hang on the traceback).
        message = ("memory", None)
    except BaseException as exc:  # everything goes back to the parent, which re-raises it
        message = ("error", _portable(exc))
    try:
        writer.send(message)
    except MemoryError:
        writer.send(("memory", None))
    except Exception as exc:
        writer.send(("error", QueryError(f"the answer could not be sent back: {exc}")))
    finally:
        writer.close()


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a :class:`QueryError` with its message."""
    import traceback

    with contextlib.suppress(Exception):
        exc.add_note("in the worker process:\n" + "".join(traceback.format_exception(exc)))
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        portable = QueryError(f"{type(exc).__name__}: {exc}")
        portable.exit_code = getattr(exc, "exit_code", portable.exit_code)
        return portable
    return exc


def _run_in_thread(
    func: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], limit: float, what: str
) -> T:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["ok"] = func(*args, **kwargs)
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=target, name=f"stancegraph {what}", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        raise _timeout_error(what, limit)
    if "error" in box:
        raise box["error"]
    return box["ok"]  # type: ignore[no-any-return]


# --- the network guard -------------------------------------------------------------------------

_NETWORK_EVENTS = frozenset(
    {
        "socket.connect",
        "socket.sendto",
        "socket.sendmsg",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.getnameinfo",
        "urllib.Request",
    }
)


class _Guard:
    installed = False
    allowed = True
    lock = threading.Lock()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    # Called for every audited event in the process (every open, import, exec...): keep it cheap.
    if _Guard.allowed or event not in _NETWORK_EVENTS:
        return
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock = args[0]
        if getattr(sock, "family", None) == getattr(socket, "AF_UNIX", None):
            return
        target = args[1] if len(args) > 1 and event != "socket.sendmsg" else "?"
    elif event == "urllib.Request":
        target = args[0]
    else:
        target = args[0] if args else "?"
    if isinstance(target, tuple) and len(target) >= 2:
        target = f"{target[0]}:{target[1]}"
    raise NetworkRefused(
        f"network access refused ({event} {clip(str(target))}): stancegraph reaches nothing on "
        "the network unless asked (--allow-service, or a remote endpoint or store URL)"
    )


def install_network_guard() -> None:
    """Install the process-wide network guard (once; an audit hook cannot be removed).

    While the guard is on (see :func:`network_guard`), any socket connection except Unix
    sockets, any DNS lookup and any ``urllib`` request (``http:``, ``file:``...) made from
    Python raises :class:`~stancegraph.errors.NetworkRefused`. Installing it does not turn it on.
    It cannot see requests made by native code that bypasses Python's ``socket`` module
    (pyoxigraph's ``SERVICE`` client): :func:`stancegraph.safety.check_query` is what keeps those
    out.
    """
    with _Guard.lock:
        if not _Guard.installed:
            sys.addaudithook(_audit)
            _Guard.installed = True


def network_allowed() -> bool:
    """Whether the network guard lets connections through right now."""
    return _Guard.allowed


@contextlib.contextmanager
def network_guard(allow: bool = False) -> Iterator[None]:
    """Within the block, network access is refused (or allowed, if ``allow``); then restored.

    The command line runs every command inside ``network_guard()``; a command that the user told
    to use the network (``--allow-service``, ``--endpoint URL``, a remote store) calls
    :func:`allow_network` inside it.
    """
    install_network_guard()
    before = _Guard.allowed
    _Guard.allowed = allow
    try:
        yield
    finally:
        _Guard.allowed = before


def allow_network() -> None:
    """Let network access through until the enclosing :func:`network_guard` block ends.

    Call it only when the user asked for the network explicitly.
    """
    _Guard.allowed = True
