"""Secrets for the notification tests: an env-style provider with the credentials they name."""

from __future__ import annotations

import pytest

from services.core.secrets import EnvSecretsProvider

HMAC_SECRET = "hmac-for-staff-tests-7f3a"
SLACK_URL = "slack://T0TOKENA/B0TOKENB/C0TOKENsecretpart"


@pytest.fixture
def provider() -> EnvSecretsProvider:
    return EnvSecretsProvider(
        {
            "NETWAVE_CREDENTIAL_NOC_HMAC_USERNAME": "noc",
            "NETWAVE_CREDENTIAL_NOC_HMAC_PASSWORD": HMAC_SECRET,
            "NETWAVE_CREDENTIAL_SLACK_OPS_USERNAME": "slack",
            "NETWAVE_CREDENTIAL_SLACK_OPS_PASSWORD": SLACK_URL,
            "NETWAVE_CREDENTIAL_BAD_URL_USERNAME": "x",
            "NETWAVE_CREDENTIAL_BAD_URL_PASSWORD": "notascheme-at-all",
        }
    )
