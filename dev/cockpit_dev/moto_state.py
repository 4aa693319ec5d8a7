"""The local moto server's state in a file, so that `cockpit run` keeps it across restarts.

What is saved is moto's own in-memory model: for every service moto has been asked about (DynamoDB,
Secrets Manager, SSM, S3, ...), its backends (one per account and region), pickled. Each service is
pickled while no request of that service runs (the server holds its lock), so a save is a state that
the service really was in; services are pickled one by one, and only those written to since the last
save, so a burst of S3 uploads never re-pickles the tables.

The file is written to a temporary name, synced, then renamed over the old one: a crash (SIGKILL,
power) leaves the previous complete state or the new one, never half of either. Its header names the
format, moto's and Python's versions and a SHA-256 of the payload; a file that another version wrote,
or whose bytes do not match, is not loaded (moto's classes change between versions) but moved aside,
and the server starts clean. The file is only ever loaded from the developer's own `.cockpit/` folder.
"""

from __future__ import annotations

import copyreg
import gc
import hashlib
import io
import json
import os
import pickle
import shutil
import sys
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import moto
from moto.backends import get_backend
from moto.core.base_backend import BackendDict

FORMAT = 1
MAGIC = b"cockpit-moto-state\n"
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


class StateError(Exception):
    """The saved state cannot be used (why, in words for the developer)."""


@dataclass(frozen=True)
class Saved:
    """A state file as read: each service's pickled backends, and the header."""

    services: dict[str, bytes]
    saved_at: str
    size: int


def _is_global(function: Callable[..., Any]) -> bool:
    """Picklable by reference: a module-level function or class (not a lambda or a local function)."""
    module = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", "")
    if not module or "<" in qualname:
        return False
    target: Any = sys.modules.get(module)
    for part in qualname.split("."):
        target = getattr(target, part, None)
    return target is function


@dataclass(frozen=True)
class DefaultOf:
    """A picklable stand-in for `lambda: defaultdict(factory)`, moto's nested-default idiom."""

    factory: Callable[[], Any]

    def __call__(self) -> defaultdict[Any, Any]:
        return defaultdict(self.factory)


def _factory(value: defaultdict[Any, Any]) -> Callable[[], Any] | None:
    """The defaultdict's factory, or a picklable one that makes the same (moto writes
    `defaultdict(lambda: defaultdict(dict))` for SSM's tags)."""
    factory = value.default_factory
    if factory is None or _is_global(factory):
        return factory
    made = factory()
    if type(made) is defaultdict and made.default_factory is not None and not made:
        if _is_global(made.default_factory):
            return DefaultOf(made.default_factory)
    elif type(made) in (dict, list, set) and not made:
        return type(made)
    raise pickle.PicklingError(f"a defaultdict's factory {factory!r} cannot be saved")


def _new_defaultdict(cls: type[defaultdict[Any, Any]], factory: Callable[[], Any] | None) -> Any:
    made = defaultdict.__new__(cls)
    made.default_factory = factory
    return made


def _reduce_defaultdict(value: defaultdict[Any, Any]) -> tuple[Any, ...]:
    """A defaultdict or a subclass of it, rebuilt exactly as it was without calling its `__init__` or
    `__setitem__` (SSM's ParameterDict takes other arguments than defaultdict's `__reduce__` passes,
    and rewrites keys as they are set)."""
    state = (dict(value), getattr(value, "__dict__", None) or None)
    return _new_defaultdict, (type(value), _factory(value)), state, None, None, _fill_dict


def _new_dict(cls: type[dict[Any, Any]]) -> Any:
    return dict.__new__(cls)


def _fill_dict(made: dict[Any, Any], state: tuple[dict[Any, Any], dict[str, Any] | None]) -> None:
    contents, attributes = state
    dict.update(made, contents)
    if attributes:
        made.__dict__.update(attributes)


def _reduce_checked_dict(value: dict[Any, Any]) -> tuple[Any, ...]:
    """A dict subclass that checks each `__setitem__` (DynamoDB's item size limit: a sum over the item
    per attribute set) is refilled with dict's own update: its contents were checked when written, and
    checking again on load costs a quadratic walk per item."""
    state = (dict(value), getattr(value, "__dict__", None) or None)
    return _new_dict, (type(value),), state, None, None, _fill_dict


def _checked_dicts() -> Iterator[type[Any]]:
    """dict subclasses that override `__setitem__` and otherwise pickle as dict does."""
    plain: Any = dict
    for cls in _subclasses(dict):
        if (
            cls.__setitem__ is not plain.__setitem__
            and not issubclass(cls, defaultdict | OrderedDict)
            and cls.__reduce_ex__ is plain.__reduce_ex__
            and cls.__reduce__ is plain.__reduce__
            and getattr(cls, "__getstate__", plain.__getstate__) is plain.__getstate__
            and not hasattr(cls, "__setstate__")
            and not hasattr(cls, "__slots__")
        ):
            yield cls


def _subclasses(cls: type[Any]) -> Iterator[type[Any]]:
    yield cls
    sub: type[Any]
    for sub in cls.__subclasses__():
        yield from _subclasses(sub)


def dumps(value: object) -> bytes:
    """Pickle moto's objects (with the defaultdict rule above)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {
        **copyreg.dispatch_table,
        **dict.fromkeys(_checked_dicts(), _reduce_checked_dict),
        **dict.fromkeys(_subclasses(defaultdict), _reduce_defaultdict),
    }
    pickler.dump(value)
    return buffer.getvalue()


@contextmanager
def _collector_paused(*, freeze: bool = False) -> Iterator[None]:
    """The cyclic garbage collector off while a state of thousands of items is unpickled (millions of new
    objects: the collections their allocation triggers took most of the time, 8 times here); `freeze`:
    then move what exists into the permanent generation, so later collections do not walk it again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def loads(data: bytes) -> Any:
    """Unpickle (with the collector paused)."""
    with _collector_paused():
        return pickle.loads(data)  # noqa: S301 - our own file in .cockpit/, or a pickle of this process


def backend_dicts() -> dict[str, BackendDict[Any]]:
    """The services moto holds state for in this process, by name."""
    instances: list[BackendDict[Any]] = list(BackendDict._instances)  # type: ignore[misc]
    return {bd.service_name: bd for bd in instances if len(bd)}


def snapshot(backends: BackendDict[Any]) -> bytes:
    """One service's backends (account → region → backend), pickled. Call it while nothing writes."""
    return dumps({account: dict(regions) for account, regions in list(backends.items())})


def restore(services: dict[str, bytes]) -> tuple[list[str], dict[str, str]]:
    """Put saved services into this process's moto (before it serves anything). A service whose state
    cannot be unpickled is left out (it starts empty), never half-installed. The names restored, and
    why the others were not."""
    loaded: dict[str, tuple[BackendDict[Any], dict[str, dict[str, Any]]]] = {}
    problems: dict[str, str] = {}
    with _collector_paused(freeze=True):
        _unpickle(services, loaded, problems)
    for target, accounts in loaded.values():
        for account, regions in accounts.items():
            per_account = target[account]
            for region, backend in regions.items():
                dict.__setitem__(per_account, region, backend)
    return sorted(loaded), problems


def _unpickle(
    services: dict[str, bytes],
    loaded: dict[str, tuple[BackendDict[Any], dict[str, dict[str, Any]]]],
    problems: dict[str, str],
) -> None:
    for name, data in services.items():
        try:
            target = get_backend(name)  # type: ignore[call-overload]
            loaded[name] = (target, loads(data))
        except Exception as exc:  # whatever unpickling raises means "cannot use it"
            problems[name] = f"{type(exc).__name__}: {exc}"


class StateFile:
    """The state file: read (checked), written atomically, moved aside."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock: int | None = None

    def claim(self) -> bool:
        """Hold `<file>.lock` for this process's life: one server per state file. False if another
        running server holds it (two servers saving one file would each overwrite the other's state)."""
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path.with_name(f"{self.path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        self._lock = descriptor  # closed (and released) when the process ends
        return True

    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> Saved:
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise StateError(f"it cannot be read ({exc.strerror})") from exc
        if not raw.startswith(MAGIC):
            raise StateError("it is not a state file of this server")
        header_line, newline, payload = raw[len(MAGIC) :].partition(b"\n")
        try:
            header = json.loads(header_line)
        except ValueError:
            header = None
        if not newline or not isinstance(header, dict):
            raise StateError("its header is damaged")
        written_by = (
            f"format {header.get('format')}, moto {header.get('moto')}, Python {header.get('python')}"
        )
        running = f"format {FORMAT}, moto {moto.__version__}, Python {PYTHON}"
        if written_by != running:
            raise StateError(f"it was saved by another version ({written_by}; this is {running})")
        if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
            raise StateError("its contents are damaged (checksum mismatch: cut short or altered)")
        try:
            services = pickle.loads(payload)  # noqa: S301 - a dict of bytes, checked above
        except Exception as exc:
            raise StateError(f"its contents cannot be read ({type(exc).__name__})") from exc
        if not isinstance(services, dict) or not all(isinstance(v, bytes) for v in services.values()):
            raise StateError("its contents are not a saved state")
        return Saved(services, str(header.get("saved_at", "")), len(raw))

    def write(self, services: dict[str, bytes]) -> int:
        """Replace the file with these services' state, atomically; its size."""
        payload = pickle.dumps(services, protocol=pickle.HIGHEST_PROTOCOL)
        header = {
            "format": FORMAT,
            "moto": moto.__version__,
            "python": PYTHON,
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "services": sorted(services),
            "sha256": hashlib.sha256(payload).hexdigest(),
        }
        data = MAGIC + json.dumps(header).encode() + b"\n" + payload
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with temporary.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)
        _sync_folder(self.path.parent)
        return len(data)

    def move_aside(self, suffix: str) -> Path:
        """Rename the file to `<name>.<suffix>` (replacing an older one of that name); the new path."""
        aside = self.path.with_name(f"{self.path.name}.{suffix}")
        os.replace(self.path, aside)
        return aside

    def copy_aside(self, suffix: str) -> Path:
        aside = self.path.with_name(f"{self.path.name}.{suffix}")
        shutil.copy2(self.path, aside)
        return aside

    def remove_leftovers(self) -> None:
        """Temporary files of a save that was killed before its rename."""
        for leftover in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            leftover.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclass
class Status:
    """What the server did with its state file, for `GET /_cockpit/state` and its log."""

    file: str
    restored: list[str] = field(default_factory=list)
    saved_at: str | None = None  # of the state restored
    size: int | None = None
    load_seconds: float | None = None
    set_aside: str | None = None  # where an unusable or discarded file went
    problem: str | None = None  # why a file was not used
    fresh: bool = False
    last_save: str | None = None
    saves: int = 0
    not_kept: dict[str, str] = field(default_factory=dict)  # services that cannot be pickled, and why

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def lines(self) -> Iterator[str]:
        if self.fresh:
            aside = f"the saved state was moved to {self.set_aside}" if self.set_aside else "no saved state"
            yield f"fresh start ({aside}); saving to {self.file}"
        if self.problem and not self.restored:
            yield (
                f"the saved state {self.file} cannot be used: {self.problem}; moved to {self.set_aside}, "
                "starting clean"
            )
        elif self.problem:
            yield (
                f"part of the saved state {self.file} cannot be used: {self.problem}; that starts empty "
                f"(the file was copied to {self.set_aside})"
            )
        if self.restored:
            yield (
                f"restored the state saved at {self.saved_at} from {self.file} ({self.size} bytes: "
                f"{', '.join(self.restored)}) in {self.load_seconds:.2f} s"
            )
        elif not self.problem and not self.fresh:
            yield f"no saved state in {self.file} yet: starting clean, saving there"


def load(state: StateFile, *, fresh: bool) -> tuple[Status, dict[str, bytes]]:
    """Start from the state file unless `fresh`; an unusable file is moved aside (never fatal), one
    with a service that cannot be read is copied aside and the rest restored. What happened, and the
    services restored (pickled, as saved)."""
    status = Status(file=str(state.path), fresh=fresh)
    state.remove_leftovers()
    if not state.exists():
        return status, {}
    if fresh:
        status.set_aside = str(state.move_aside("previous"))
        return status, {}
    started = time.monotonic()
    aside = f"unusable-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    try:
        saved = state.read()
    except StateError as exc:
        status.problem = str(exc)
        status.set_aside = str(state.move_aside(aside))
        return status, {}
    status.restored, problems = restore(saved.services)
    if problems:
        status.problem = "; ".join(
            f"the saved {name} state cannot be read ({why})" for name, why in problems.items()
        )
        status.set_aside = str(state.copy_aside(aside))
    status.saved_at, status.size = saved.saved_at, saved.size
    status.load_seconds = time.monotonic() - started
    return status, {name: saved.services[name] for name in status.restored}
