"""`make mutation`'s report: the sample patterns, the score and the survivors list."""

from __future__ import annotations

import fnmatch

from tests.mutation.report import sample_patterns, score, survivors


def test_every_mutant_when_not_sampling() -> None:
    assert sample_patterns(1) == []


def test_a_sample_takes_every_tenth_mutant_of_each_function() -> None:
    patterns = sample_patterns(10)
    names = [f"services.changes.plan.x_same_config__mutmut_{n}" for n in range(1, 31)]
    taken = [n for n in names if any(fnmatch.fnmatch(n, p) for p in patterns)]
    assert [t.rsplit("_", 1)[1] for t in taken] == ["1", "11", "21"]


def test_timeouts_count_as_caught_and_untested_mutants_against() -> None:
    stats = {"killed": 6, "timeout": 2, "survived": 1, "suspicious": 0, "no_tests": 1}
    assert score(stats) == 80.0
    assert score({"killed": 0, "timeout": 0, "survived": 0, "suspicious": 0, "no_tests": 0}) == 0


def test_survivors_are_listed_by_module_without_killed_timed_out_or_unchecked() -> None:
    results = "\n".join(
        [
            "    services.network.push.x_connect__mutmut_1: survived",
            "    services.network.push.x_connect__mutmut_11: killed",
            "    workflows.changes.rules.x_check_stop__mutmut_1: timeout",
            "    workflows.changes.rules.x_check_stop__mutmut_11: not checked",
            "    workflows.changes.loading.x_fail__mutmut_1: no tests",
        ]
    )
    assert survivors(results) == {
        "services.network.push": ["services.network.push.x_connect__mutmut_1 (survived)"],
        "workflows.changes.loading": ["workflows.changes.loading.x_fail__mutmut_1 (no tests)"],
    }
