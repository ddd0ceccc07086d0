"""Compare a device's running config with its intended config under the tenant's rules.

The comparison follows the platform's config syntax (COMPARISONS): hier_config for indented
configs, set-line comparison for `set` configs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from services.compliance.indented import HierComparison
from services.compliance.report import DeviceCompliance, FeatureResult
from services.compliance.rules import FeatureCheck, RuleSet
from services.compliance.set_lines import SetLineComparison
from services.core.errors import DeviceError, NetwaveError
from services.network.inventory import Device
from services.network.platforms import ConfigSyntax, get_platform


class Comparison(Protocol):
    """Running vs intended config of one device, parsed once, compared per feature."""

    def feature(self, check: FeatureCheck) -> FeatureResult: ...


ComparisonFactory = Callable[[str, str, str], Comparison]  # (platform, running, intended)

COMPARISONS: dict[ConfigSyntax, ComparisonFactory] = {
    "indented": HierComparison,
    "set": SetLineComparison,
}


def comparison_for(platform: str, running: str, intended: str) -> Comparison:
    """The comparison of a platform, with both configs parsed."""
    try:
        factory = COMPARISONS[get_platform(platform).syntax]
    except KeyError:
        raise DeviceError(f"no config comparison for platform {platform!r}") from None
    return factory(platform, running, intended)


def compare_features(checks: list[FeatureCheck], comparison: Comparison) -> list[FeatureResult]:
    """Every feature; a feature whose comparison fails is reported as an error, not raised."""
    results = []
    for check in checks:
        try:
            results.append(comparison.feature(check))
        except Exception as exc:  # one broken feature must not hide the others
            results.append(FeatureResult.error(check.feature, f"{type(exc).__name__}: {exc}"))
    return results


def compare_device(device: Device, running: str, intended: str, rules: RuleSet) -> DeviceCompliance:
    """The device's compliance: status, missing/extra lines and remediation per feature."""
    try:
        comparison = comparison_for(device.platform, running, intended)
    except NetwaveError as exc:
        return failed(device, exc.message)
    features = compare_features(rules.checks(device.platform, intended), comparison)
    return DeviceCompliance.from_features(device.tenant, device.name, device.platform, features)


def unreachable(device: Device, reason: str) -> DeviceCompliance:
    """The report of a device that could not be reached: never compliant."""
    return DeviceCompliance.unreachable(device.tenant, device.name, device.platform, reason)


def failed(device: Device, reason: str) -> DeviceCompliance:
    """The report of a device whose intended or running config is unusable."""
    return DeviceCompliance.failed(device.tenant, device.name, device.platform, reason)
