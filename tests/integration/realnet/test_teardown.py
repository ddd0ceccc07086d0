"""Last of the realnet tests (files run in name order, this one sorts last): the realnet comes
down without leaving a namespace, process, link or path behind."""

from __future__ import annotations

from tests.realnet.net import RealNet


def test_teardown_leaves_nothing_behind(realnet: RealNet) -> None:
    realnet.stop()
    assert realnet.leftovers() == []
    realnet.stop()  # idempotent: the fixture's own teardown runs it again
