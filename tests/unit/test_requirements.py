"""tests/utils/requirements.py: a missing requirement skips on a developer's machine and fails
in CI. Passes whatever CI says in the environment of the run (each case sets its own)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.utils.postgres import require_postgres
from tests.utils.requirements import in_ci, require, require_module

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", ["true", "1", "yes", "TRUE", "github-actions"])
def test_ci_is_any_value_but_a_false_word(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    assert in_ci()


@pytest.mark.parametrize("value", [None, "", "0", "false", "False", "no", "off", " "])
def test_no_ci_or_a_false_word_is_a_developer(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert not in_ci()


def test_outside_ci_a_missing_requirement_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"needs PostgreSQL: nothing listens"):
        require("PostgreSQL", "nothing listens on 127.0.0.1:5432")


def test_in_ci_a_missing_requirement_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"needs Chromium: not installed \(CI is set"):
        require("Chromium", "not installed")


def test_require_module_returns_the_module_when_it_imports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CI", "true")
    assert require_module("json", "stdlib") is sys.modules["json"]


@pytest.mark.parametrize(
    ("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_require_module_of_a_missing_module(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match=r"the Python module netwave_no_such_module: a test extra"):
        require_module("netwave_no_such_module", "a test extra")


@pytest.mark.parametrize(
    ("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_an_unreachable_postgres(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match=r"needs PostgreSQL: nothing listens on 127.0.0.1:1\b"):
        require_postgres("postgresql+psycopg://postgres@127.0.0.1:1/test")


MODULE = """\
from tests.utils.requirements import require_module

require_module("netwave_no_such_module", "a test extra")


def test_never_run() -> None:
    pass
"""
IN_A_TEST = """\
from tests.utils.requirements import require


def test_in_a_test() -> None:
    require("Chromium", "missing")
"""


def run_pytest(folder: Path, ci: str) -> tuple[int, str]:
    """pytest on `folder` alone (none of the repo's conftests), with CI=`ci`."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "CI": ci}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:randomly", "-p", "no:cacheprovider",
         "-c", "/dev/null", "--rootdir", str(folder), str(folder)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


# Exit codes: 5 is pytest's "no tests collected" (the only module was skipped), 2 a collection
# error; neither passes `make test`.
@pytest.mark.parametrize(("ci", "code", "summary"), [("", 5, "1 skipped"), ("true", 2, "1 error")])
def test_at_a_module_top_level(tmp_path: Path, ci: str, code: int, summary: str) -> None:
    """Like pytest.importorskip: the module is skipped, or in CI the run fails collecting it."""
    (tmp_path / "test_needs_a_module.py").write_text(MODULE)
    returncode, output = run_pytest(tmp_path, ci)
    assert returncode == code, output
    assert summary in output and "passed" not in output, output
    assert "needs the Python module netwave_no_such_module: a test extra" in output, output


@pytest.mark.parametrize(
    ("ci", "code", "summary"), [("0", 0, "1 skipped"), ("true", 1, "1 failed")]
)
def test_in_a_test(tmp_path: Path, ci: str, code: int, summary: str) -> None:
    """Inside a test: skipped outside CI (shown with the reason by -rs), failed in CI."""
    (tmp_path / "test_inside.py").write_text(IN_A_TEST)
    returncode, output = run_pytest(tmp_path, ci)
    assert returncode == code, output
    assert summary in output and "needs Chromium: missing" in output, output
