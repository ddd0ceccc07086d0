"""`make test` installs the Debian packages the suite needs before the parallel run starts:
a package installed beside a running realnet test renamed /etc/passwd over the routers'
login binds (tests/utils/machine.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import conftest as browser
from tests.realnet.system import PACKAGES
from tests.utils import machine

REPO = Path(__file__).resolve().parents[2]


def _recipe(target: str) -> list[str]:
    lines = (REPO / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def test_make_test_installs_the_packages_before_pytest() -> None:
    recipe = _recipe("test")
    install = next(i for i, line in enumerate(recipe) if "-m tests.utils.machine" in line)
    pytest_run = next(i for i, line in enumerate(recipe) if "-m pytest" in line)
    assert install < pytest_run, recipe


def test_every_package_a_fixture_would_install_is_installed_up_front() -> None:
    wanted = {path for packages in machine.NEEDED.values() for path in packages.values()}
    assert set(PACKAGES.values()) <= wanted
    assert str(browser.CHROMIUM) in wanted


def test_nothing_is_installed_when_every_package_is_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(machine.os.path, "exists", lambda _path: True)
    monkeypatch.setattr(machine, "install_packages", _refuse)
    assert machine.main() == 0


def test_without_root_it_says_what_is_missing_and_goes_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(machine.os.path, "exists", lambda path: path != str(machine.CHROMIUM))
    monkeypatch.setattr(machine.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(machine, "install_packages", _refuse)
    assert machine.main() == 0
    assert capsys.readouterr().err == "not installed (needs root and apt-get): chromium\n"


def _refuse(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("nothing to install")
