"""Intended config: render a device's Jinja2 templates (templates/<platform>/) from inventory.

Templates see the device's merged inventory data (host over groups over defaults) plus `name`,
`tenant`, `platform`, `site` and `role`. Undefined variables, template bugs and unsafe values
raise TemplateError naming the device, template file, line and variable.
"""

from __future__ import annotations

import contextlib
import posixpath
import traceback
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta

from services.core.errors import TemplateError
from services.network.inventory import Device
from services.network.platforms import get_platform
from services.network.template_filters import FILTERS, single_line, unsafe_character

ENTRY = "base.j2"
# Inventory data that never reaches a config: lab-only settings and the credential reference.
NOT_RENDERED = frozenset({"lab", "credential"})


class _Environment(jinja2.Environment):
    """Includes resolve beside the including template, so base.j2 says `include "ntp.j2"`."""

    def join_path(self, template: str, parent: str) -> str:
        if "/" in template:
            return template
        return posixpath.join(posixpath.dirname(parent), template)


def device_variables(device: Device) -> dict[str, Any]:
    """What a template may use: inventory data plus the device's identity."""
    variables = {k: v for k, v in device.data.items() if k not in NOT_RENDERED}
    variables.update(name=device.name, tenant=device.tenant, platform=device.platform)
    for key in ("site", "role"):
        value = getattr(device, key)
        if value is not None:
            variables[key] = value
    return variables


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def check_variables(device: Device, variables: dict[str, Any]) -> None:
    """Refuse values with newlines or control characters: they could inject config lines."""
    for path, text in _walk(variables, ""):
        char = unsafe_character(text)
        if char is not None:
            raise TemplateError(
                f"{device.name}: variable {path!r} contains control character {char!r}; "
                "config values must be single-line text"
            )


class Renderer:
    """One Jinja2 environment per templates root; each template is compiled once and reused."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = _Environment(
            loader=jinja2.FileSystemLoader(str(root)),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
            finalize=single_line,
        )
        self.env.filters.update(FILTERS)
        self._templates: dict[str, jinja2.Template] = {}
        self._features: dict[str, tuple[str, ...]] = {}

    def features(self, platform: str) -> tuple[str, ...]:
        """Feature names of a platform: the templates its base.j2 includes, in order."""
        if platform not in self._features:
            name = f"{get_platform(platform).name}/{ENTRY}"
            try:
                source, _, _ = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
                ast = self.env.parse(source, name, name)
            except jinja2.TemplateError as exc:
                raise self._error(platform, exc) from None
            included = meta.find_referenced_templates(ast)
            self._features[platform] = tuple(
                posixpath.basename(t).removesuffix(".j2") for t in included if t is not None
            )
        return self._features[platform]

    def render_device(self, device: Device) -> str:
        """The device's full intended config."""
        return self._render(device, ENTRY)

    def render_feature(self, device: Device, feature: str) -> str:
        """The intended config of one feature (e.g. `ntp`) of the device."""
        features = self.features(device.platform)
        if feature not in features:
            raise TemplateError(
                f"{device.name}: no feature {feature!r} for platform {device.platform} "
                f"(features: {', '.join(features)})"
            )
        return self._render(device, f"{feature}.j2")

    def _template(self, platform: str, name: str) -> jinja2.Template:
        key = f"{get_platform(platform).name}/{name}"
        if key not in self._templates:
            self._templates[key] = self.env.get_template(key)
        return self._templates[key]

    def _render(self, device: Device, name: str) -> str:
        variables = device_variables(device)
        check_variables(device, variables)
        try:
            return self._template(device.platform, name).render(variables)
        except TemplateError:
            raise
        except Exception as exc:  # a template bug of any kind must name device, file and line
            raise self._error(device.name, exc) from None

    def _error(self, who: str, exc: BaseException) -> TemplateError:
        where = self._location(exc)
        if isinstance(exc, jinja2.TemplateNotFound):
            message = f"template {exc.name!r} not found"
        elif isinstance(exc, jinja2.UndefinedError | jinja2.TemplateSyntaxError):
            message = exc.message or str(exc)
        elif isinstance(exc, ValueError):
            message = str(exc)
        else:
            message = f"{type(exc).__name__}: {exc}"
        return TemplateError(f"{who}: {where}: {message}" if where else f"{who}: {message}")

    def _location(self, exc: BaseException) -> str:
        """`templates/<platform>/<file>.j2:<line>` of the innermost template frame."""
        filename, line = None, None
        if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
            filename, line = exc.filename, exc.lineno
        else:
            for frame in traceback.extract_tb(exc.__traceback__):
                if frame.filename.endswith(".j2"):
                    filename, line = frame.filename, frame.lineno
        if filename is None:
            return ""
        return f"{self._display(filename)}:{line}"

    def _display(self, filename: str) -> str:
        root = self.root
        if root.is_absolute():
            with contextlib.suppress(ValueError):
                root = root.relative_to(Path.cwd())
        try:
            relative = Path(filename).resolve().relative_to(self.root.resolve())
        except ValueError:
            return filename
        return (root / relative).as_posix()


@lru_cache(maxsize=16)
def renderer_for(root: Path) -> Renderer:
    """The shared Renderer of a templates root (so templates compile once per process)."""
    return Renderer(root)
