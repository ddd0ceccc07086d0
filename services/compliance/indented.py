"""Feature comparison of indented configs with hier_config."""

from __future__ import annotations

from difflib import SequenceMatcher

from hier_config import HConfig, HConfigChild, WorkflowRemediation

from services.compliance.checks import forbidden_pattern, forbidden_violations, required_violations
from services.compliance.hier import driver_for, lines_of, parse
from services.compliance.report import FeatureResult
from services.compliance.rules import FeatureCheck, Forbidden

Node = HConfig | HConfigChild


def select(config: HConfig, check: FeatureCheck) -> HConfig:
    """The feature's top-level sections (with everything under them)."""
    found = HConfig(config.driver)
    for child in config.children:
        if check.owns(child.text):
            found.add_deep_copy_of(child)
    return found


def difference(config: HConfig, other: HConfig) -> HConfig:
    """Lines of config not in other, with their parent lines for context (negations too)."""
    delta = HConfig(config.driver)
    _difference(config, other, delta)
    return delta


def _difference(node: Node, other: Node | None, delta: Node) -> None:
    for child in node.children:
        match = other.get_child(equals=child.text) if other is not None else None
        if match is None:
            delta.add_deep_copy_of(child)
            continue
        sub = delta.add_shallow_copy_of(child)
        _difference(child, match, sub)
        if not sub.children:
            sub.delete()


def _prune(config: HConfig, rules: tuple[Forbidden, ...]) -> None:
    for child in tuple(config.all_children()):
        if forbidden_pattern(child.text, rules) is not None:
            child.delete()


def out_of_order(current: HConfigChild, target: HConfigChild) -> bool:
    """Whether the lines directly under a section end up out of target order after remediation.

    Devices replace a changed value in place (idempotent commands) and append new lines.
    """
    wanted = [c.text for c in target.children]
    predicted: list[str] = []
    for child in current.children:
        if target.get_child(equals=child.text) is not None:
            predicted.append(child.text)
            continue
        replacement = next(
            (t for t in target.children if current.driver.idempotent_for(t, (child,))), None
        )
        if replacement is not None:
            predicted.append(replacement.text)
    predicted += [text for text in wanted if text not in predicted]
    return predicted != wanted


def _owned(config: HConfig, check: FeatureCheck) -> list[tuple[int, str]]:
    """The outline of the feature's sections, read in place: `_outline(select(config, check))`
    without the copies."""
    return [
        (node.depth(), node.text)
        for child in config.children
        if check.owns(child.text)
        for node in (child, *child.all_children())
    ]


def _outline(config: HConfig) -> list[tuple[int, str]]:
    """Every line with its depth, in order: two configs with one outline are the same config."""
    return [(child.depth(), child.text) for child in config.all_children()]


def _subtree_lines(child: HConfigChild) -> list[str]:
    lines = child.cisco_style_text().split("\n")
    return lines + [line for c in child.all_children() for line in c.cisco_style_text().split("\n")]


class HierComparison:
    """Running vs intended config of one indented-config device, compared feature by feature."""

    def __init__(self, platform: str, running: str, intended: str) -> None:
        self.driver = driver_for(platform)
        self.running = parse(self.driver, running)
        self.intended = parse(self.driver, intended)

    def feature(self, check: FeatureCheck) -> FeatureResult:
        """The feature's result; without copying a section when there is nothing to tell apart.

        When the feature's sections are the same on both sides (or it has no intended lines to
        match) and none of its lines is forbidden, the full comparison (`compared`) would find
        both sides equal and report only the required-line checks: so does this, from the
        sections as they are. A compliant device is most devices of most audits.
        """
        running = _owned(self.running, check)
        texts = [text for _, text in running]
        if forbidden_violations(texts, check.forbidden) or (
            check.match_intended is not None and running != _owned(self.intended, check)
        ):
            return self.compared(check)
        violations = required_violations(texts, check.required)
        return FeatureResult(
            feature=check.feature,
            status="drift" if violations else "compliant",
            violations=violations,
        )

    def compared(self, check: FeatureCheck) -> FeatureResult:
        """The feature's sections of both configs compared: missing, extra, remediation."""
        running = select(self.running, check)
        # select() copies, so only the running side needs a copy before pruning
        target = select(self.intended, check) if check.match_intended else running.deep_copy()
        _prune(target, check.forbidden)
        texts = [c.text for c in running.all_children()]
        violations = forbidden_violations(texts, check.forbidden)
        violations += required_violations(texts, check.required)
        if _outline(running) == _outline(target):  # the usual case: nothing to tell apart
            return FeatureResult(
                feature=check.feature,
                status="drift" if violations else "compliant",
                violations=violations,
            )
        missing, extra = difference(target, running), difference(running, target)
        remediation = WorkflowRemediation(running, target).remediation_config
        moved_missing: list[str] = []
        moved_extra: list[str] = []
        if check.match_intended is not None and check.match_intended.ordered:
            for section in target.children:
                current = running.get_child(equals=section.text)
                if current is not None and out_of_order(current, section):
                    section_missing, section_extra = _rewrite(section, current, remediation)
                    for delta in (missing, extra):
                        if (stale := delta.get_child(equals=section.text)) is not None:
                            stale.delete()
                    moved_missing += section_missing
                    moved_extra += section_extra
        result = FeatureResult(
            feature=check.feature,
            status="compliant",
            missing=lines_of(missing) + moved_missing,
            extra=lines_of(extra) + moved_extra,
            violations=violations,
            remediation=lines_of(remediation),
        )
        if result.missing or result.extra or result.violations:
            result.status = "drift"
        return result


def _rewrite(
    section: HConfigChild, current: HConfigChild, remediation: HConfig
) -> tuple[list[str], list[str]]:
    """Remediate an out-of-order section by removing and pushing it again; moved lines."""
    if (stale := remediation.get_child(equals=section.text)) is not None:
        stale.delete()
    remediation.add_child(section.text).negate()
    remediation.add_deep_copy_of(section)
    before, after = list(current.children), list(section.children)
    matcher = SequenceMatcher(a=[c.text for c in before], b=[c.text for c in after])
    missing: list[str] = []
    extra: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            extra += [line for c in before[i1:i2] for line in _subtree_lines(c)]
            missing += [line for c in after[j1:j2] for line in _subtree_lines(c)]
    header = section.cisco_style_text().split("\n")
    return (header + missing if missing else []), (header + extra if extra else [])
