"""Read back the secrets a test must never find in histories, logs or the database."""

from __future__ import annotations

from pathlib import Path

import yaml


def passwords(secrets_file: Path) -> list[str]:
    creds = yaml.safe_load(secrets_file.read_text())["credentials"]
    return [c[k] for c in creds.values() for k in ("password", "enable") if c.get(k)]
