"""Workflow history as searchable text: the JSON plus every payload decoded from base64."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any

from temporalio.client import WorkflowHistory


def history_text(history: WorkflowHistory) -> str:
    raw = history.to_json()
    decoded: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("data", "details") and isinstance(value, str):
                    with contextlib.suppress(ValueError):
                        decoded.append(base64.b64decode(value).decode("utf-8", "replace"))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(raw))
    return raw + "\n" + "\n".join(decoded)
