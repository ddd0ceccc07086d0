"""The generic webhook, signed: apprise's json:// / jsons:// target with the body signed as
tenant webhooks are (`X-Netwave-Signature: sha256=<HMAC-SHA256 of the exact body>`).

apprise's own json:// plugin builds and serialises its body inside `send`, and its custom
headers (`+Header=value` in the URL) are fixed before the body exists, so they cannot carry a
signature of it. This plugin keeps everything of json:// (URL syntax, method, headers, GET
parameters, timeouts, apprise's retries) and only replaces `send`: the body is canonical JSON
(apprise's version/title/message/type plus netwave's event fields), signed, POSTed once per
attempt, never following a redirect (a followed redirect would re-post a signed body).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from apprise.common import NotifyType
from apprise.plugins.custom_json import NotifyJSON

from services.changes.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    delivery_id,
    sign,
)
from services.notifications.events import StaffMessage

USER_AGENT = "netwave-notifications/1"


def signed_body(message: StaffMessage, notify_type: str) -> bytes:
    """The exact bytes a generic webhook receives (sorted keys, no spaces)."""
    payload: dict[str, Any] = {
        "version": NotifyJSON.json_version,
        "title": message.title,
        "message": message.body,
        "type": notify_type,
        **message.payload(),
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class SignedJSON(NotifyJSON):  # type: ignore[no-untyped-call]  # apprise is partly untyped
    """json:// or jsons:// with an HMAC secret; made per message (it carries the message)."""

    def __init__(self, *, message: StaffMessage, secret: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self._message = message
        self._secret = secret

    def send(
        self,
        body: Any,
        title: Any = "",
        notify_type: Any = NotifyType.INFO,
        attach: Any = None,
        **kwargs: Any,
    ) -> bool:
        """One attempt (apprise retries); `body` and `title` are the message's own."""
        data = signed_body(self._message, NotifyType(notify_type).value)
        headers = {
            "User-Agent": USER_AGENT,
            "Content-Type": "application/json",
            **self.headers,
            SIGNATURE_HEADER: sign(data, self._secret),
            EVENT_HEADER: self._message.event,
            DELIVERY_HEADER: delivery_id(data),  # the same for every retry of this message
        }
        auth = (self.user, self.password or "") if self.user else None
        self.throttle()  # type: ignore[no-untyped-call]
        try:
            response = httpx.request(
                str(self.method),
                self._address(),
                content=data,
                params=self.params,
                headers=headers,
                auth=auth,
                verify=self.verify_certificate,
                timeout=httpx.Timeout(
                    self.socket_read_timeout, connect=self.socket_connect_timeout
                ),
                follow_redirects=False,
            )
        except httpx.HTTPError as exc:
            self.logger.warning("signed webhook %s: %s", self.host, type(exc).__name__)
            return False
        if not 200 <= response.status_code < 300:
            self.logger.warning("signed webhook %s: HTTP %s", self.host, response.status_code)
            return False
        return True

    def _address(self) -> str:
        port = f":{self.port}" if isinstance(self.port, int) else ""
        return f"{'https' if self.secure else 'http'}://{self.host}{port}{self.fullpath}"


def signed_target(url: str, secret: str, message: StaffMessage) -> SignedJSON | None:
    """The plugin for a json:// or jsons:// URL (None when apprise cannot parse it)."""
    parsed = NotifyJSON.parse_url(url)  # type: ignore[no-untyped-call]
    if not parsed:
        return None
    return SignedJSON(message=message, secret=secret, **parsed)
