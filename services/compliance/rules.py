"""Compliance rules of a tenant (inventories/<tenant>/compliance.yaml), validated with pydantic.

A rule file maps each feature to the config sections that make it up on each platform (regexes
on top-level lines; on set-line platforms, on `set` lines) and lists the checks for it:

- `match_intended`: the device's section must equal the rendered intended section;
- `required`: regexes that must match a line of the section;
- `forbidden`: regexes that must match no line of the section.

`ordered: true` also checks line order (match_intended: lines inside each section; required:
the order of the regexes). A rule applies to every platform of the feature unless it names
`platforms`. Errors name the file, line and field.

A section written `@intended <regex>` owns exactly the top-level lines of the device's intended
config that match the regex: `@intended ^interface ` audits the interfaces the inventory names,
whatever they are called, and leaves the others (management, loopbacks) alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from services.compliance.yaml_lines import Loc, locate
from services.core.errors import RuleError
from services.network.inventory import YAML_LOADER
from services.network.platforms import PLATFORMS

RULE_FILE = "compliance.yaml"
INTENDED = "@intended "


def _regex(value: str) -> str:
    try:
        re.compile(value.removeprefix(INTENDED))
    except re.error as exc:
        raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
    return value


def _platform(value: str) -> str:
    if value not in PLATFORMS:
        raise ValueError(f"unknown platform {value!r} (known: {', '.join(sorted(PLATFORMS))})")
    return value


Regex = Annotated[str, AfterValidator(_regex)]
PlatformName = Annotated[str, AfterValidator(_platform)]
FeatureName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    platforms: list[PlatformName] | None = None

    def applies_to(self, platform: str) -> bool:
        return self.platforms is None or platform in self.platforms


class MatchIntended(_Rule):
    """The running section must equal the intended section."""

    kind: Literal["match_intended"]
    ordered: bool = False


class Required(_Rule):
    """Each regex must match some line of the running section."""

    kind: Literal["required"]
    lines: list[Regex] = Field(min_length=1)
    ordered: bool = False


class Forbidden(_Rule):
    """No line of the running section may match any of these regexes."""

    kind: Literal["forbidden"]
    lines: list[Regex] = Field(min_length=1)


Rule = Annotated[MatchIntended | Required | Forbidden, Field(discriminator="kind")]


class Feature(BaseModel):
    """One feature: its sections per platform and the rules checked on them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    sections: dict[PlatformName, list[Regex]] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)


class RuleSet(BaseModel):
    """A tenant's rule file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    features: dict[FeatureName, Feature] = Field(min_length=1)

    def _uses_intent(self, platform: str) -> bool:
        return any(
            _by_intent(p) for f in self.features.values() for p in f.sections.get(platform, ())
        )

    def checks(self, platform: str, intended: str | None = None) -> list[FeatureCheck]:
        """The features checked on a platform, in file order; `@intended` sections owning the
        top-level lines of `intended` (without it: the lines their regex matches)."""
        top = None if intended is None or not self._uses_intent(platform) else _top_lines(intended)
        found = []
        for name, feature in self.features.items():
            if platform in feature.sections:
                found.append(FeatureCheck.of(name, feature, platform, top))
        return found


@dataclass(frozen=True)
class FeatureCheck:
    """One feature's rules as they apply to one platform."""

    feature: str
    platform: str
    sections: tuple[re.Pattern[str], ...]
    match_intended: MatchIntended | None
    required: tuple[Required, ...]
    forbidden: tuple[Forbidden, ...]

    @classmethod
    def of(
        cls, name: str, feature: Feature, platform: str, top: tuple[str, ...] | None = None
    ) -> FeatureCheck:
        rules = [r for r in feature.rules if r.applies_to(platform)]
        patterns = tuple(feature.sections[platform])
        return cls(
            feature=name,
            platform=platform,
            sections=_sections(patterns, top if any(_by_intent(p) for p in patterns) else None),
            match_intended=next((r for r in rules if isinstance(r, MatchIntended)), None),
            required=tuple(r for r in rules if isinstance(r, Required)),
            forbidden=tuple(r for r in rules if isinstance(r, Forbidden)),
        )

    def owns(self, line: str) -> bool:
        """Whether a top-level (or `set`) line belongs to this feature."""
        return _owned(self.sections, line)


def _by_intent(pattern: str) -> bool:
    return pattern.startswith(INTENDED)


def _top_lines(config: str) -> tuple[str, ...]:
    """Top-level lines of a config (set-line configs: every line)."""
    return tuple(
        line.rstrip() for line in config.splitlines() if line.strip() and line[0] not in " !#"
    )


@lru_cache(maxsize=4096)
def _sections(
    patterns: tuple[str, ...], top: tuple[str, ...] | None
) -> tuple[re.Pattern[str], ...]:
    compiled: list[re.Pattern[str]] = []
    for pattern in patterns:
        if not pattern.startswith(INTENDED):
            compiled.append(re.compile(pattern))
            continue
        regex = re.compile(pattern.removeprefix(INTENDED))
        if top is None:
            compiled.append(regex)
        else:
            compiled += [re.compile(f"^{re.escape(line)}$") for line in top if regex.search(line)]
    return tuple(compiled)


@lru_cache(maxsize=1 << 16)
def _owned(sections: tuple[re.Pattern[str], ...], line: str) -> bool:
    """Most lines repeat across a fleet's configs (same templates): matched once per process."""
    return any(p.search(line) for p in sections)


def _cross_checks(rules: RuleSet) -> list[tuple[Loc, str]]:
    """Checks across fields: rule platforms need sections; one match_intended per platform."""
    problems: list[tuple[Loc, str]] = []
    for name, feature in rules.features.items():
        for index, rule in enumerate(feature.rules):
            for platform in rule.platforms or ():
                if platform not in feature.sections:
                    problems.append(
                        (
                            ("features", name, "rules", index, "platforms"),
                            f"platform {platform!r} has no sections in this feature",
                        )
                    )
        for platform in feature.sections:
            matches = [
                i
                for i, r in enumerate(feature.rules)
                if isinstance(r, MatchIntended) and r.applies_to(platform)
            ]
            if len(matches) > 1:
                problems.append(
                    (
                        ("features", name, "rules", matches[1]),
                        f"second match_intended rule for platform {platform!r}",
                    )
                )
    return problems


def parse_rules(text: str, path: Path) -> RuleSet:
    """Validate rule-file text; errors name `path:line: field: problem`."""
    try:
        # The libyaml loader bounds nesting depth: a deeply nested file is a YAMLError, not a
        # RecursionError of the pure-Python composer.
        root = yaml.compose(text, Loader=YAML_LOADER)
        data: Any = yaml.load(text, Loader=YAML_LOADER)  # a safe loader (C or Python)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise RuleError(f"{where}: YAML syntax error: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise RuleError(f"{path}:1: expected a mapping with a 'features' key")
    try:
        rules = RuleSet.model_validate(data)
    except ValidationError as exc:
        problems: list[tuple[Loc, str]] = [
            (err["loc"], _message(err["type"], err["msg"])) for err in exc.errors()
        ]
        raise _rule_error(path, root, problems) from None
    problems = _cross_checks(rules)
    if problems:
        raise _rule_error(path, root, problems)
    return rules


def _message(kind: str, message: str) -> str:
    if kind == "extra_forbidden":
        return "unknown field"
    return message.removeprefix("Value error, ")


def _rule_error(path: Path, root: yaml.Node | None, problems: list[tuple[Loc, str]]) -> RuleError:
    lines = []
    for loc, message in problems:
        line, field = locate(root, loc)
        lines.append(f"{path}:{line}: {field}: {message}")
    return RuleError("; ".join(lines))


def load_rules(path: Path) -> RuleSet:
    """Read and validate one rule file (parsed once per version of the file)."""
    try:
        st = path.stat()
    except OSError as exc:
        raise RuleError(f"{path}: cannot read ({exc.strerror})") from None
    return _load_rules(path, st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=128)
def _load_rules(path: Path, _size: int, _mtime_ns: int) -> RuleSet:
    try:
        text = path.read_text()
    except OSError as exc:
        raise RuleError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_rules(text, path)


def tenant_rules(inventories: Path, tenant: str) -> RuleSet:
    """inventories/<tenant>/compliance.yaml, or the fleet's default rules beside the tenants'
    folders (inventories/compliance.yaml) when the tenant has none."""
    own = inventories / tenant / RULE_FILE
    default = inventories / RULE_FILE
    if own.exists():
        return load_rules(own)
    if default.exists():
        return load_rules(default)
    raise RuleError(
        f"no compliance rules for tenant {tenant!r}: cannot read {own} nor the fleet's default "
        f"{default} (netwave ships one in its inventories/compliance.yaml)"
    )
