"""`python -m tests.realnet [test|up|clean]`: the realnet from a shell (as root).

- `test` (default): run tests/integration/realnet (its fixture brings the routers up and down),
  then check that nothing is left behind;
- `up`: bring the routers up, print how to reach them, keep them until Ctrl-C;
- `clean`: remove whatever a crashed run left (namespaces, processes, veths, files).
"""

from __future__ import annotations

import sys
import time

import pytest

from tests.realnet.net import new_realnet
from tests.realnet.system import (
    RealnetUnavailable,
    check_possible,
    clean_stale,
    install_packages,
    leftovers,
)
from tests.realnet.topology import ROUTERS, USERNAME


def _test() -> int:
    code = int(pytest.main(["-q", "-rs", "tests/integration/realnet"]))
    left = leftovers()
    if left:
        print("realnet left behind:\n  " + "\n  ".join(left), file=sys.stderr)
        return code or 1
    return code


def _up() -> int:
    check_possible()
    install_packages()
    clean_stale()
    net = new_realnet()
    try:
        net.start()
        print(f"inventories: {net.inventories_path}\nsecrets:     {net.secrets_file}")
        for r in ROUTERS:
            print(f"  {r.name}: ssh {USERNAME}@{r.mgmt_address} (AS {r.asn})")
        print("Ctrl-C tears it down")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        net.stop()


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "test"
    try:
        if command == "test":
            return _test()
        if command == "up":
            return _up()
        if command == "clean":
            check_possible()
            clean_stale()
            return 0
    except RealnetUnavailable as exc:
        print(f"realnet: {exc}", file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
