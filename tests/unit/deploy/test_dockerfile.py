"""deploy/Dockerfile: multi-stage, installs from pyproject, non-root, the console script."""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from dataclasses import dataclass, field

from tests.conftest import REPO
from tests.unit.deploy.contract import DEPLOY, console_script, netwave_command_error


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [arg for kw, arg in self.instructions if kw == keyword]


def parse_dockerfile(text: str) -> list[Stage]:
    """Stages with their (INSTRUCTION, arguments); continuations joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            match = re.match(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", rest, re.I)
            assert match, line
            stages.append(Stage(base=match.group(1), name=match.group(2)))
        elif stages:
            stages[-1].instructions.append((keyword, rest.strip()))
    return stages


def exec_form(argument: str) -> list[str]:
    parsed = json.loads(argument)
    assert isinstance(parsed, list) and all(isinstance(p, str) for p in parsed), argument
    return [str(p) for p in parsed]


STAGES = parse_dockerfile((DEPLOY / "Dockerfile").read_text())
FINAL = STAGES[-1]


def test_multi_stage_build_installs_from_pyproject() -> None:
    assert len(STAGES) >= 2
    build = STAGES[0]
    copied = " ".join(build.all("COPY"))
    assert "pyproject.toml" in copied
    assert any(re.search(r"pip install \.(\s|$)", run) for run in build.all("RUN"))
    # The runtime stage takes the built virtualenv and installs nothing itself.
    assert any(c.startswith(f"--from={build.name}") for c in FINAL.all("COPY"))
    assert not any("pip install" in run for run in FINAL.all("RUN"))


def test_runs_as_a_numeric_non_root_user() -> None:
    users = FINAL.all("USER")
    assert users, "the runtime stage sets no USER"
    user = users[-1].split(":")[0]
    assert user.isdigit() and int(user) != 0, users


def test_entrypoint_is_the_console_script_and_cmd_a_subcommand() -> None:
    name, _ = console_script()
    assert exec_form(FINAL.all("ENTRYPOINT")[-1]) == [name]
    cmd = exec_form(FINAL.all("CMD")[-1])
    assert netwave_command_error(cmd) is None, cmd


def test_healthcheck_runs_a_netwave_health_command() -> None:
    checks = FINAL.all("HEALTHCHECK")
    assert checks, "no HEALTHCHECK"
    argv = exec_form(checks[-1].split("CMD", 1)[1].strip())
    name, _ = console_script()
    assert argv[0] == name and netwave_command_error(argv[1:]) is None, argv


def test_api_port_is_exposed_and_paths_are_absolute() -> None:
    env = " ".join(FINAL.all("ENV"))
    pairs = dict(re.findall(r"(NETWAVE_[A-Z_]+)=(\S+)", env))
    assert pairs["NETWAVE_API_PORT"] in FINAL.all("EXPOSE")
    for key in ("NETWAVE_VAR_DIR", "NETWAVE_INVENTORIES_PATH", "NETWAVE_TEMPLATES_PATH"):
        assert pairs[key].startswith("/"), key


def test_dockerignore_keeps_what_the_build_copies() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    for stage in STAGES:
        for copy in stage.all("COPY"):
            if copy.startswith("--from"):
                continue
            for source in copy.split()[:-1]:
                assert f"!{source.rstrip('/')}" in [i.rstrip("/") for i in ignore], source


def test_pip_install_ships_every_runtime_file() -> None:
    # The image runs a regular (not editable) install: a data file that pyproject's
    # package-data does not match is missing in the container.
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns: list[str] = config["package-data"]["*"]
    missing = [
        str(path.relative_to(REPO))
        for top in ("services", "workflows")
        for path in (REPO / top).rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix not in (".py", ".pyc", ".md")
        and not any(fnmatch.fnmatch(path.name, p) for p in patterns)
    ]
    assert not missing, f"add their patterns to [tool.setuptools.package-data]: {missing}"
