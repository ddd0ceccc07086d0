"""`make test`'s first step: the Debian packages the suite needs, installed once before any
test runs (as root with apt-get; elsewhere the tests that need them say what is missing).

Installed from inside the parallel run, they broke it on a fresh machine: a browser test
installed chromium while a realnet test ran beside it, chromium's avahi-daemon added a system
user, adduser renamed a new /etc/passwd into place, and every router's sshd (which sees its
test login through a bind mount of that file) lost the login mid-test: all logins refused.
The fixtures still install what is missing when a test is run on its own.
"""

from __future__ import annotations

import os
import shutil
import sys

from tests.realnet.system import PACKAGES, install_packages

CHROMIUM = {"chromium": "/usr/bin/chromium"}  # tests/browser/conftest.py's CHROMIUM


def needed() -> dict[str, dict[str, str]]:
    """What to install, by the tests that need it (package: a file it installs)."""
    return {"realnet": PACKAGES, "browser": CHROMIUM}


def main() -> int:
    missing = {
        name: path
        for packages in needed().values()
        for name, path in packages.items()
        if not os.path.exists(path)
    }
    if not missing:
        return 0
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(f"not installed (needs root and apt-get): {', '.join(missing)}", file=sys.stderr)
        return 0
    print(f"installing {', '.join(missing)} before the tests run", file=sys.stderr)
    try:
        install_packages(PACKAGES)
        install_packages(CHROMIUM, recommends=True)  # as the browser fixture does: fonts
    except RuntimeError as exc:  # the tests that need them fail (CI) or skip and say why
        print(exc, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
