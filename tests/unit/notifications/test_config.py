"""notifications.yaml: targets validated with errors that name the file, line and entry; the
secrets it names resolved, never written in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.core.errors import ConfigurationError
from services.core.secrets import EnvSecretsProvider
from services.notifications.config import load_file, parse_file, resolve_targets
from services.notifications.events import STAFF_EVENTS
from tests.unit.notifications.conftest import HMAC_SECRET, SLACK_URL

PATH = Path("inventories/notifications.yaml")


def _resolve(text: str, provider: EnvSecretsProvider) -> list:  # type: ignore[type-arg]
    return resolve_targets(parse_file(text, PATH), provider, PATH)


def test_a_valid_file(provider: EnvSecretsProvider) -> None:
    targets = _resolve(
        """
targets:
  - name: ops-slack
    url_secret: slack-ops
    events: [change.awaiting_approval, campaign.halted]
  - name: noc-webhook
    url: jsons://noc.example.net/hooks/netwave
    secret: noc-hmac
""",
        provider,
    )
    slack, hook = targets
    assert slack.name == "ops-slack"
    assert slack.url == SLACK_URL
    assert slack.events == {"change.awaiting_approval", "campaign.halted"}
    assert slack.signing_secret is None
    assert hook.events == set(STAFF_EVENTS)  # all, when the entry names none
    assert hook.signing_secret == HMAC_SECRET
    # Neither the URL's tokens nor the HMAC secret show in what is logged or printed.
    for target in targets:
        assert "TOKEN" not in target.shown and "TOKEN" not in repr(target)
        assert HMAC_SECRET not in repr(target)
    assert slack.shown == "ops-slack (Slack)"


def test_no_file_means_no_targets(tmp_path: Path) -> None:
    assert load_file(tmp_path / "notifications.yaml") is None
    assert parse_file("", PATH).targets == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "targets:\n  - name: a\n    url: json://h/x\n"
            "    events: [change.failed, change.exploded]\n",
            r"notifications.yaml:4: targets\[0\] \(a\)\.events: "
            r"unknown event 'change.exploded' \(known: ",
        ),
        (
            "targets:\n  - name: a\n    url: json://h/x\n    url_secret: slack-ops\n",
            r"notifications.yaml:2: targets\[0\] \(a\): give either url or url_secret",
        ),
        (
            "targets:\n  - name: a\n",
            r"notifications.yaml:2: targets\[0\] \(a\): give either url or url_secret",
        ),
        (
            "targets:\n  - name: a\n    url: json://h/x\n    colour: red\n",
            r"notifications.yaml:4: targets\[0\] \(a\)\.colour: unknown field",
        ),
        (
            "targets:\n  - name: a\n    url: json://h/x\n  - name: a\n    url: json://h/y\n",
            r"notifications.yaml:1: targets: .*target name used twice: a",
        ),
        (
            "targets:\n  - name: a\n    url: json://h/x\n    events: []\n",
            r"notifications.yaml:4: targets\[0\] \(a\)\.events: names no event",
        ),
        ("targets: [\n", r"notifications.yaml:2: YAML syntax error"),
        ("- just a list\n", r"notifications.yaml:1: expected a mapping with `targets`"),
    ],
)
def test_file_errors_name_the_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(ConfigurationError, match=expected):
        parse_file(text, PATH)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "url: bogus://somewhere",
            r"targets\[0\] \(a\): url is not an apprise URL apprise can send to "
            r"\(scheme 'bogus'",
        ),
        (
            "url_secret: bad-url",
            r"targets\[0\] \(a\): the URL in secret 'bad-url' is not an apprise URL",
        ),
        (
            "url_secret: no-such-secret",
            r"targets\[0\] \(a\): url_secret: .*no-such-secret",
        ),
        (
            "url: json://h/x\n    secret: missing-hmac",
            r"targets\[0\] \(a\): secret: .*missing-hmac",
        ),
        (
            "url_secret: slack-ops\n    secret: noc-hmac",
            r"targets\[0\] \(a\): secret: only a generic webhook \(json:// or jsons://\) is "
            r"signed; slack:// does not take an HMAC secret",
        ),
    ],
)
def test_target_errors_name_the_entry(
    provider: EnvSecretsProvider, entry: str, expected: str
) -> None:
    with pytest.raises(ConfigurationError, match=expected) as caught:
        _resolve(f"targets:\n  - name: a\n    {entry}\n", provider)
    # A bad URL kept in a secret is named by the secret, never shown.
    assert "notascheme-at-all" not in str(caught.value)
    assert SLACK_URL not in str(caught.value)
