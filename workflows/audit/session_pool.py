"""Audit device work in helper processes: SSH sessions, render and compare off the worker's GIL.

Per device an audit spends its CPU in the SSH session (Paramiko and Netmiko, in Nornir's
threads), then rendering and comparing (Jinja2, hier_config). One Python interpreter runs one
of those at a time, so a worker that did it all in its own threads used one core and left its
workflow tasks, heartbeats and database writes queueing behind the sessions.

`SessionPool` starts `processes` helper processes (spawned, never forked from a process that
runs Temporal's threads). An activity hands it a tenant's devices; the pool splits them over
the helpers, each helper collects its share with Nornir + Netmiko (the same `collect` as
everywhere, with its share of the session budget) and assesses every device as it arrives,
and streams each result back at once. The worker keeps only what must be in one place: the
database writes, heartbeats and Temporal.

A helper that dies mid-job (killed, out of memory) loses only its unfinished devices: the pool
hands them back and turns itself off, and the activity collects them in its own threads. A
helper leaves when its worker is gone (a kill -9 of the worker closes no pipe politely).
"""

from __future__ import annotations

import atexit
import itertools
import logging
import math
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path

from services.core import log_context
from services.core.logging import setup_logging
from services.core.secrets import SecretsProvider
from services.network.collect import Collected, Reachability, collect
from services.network.host_keys import report_mismatch_in
from services.network.inventory import Device
from services.observability import device as device_events
from services.observability.tracing import TraceCarrier, continued_trace, trace_carrier
from workflows.audit.assess import Outcome, RuleSource, audit_outcome, rules_for

log = logging.getLogger(__name__)

# Jobs a helper runs at once: more than the worker's activity threads ever send it.
HELPER_JOBS = 64


@dataclass(frozen=True)
class SliceJob:
    """What one helper does for one activity: its share of the devices and of the sessions."""

    devices: list[Device]
    provider: SecretsProvider
    templates: Path
    source: RuleSource
    workers: int
    timeout: float
    # The log ids of the activity that asked (its tenant, workflow and run), for the helper's
    # device records: taken where the job is made.
    log_ids: dict[str, str] = field(default_factory=log_context.snapshot)
    trace: TraceCarrier | None = None  # the activity's span: the helper's sessions go under it


# helper -> worker: (job id, Outcome) per device, (job id, None) when a job is done,
# (job id, "error text") when it failed; worker -> helper: (job id, SliceJob), None to leave.
Message = tuple[int, Outcome | str | None]


def _watch_parent(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _run_job(job_id: int, job: SliceJob, send: Callable[[Message], None]) -> None:
    with log_context.bind(**job.log_ids):
        _run_bound_job(job_id, job, send)


def _run_bound_job(job_id: int, job: SliceJob, send: Callable[[Message], None]) -> None:
    try:
        rules = rules_for(job.source)
        by_name = {d.name: d for d in job.devices}

        def on_done(item: Collected) -> None:
            device = by_name[item.device]
            send((job_id, audit_outcome(job.templates, rules, device, item)))

        with continued_trace(job.trace):
            collect(  # sessions are counted by the worker, from the outcomes (its metrics)
                job.devices,
                job.provider,
                workers=job.workers,
                timeout=job.timeout,
                on_done=on_done,
                count_sessions=False,
            )
        send((job_id, None))
    except BaseException as exc:  # reported to the worker, which redoes the devices left
        send((job_id, f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__))


def helper_main(conn: Connection, parent: int) -> None:
    """A helper process: run each job in a thread, send every device's result at once."""
    setup_logging()  # spawned: nothing of the worker's logging set-up comes along
    _watch_parent(parent)
    send_lock = threading.Lock()

    def send(message: Message) -> None:
        with send_lock:
            conn.send(message)

    with ThreadPoolExecutor(HELPER_JOBS, thread_name_prefix="audit-job") as jobs:
        while True:
            try:
                request = conn.recv()
            except (EOFError, OSError):
                break
            if request is None:
                break
            job_id, job = request
            jobs.submit(_run_job, job_id, job, send)
    os._exit(0)


@dataclass
class _Helper:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    send_lock: threading.Lock
    jobs: set[int]
    alive: bool = True
    leaving: bool = False


class SessionPool:
    """The worker's helper processes, started on first use, shared by its activity threads."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._lock = threading.Lock()
        self._helpers: list[_Helper] = []
        self._inboxes: dict[int, queue.SimpleQueue[Message]] = {}
        self._ids = itertools.count(1)
        self._disabled = processes < 1
        self._started = False
        self.restartable = True

    @property
    def enabled(self) -> bool:
        return not self._disabled

    def start(self) -> bool:
        """Start the helpers if they are not running (the first audit does; a worker that only
        runs campaigns never starts them); False when the pool is off or cannot start here."""
        with self._lock:
            if self._disabled or self._started:
                return not self._disabled
            self._started = True
            try:
                self._helpers = [self._spawn(index) for index in range(self.processes)]
            except (OSError, RuntimeError) as exc:
                failure: str | None = f"cannot start helper processes: {exc}"
            else:
                failure = None
        if failure is not None:
            self._turn_off(failure, restartable=False)
            return False
        for index, helper in enumerate(self._helpers):
            threading.Thread(
                target=self._read, args=(helper,), name=f"audit-helper-{index}", daemon=True
            ).start()
        atexit.register(self.close)
        return True

    def _spawn(self, index: int) -> _Helper:
        # spawn, not fork: never fork a process that runs Temporal's and Nornir's threads
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(
            target=helper_main,
            args=(theirs, os.getpid()),
            name=f"netwave-audit-helper-{index}",
            daemon=True,
        )
        process.start()
        theirs.close()
        return _Helper(process, ours, threading.Lock(), set())

    def audit(self, job: SliceJob, on_done: Callable[[Outcome], None]) -> list[Device]:
        """Collect and assess `job.devices` over the helpers, calling `on_done` (in this
        thread) for each device as it arrives; returns the devices no helper finished, which
        the caller must do itself (all of them when the pool is off)."""
        if not job.devices or not self.start():
            return list(job.devices)
        with self._lock:
            helpers = [h for h in self._helpers if h.alive]
        if not helpers:
            return list(job.devices)
        inbox: queue.SimpleQueue[Message] = queue.SimpleQueue()
        remaining = {d.name: d for d in job.devices}
        share = max(1, math.ceil(job.workers / len(helpers)))
        sent: set[int] = set()
        for helper, devices in zip(helpers, split(job.devices, len(helpers)), strict=True):
            if devices and (job_id := self._send(helper, job, devices, share, inbox)):
                sent.add(job_id)
        try:
            _collect(inbox, sent, remaining, on_done)
        finally:
            with self._lock:
                for job_id in list(self._inboxes):
                    if self._inboxes[job_id] is inbox:
                        del self._inboxes[job_id]
        return [d for d in job.devices if d.name in remaining]

    def _send(
        self,
        helper: _Helper,
        job: SliceJob,
        devices: list[Device],
        share: int,
        inbox: queue.SimpleQueue[Message],
    ) -> int | None:
        job_id = next(self._ids)
        part = replace(job, devices=devices, workers=share, trace=trace_carrier())
        with self._lock:
            if not helper.alive:
                return None
            self._inboxes[job_id] = inbox
            helper.jobs.add(job_id)
        try:
            with helper.send_lock:
                helper.conn.send((job_id, part))
        except (OSError, ValueError) as exc:  # its inbox hears of the loss like any other job
            self._lose(helper, f"cannot reach a helper: {exc}")
        except Exception as exc:  # a job that cannot be pickled (a custom secrets provider)
            with self._lock:
                self._inboxes.pop(job_id, None)
                helper.jobs.discard(job_id)
            self._turn_off(f"cannot hand a job to a helper: {exc}", restartable=False)
            return None
        return job_id

    def _read(self, helper: _Helper) -> None:
        """Route a helper's messages to the activity waiting for them, until it is gone.

        This thread alone closes the worker's end of the pipe: closing it from another thread
        would not wake a `recv` blocked on it.
        """
        while True:
            try:
                job_id, message = helper.conn.recv()
            except (EOFError, OSError):
                break
            with self._lock:
                inbox = self._inboxes.get(job_id)
                if message is None or isinstance(message, str):
                    helper.jobs.discard(job_id)
            if inbox is not None:
                inbox.put((job_id, message))
        helper.conn.close()
        self._lose(helper, "a helper process left" if helper.leaving else "a helper process died")

    def _lose(self, helper: _Helper, why: str) -> None:
        """A helper is gone: end its jobs (their callers redo what it did not finish)."""
        with self._lock:
            if not helper.alive:
                return
            helper.alive = False
            orphans = [(j, self._inboxes.get(j)) for j in helper.jobs]
            helper.jobs.clear()
        for job_id, inbox in orphans:
            if inbox is not None:
                inbox.put((job_id, why))
        if not helper.leaving:
            self._turn_off(why)

    def _turn_off(self, why: str, restartable: bool = True) -> None:
        """No new jobs from now on; helpers still alive finish theirs, then leave."""
        with self._lock:
            if not self._disabled:
                log.warning("audit helper processes off (%s); auditing in the worker", why)
            self._disabled = True
            self.restartable = self.restartable and restartable
        self.close()

    def pids(self) -> list[int]:
        with self._lock:
            return [h.process.pid for h in self._helpers if h.alive and h.process.pid]

    def close(self) -> None:
        """Ask every helper to leave once its jobs are done; takes no new jobs (idempotent)."""
        with self._lock:
            self._disabled = True
            helpers = [h for h in self._helpers if h.alive and not h.leaving]
            for helper in helpers:
                helper.leaving = True
        for helper in helpers:
            try:
                with helper.send_lock:
                    helper.conn.send(None)
            except (OSError, ValueError):
                pass


_SHARED: dict[int, SessionPool] = {}
_SHARED_LOCK = threading.Lock()


def shared_pool(processes: int) -> SessionPool:
    """The process's pool of `processes` helpers: one set per worker process, however many
    activity objects it builds (tests build many). After a helper died, the next call starts
    a new set; if processes cannot start here at all, the pool stays off."""
    with _SHARED_LOCK:
        pool = _SHARED.get(processes)
        if pool is None or (not pool.enabled and pool.restartable and processes > 0):
            pool = _SHARED[processes] = SessionPool(processes)
        return pool


def split(devices: Sequence[Device], parts: int) -> list[list[Device]]:
    """`devices` round robin over `parts` lists (fleets are sorted by site; this mixes them)."""
    return [list(devices[i::parts]) for i in range(parts)]


def _collect(
    inbox: queue.SimpleQueue[Message],
    sent: set[int],
    remaining: dict[str, Device],
    on_done: Callable[[Outcome], None],
) -> None:
    """Hand each device's outcome to `on_done` (once) until every job sent has ended."""
    while sent:
        job_id, message = inbox.get()
        if isinstance(message, Outcome):
            device = remaining.pop(message.device, None)
            if device is not None:
                device_events.session_finished(
                    device.platform, device.tenant, message.session.value, message.seconds
                )
                if message.session is Reachability.host_key_mismatch:  # to staff, from here
                    reason = str(message.result.get("message", ""))
                    report_mismatch_in(device.tenant, device.name, device.platform, reason)
                on_done(message)
            continue
        sent.discard(job_id)
        if isinstance(message, str):
            log.warning("audit helper job failed (%s); the worker redoes the rest", message)
