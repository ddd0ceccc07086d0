"""The one logging set-up: JSON lines with the ids in production, text elsewhere."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import SecretStr, ValidationError
from temporalio import activity, workflow

from services.app.temporal import campaign_workflow_id, change_workflow_id
from services.core import log_context
from services.core.log_format import JsonFormatter, TextFormatter
from services.core.logging import LogIds, setup_logging
from services.core.settings import Settings

CHANGE = "0f8fad5b-d9cb-469f-a165-70867728950e"
CAMPAIGN = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def record(msg: str = "hello %s", *args: object, **extra: object) -> logging.LogRecord:
    made = logging.makeLogRecord({"name": "netwave.test", "levelname": "INFO", "msg": msg})
    made.args = args or ("world",)
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def as_json(made: logging.LogRecord) -> dict[str, object]:
    LogIds().filter(made)
    line = JsonFormatter().format(made)
    assert "\n" not in line
    parsed: dict[str, object] = json.loads(line)
    return parsed


def test_a_record_is_one_json_object_with_the_fields_and_the_extras() -> None:
    made = record(client="10.0.0.2", status=200, duration_ms=3.1)
    made.created = 1767225600.25  # 2026-01-01T00:00:00.250Z
    out = as_json(made)
    assert out == {
        "ts": "2026-01-01T00:00:00.250Z",
        "level": "INFO",
        "logger": "netwave.test",
        "msg": "hello world",
        "client": "10.0.0.2",
        "status": 200,
        "duration_ms": 3.1,
    }


def test_an_exception_is_a_field_on_the_same_line() -> None:
    try:
        raise ValueError("bad wan rate\nsecond line")
    except ValueError:
        made = record(exc_info=sys.exc_info())
    out = as_json(made)
    assert out["exc"] == "ValueError: bad wan rate"
    assert "Traceback" in str(out["exc_trace"]) and "second line" in str(out["exc_trace"])


def test_extras_named_like_secrets_are_masked_whatever_they_hold() -> None:
    out = as_json(
        record(password="hunter2", api_token="nw_abc", vault_secret=SecretStr("s3"), user="bob")
    )
    assert out["password"] == out["api_token"] == out["vault_secret"] == "<masked>"
    assert out["user"] == "bob"
    assert "hunter2" not in json.dumps(out) and "nw_abc" not in json.dumps(out)


def test_bound_ids_are_on_every_record_of_the_block_and_gone_after() -> None:
    with log_context.bind(tenant="acme", change_id=CHANGE):
        with log_context.bind(device="acme-hq-r1", campaign_id=None):
            inner = as_json(record())
        outer = as_json(record())
    after = as_json(record())
    assert inner["tenant"] == "acme" and inner["device"] == "acme-hq-r1"
    assert "campaign_id" not in inner
    assert outer["change_id"] == CHANGE and "device" not in outer
    assert "tenant" not in after


def test_binding_an_unknown_field_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="colour"), log_context.bind(colour="red"):
        pass


def test_what_the_caller_passed_wins_over_the_binding() -> None:
    with log_context.bind(tenant="acme"):
        assert as_json(record(tenant="globex"))["tenant"] == "globex"


def test_the_sdk_workflow_details_become_flat_ids_and_the_change_its_id_names() -> None:
    details = {
        "workflow_id": change_workflow_id(CHANGE),
        "run_id": "run-1",
        "workflow_type": "ChangeWorkflow",
        "attempt": 1,
        "namespace": "default",
    }
    out = as_json(record(temporal_workflow=details, tenant="acme"))
    assert out["workflow_id"] == f"change-{CHANGE}" and out["run_id"] == "run-1"
    assert out["change_id"] == CHANGE and out["tenant"] == "acme"
    assert "temporal_workflow" not in out and "namespace" not in out


def test_the_sdk_activity_details_become_flat_ids() -> None:
    details = {
        "activity_type": "upgrade_reload",
        "attempt": 2,
        "workflow_id": f"{campaign_workflow_id(CAMPAIGN)}-acme-acme-hq-r1",
        "workflow_run_id": "run-2",
    }
    out = as_json(record(temporal_activity=details))
    assert out["activity"] == "upgrade_reload" and out["attempt"] == 2
    assert out["run_id"] == "run-2" and out["campaign_id"] == CAMPAIGN


@pytest.mark.parametrize(
    ("workflow_id", "ids"),
    [
        (change_workflow_id(CHANGE), {"change_id": CHANGE}),
        (f"{change_workflow_id(CHANGE)}-acme-hq-r1", {"change_id": CHANGE}),
        (campaign_workflow_id(CAMPAIGN), {"campaign_id": CAMPAIGN}),
        ("backup-acme-0123456789ab", {}),
        ("audit-acme-scheduled-2026-01-01T02:00:00Z", {}),
        (f"changes-{CHANGE}", {}),
    ],
)
def test_workflow_ids_name_their_change_or_campaign(workflow_id: str, ids: dict[str, str]) -> None:
    assert log_context.ids_of_workflow(workflow_id) == ids


def test_text_lines_end_with_the_ids() -> None:
    made = record(tenant="acme", change_id=CHANGE)
    line = TextFormatter().format(made)
    assert line.endswith(f"netwave.test: hello world [tenant=acme change_id={CHANGE}]")


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    hooks = (sys.excepthook,)
    flags = (workflow.logger.workflow_info_on_message, activity.logger.activity_info_on_message)
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    sys.excepthook = hooks[0]
    threading.excepthook = threading.__excepthook__
    logging.captureWarnings(False)
    workflow.logger.workflow_info_on_message, activity.logger.activity_info_on_message = flags


def test_setup_in_json_mode_writes_json_lines_for_every_logger(
    restored_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    setup_logging(Settings(log_format="json", log_level="debug"))
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    with log_context.bind(tenant="vandelay"):
        logging.getLogger("netwave.worker").warning("worker ready")
    logging.getLogger("paramiko.transport").info("chatter kept out")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(r["logger"], r["msg"]) for r in lines] == [
        ("uvicorn.error", "Started server process [42]"),
        ("netwave.worker", "worker ready"),
    ]
    assert lines[1]["tenant"] == "vandelay" and lines[1]["level"] == "WARNING"
    assert workflow.logger.workflow_info_on_message is False
    assert activity.logger.activity_info_on_message is False


def test_setup_in_text_mode_writes_readable_lines(
    restored_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    setup_logging(Settings(log_format="text"))
    logging.getLogger("netwave.api").info("image catalogue: %d images added", 3)
    assert "INFO netwave.api: image catalogue: 3 images added" in stream.getvalue()


PEPPER = "p" * 40
PG = "postgresql://netwave@db/netwave"


def test_the_format_is_json_in_production_and_text_elsewhere() -> None:
    production = Settings(env="production", token_pepper=SecretStr(PEPPER), database_url=PG)
    assert production.log_format == "json"
    assert Settings(env="development").log_format == "text"
    assert Settings(env="test").log_format == "text"
    assert Settings(env="development", log_format="json").log_format == "json"
    chosen = Settings(
        env="production", token_pepper=SecretStr(PEPPER), database_url=PG, log_format="text"
    )
    assert chosen.log_format == "text"


def test_a_format_or_level_netwave_does_not_know_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="log_format"):
        Settings(log_format="xml")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="log_level"):
        Settings(log_level="chatty")  # type: ignore[arg-type]


def test_work_handed_to_a_thread_pool_keeps_the_binding() -> None:
    def tenant_seen() -> str | None:
        return log_context.current().get("tenant")

    with log_context.bind(tenant="initech"), ThreadPoolExecutor(1) as pool:
        assert pool.submit(tenant_seen).result() is None  # a pool thread starts unbound
        assert pool.submit(log_context.carried(tenant_seen)).result() == "initech"
