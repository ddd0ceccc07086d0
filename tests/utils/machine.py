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
from pathlib import Path

from tests.realnet.system import PACKAGES, install_packages

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_PACKAGES = {"chromium": str(CHROMIUM)}
# What to install, by the tests that need it (package: a file it installs).
NEEDED = {"realnet": PACKAGES, "browser": BROWSER_PACKAGES}


def install_chromium() -> str | None:
    """Debian's chromium with its recommends (fonts); None when done, else why not."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"{CHROMIUM} is missing and installing it needs root and apt-get"
    try:
        install_packages(BROWSER_PACKAGES, recommends=True)
    except RuntimeError as exc:
        return str(exc)[-500:]
    return None


def main() -> int:
    missing = {
        name: path
        for packages in NEEDED.values()
        for name, path in packages.items()
        if not os.path.exists(path)
    }
    if not missing:
        return 0
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(f"not installed (needs root and apt-get): {', '.join(missing)}", file=sys.stderr)
        return 0
    print(f"installing {', '.join(missing)} before the tests run", file=sys.stderr)
    # What fails here, the tests that need it report again: they fail (CI) or skip, saying why.
    try:
        install_packages(PACKAGES)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
    if (problem := install_chromium()) is not None:
        print(problem, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
