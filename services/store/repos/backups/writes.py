"""Storing backups: a new version only when the text changed, idempotent per run and device.

Races between writers of the same device are settled by the unique constraints, not locks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import Insert, Select, bindparam, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.store.errors import ConflictError, InvalidInputError
from services.store.models import ConfigBackup, ConfigBlob, table_of
from services.store.repos._checks import aware, text_field
from services.store.repos.backups.views import BackupItem, Outcome, StoredBackup
from services.store.repos.tenants import tenant_id_of

# Each attempt loses only to a concurrent writer of the same device; a few always suffice.
MAX_ATTEMPTS = 5


def content_hash(content: str) -> str:
    """SHA-256 of the UTF-8 text, hex encoded."""
    return hashlib.sha256(content.encode()).hexdigest()


def _insert_blob(session: Session, digest: str, content: str) -> None:
    """Store the text once; a concurrent insert of the same text is not an error."""
    _insert_blobs(
        session, [{"content_hash": digest, "content": content, "size": len(content.encode())}]
    )


@cache
def _blob_insert(dialect: str) -> Insert:
    """INSERT of blobs that leaves texts stored already alone, built once per dialect."""
    table = table_of(ConfigBlob)
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"config blobs are not supported on {dialect}")


def _insert_blobs(session: Session, values: list[dict[str, object]]) -> None:
    """Store each text once (one statement); texts stored already are left as they are."""
    session.execute(_blob_insert(session.get_bind().dialect.name), values)


class _Version(NamedTuple):
    version: int
    content_hash: str


class _DeviceState(NamedTuple):
    by_run: _Version | None
    latest: _Version | None


def _device_state(
    session: Session, tenant_id: int, device: str, run_id: str | None
) -> _DeviceState:
    """What this run stored for the device and its newest version, read in one statement.

    One statement sees one snapshot, so a concurrent commit cannot fall between the two reads.
    """
    of_device = (ConfigBackup.tenant_id == tenant_id, ConfigBackup.device == device)
    newest = select(func.max(ConfigBackup.version)).where(*of_device).scalar_subquery()
    wanted = ConfigBackup.version == newest
    if run_id is not None:
        wanted = or_(wanted, ConfigBackup.run_id == run_id)
    rows = session.execute(
        select(ConfigBackup.version, ConfigBackup.content_hash, ConfigBackup.run_id)
        .where(*of_device, wanted)
        .order_by(ConfigBackup.version)
    ).all()
    by_run = next((_Version(v, h) for v, h, r in rows if run_id is not None and r == run_id), None)
    latest = _Version(rows[-1].version, rows[-1].content_hash) if rows else None
    return _DeviceState(by_run, latest)


def store_backup(
    session: Session,
    *,
    tenant: str,
    device: str,
    content: str,
    run_id: str | None,
    collected_at: datetime,
) -> StoredBackup:
    """Keep `content` as the device's next version unless it equals the latest one.

    Idempotent per (tenant, device, run_id): a retried or concurrent call returns the first
    call's result. Races are settled by the unique constraints, not by locks.
    """
    text_field("device", device, 255)
    if run_id is not None:
        text_field("run_id", run_id, 255)
    aware("collected_at", collected_at)
    tenant_id = tenant_id_of(session, name=tenant)
    digest = content_hash(content)

    def result(version: int, stored_hash: str, outcome: Outcome) -> StoredBackup:
        return StoredBackup(
            tenant=tenant, device=device, version=version, content_hash=stored_hash, outcome=outcome
        )

    for _ in range(MAX_ATTEMPTS):
        done, latest = _device_state(session, tenant_id, device, run_id)
        if done is not None:
            return result(done.version, done.content_hash, "backed_up")
        if latest is not None and latest.content_hash == digest:
            return result(latest.version, digest, "unchanged")
        version = 1 if latest is None else latest.version + 1
        row = ConfigBackup(
            tenant_id=tenant_id,
            device=device,
            version=version,
            content_hash=digest,
            collected_at=collected_at,
            run_id=run_id,
        )
        try:
            with session.begin_nested():
                _insert_blob(session, digest, content)
                session.add(row)
        except IntegrityError:
            continue  # a concurrent writer took this version or this run_id: look again
        return result(version, digest, "backed_up")
    raise ConflictError(
        f"could not store a backup of {device} for tenant {tenant!r} "
        f"after {MAX_ATTEMPTS} attempts against concurrent writers"
    )


def _build_batch_state() -> Select[str, int, str, str | None]:
    of_batch = (
        ConfigBackup.tenant_id == bindparam("tenant_id"),
        ConfigBackup.device.in_(bindparam("names", expanding=True)),
    )
    newest = (
        select(ConfigBackup.device, func.max(ConfigBackup.version).label("version"))
        .where(*of_batch)
        .group_by(ConfigBackup.device)
        .subquery()
    )
    return (
        select(
            ConfigBackup.device,
            ConfigBackup.version,
            ConfigBackup.content_hash,
            ConfigBackup.run_id,
        )
        .where(*of_batch)
        .where(
            or_(
                ConfigBackup.run_id == bindparam("run_id"),
                select(newest.c.version)
                .where(newest.c.device == ConfigBackup.device)
                .scalar_subquery()
                == ConfigBackup.version,
            )
        )
        .order_by(ConfigBackup.device, ConfigBackup.version)
    )


# Built once: an audit runs it for every batch it stores, and building it cost more than
# running it.
_BATCH_STATE = _build_batch_state()
_INSERT_BACKUPS = insert(table_of(ConfigBackup))


def _batch_state(
    session: Session, tenant_id: int, names: list[str], run_id: str
) -> tuple[dict[str, _Version], dict[str, _Version]]:
    """Per device: what this run stored, and the newest version (one statement, one snapshot)."""
    rows = session.execute(
        _BATCH_STATE, {"tenant_id": tenant_id, "names": names, "run_id": run_id}
    ).all()
    by_run = {r.device: _Version(r.version, r.content_hash) for r in rows if r.run_id == run_id}
    latest = {r.device: _Version(r.version, r.content_hash) for r in rows}  # newest last
    return by_run, latest


def store_backups(
    session: Session,
    *,
    tenant: str,
    items: Sequence[BackupItem],
    run_id: str,
    collected_at: datetime,
) -> list[StoredBackup]:
    """`store_backup` for many devices of one tenant, in a handful of statements.

    The same answers as one `store_backup` per item (new version, unchanged, or this run's
    earlier answer on a retry). If a concurrent writer gets in the way (a unique constraint
    fires), nothing of the batch stays and each item goes through `store_backup` instead.
    """
    text_field("run_id", run_id, 255)
    aware("collected_at", collected_at)
    for item in items:
        text_field("device", item.device, 255)
    if len({item.device for item in items}) != len(items):
        raise InvalidInputError("store_backups got the same device twice in one batch")
    if not items:
        return []
    tenant_id = tenant_id_of(session, name=tenant)
    by_run, latest = _batch_state(session, tenant_id, [item.device for item in items], run_id)
    results: list[StoredBackup] = []
    blobs: dict[str, dict[str, object]] = {}
    new_rows: list[dict[str, object]] = []
    for item in items:
        done, last = by_run.get(item.device), latest.get(item.device)
        digest = content_hash(item.content)
        outcome: Outcome = "backed_up"
        if done is not None:
            version, stored = done
        elif last is not None and last.content_hash == digest:
            version, stored, outcome = last.version, digest, "unchanged"
        else:
            version, stored = (1 if last is None else last.version + 1), digest
            blobs[digest] = {
                "content_hash": digest,
                "content": item.content,
                "size": len(item.content.encode()),
            }
            new_rows.append(
                {
                    "tenant_id": tenant_id,
                    "device": item.device,
                    "version": version,
                    "content_hash": digest,
                    "collected_at": collected_at,
                    "run_id": run_id,
                }
            )
        results.append(
            StoredBackup(
                tenant=tenant,
                device=item.device,
                version=version,
                content_hash=stored,
                outcome=outcome,
            )
        )
    if not new_rows:
        return results
    try:
        with session.begin_nested():
            _insert_blobs(session, list(blobs.values()))
            session.execute(_INSERT_BACKUPS, new_rows)
    except IntegrityError:  # a concurrent writer of one of these devices: one at a time
        return [
            store_backup(
                session,
                tenant=tenant,
                device=item.device,
                content=item.content,
                run_id=run_id,
                collected_at=collected_at,
            )
            for item in items
        ]
    return results
