"""Boot selection replayed after a cut session never pushes a `boot system` line twice."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from services.network.upgrade import boot_line_edits

LINES = st.lists(st.sampled_from([f"boot system flash:img{i}.bin" for i in range(5)]), unique=True)


def apply(config: list[str], edits: list[str], pushed: Counter[str]) -> list[str]:
    """IOS semantics: `no <line>` removes that line; a new line goes to the end."""
    config = list(config)
    for edit in edits:
        if edit.startswith("no "):
            config.remove(edit[3:])
        else:
            config.append(edit)
            pushed[edit] += 1
    return config


def test_the_usual_upgrade_keeps_the_old_image_as_fallback() -> None:
    old, new = "boot system flash:old.bin", "boot system flash:new.bin"
    assert boot_line_edits([old], [new, old]) == [f"no {old}", new, old]
    assert boot_line_edits([new], [new, old]) == [old]
    assert boot_line_edits([new, old], [new, old]) == []


@given(current=LINES, wanted=LINES.filter(bool), cuts=st.lists(st.integers(0, 10), max_size=4))
def test_any_sequence_of_cut_sessions_ends_on_wanted_with_each_line_pushed_once(
    current: list[str], wanted: list[str], cuts: list[int]
) -> None:
    pushed: Counter[str] = Counter()
    config = current
    for cut in cuts:  # each attempt applies only its first `cut` lines, then dies
        config = apply(config, boot_line_edits(config, wanted)[:cut], pushed)
    config = apply(config, boot_line_edits(config, wanted), pushed)  # the attempt that finishes
    assert config == wanted
    assert boot_line_edits(config, wanted) == []
    assert all(count <= 1 for count in pushed.values()), pushed
