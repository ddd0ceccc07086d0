"""The routers keep the test login when the host's /etc/passwd is replaced (as a package
install that adds a system user does, while a browser test installs chromium beside the
realnet): first seen as every router refusing the README walkthrough's backup on a fresh
machine."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from services.network.push import fetch_running
from tests.integration.realnet.helpers import CHANGED, TIMEOUT, login
from tests.realnet.net import RealNet
from tests.realnet.sshd import sees_logins

PASSWD = Path("/etc/passwd")


def replace_like_adduser(path: Path) -> None:
    """Write a copy beside the file and rename it into place: same content, a new inode."""
    copy = path.with_name(path.name + ".netwave-test")
    shutil.copy2(path, copy)
    stat = path.stat()
    os.chown(copy, stat.st_uid, stat.st_gid)
    os.replace(copy, path)


async def test_a_replaced_passwd_file_does_not_lock_the_routers_out(realnet: RealNet) -> None:
    replace_like_adduser(PASSWD)
    assert not any(sees_logins(proc) for proc in realnet.sshd.values())  # the binds are gone
    assert sorted(realnet.ensure_logins()) == sorted(realnet.names)
    assert all(sees_logins(proc) for proc in realnet.sshd.values())
    device, credential = login(realnet, CHANGED)
    running = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
    assert f"hostname {CHANGED}" in running.splitlines()
    assert realnet.ensure_logins() == []  # nothing lost: nothing restarted
