"""A device's flash file system: files with sizes and checksums, and free space."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from services.lab.images import MB, Image
from services.lab.records import now


@dataclass
class FlashFile:
    name: str
    size: int
    md5: str
    version: str | None = None
    corrupt: bool = False
    mtime: datetime = field(default_factory=now)
    content: str | None = None  # text files (config checkpoints); None for images and blobs


@dataclass
class Flash:
    total: int
    files: dict[str, FlashFile] = field(default_factory=dict)

    @property
    def used(self) -> int:
        return sum(f.size for f in self.files.values())

    @property
    def free(self) -> int:
        return self.total - self.used

    def add_image(self, image: Image, *, corrupt: bool = False) -> FlashFile:
        md5 = image.md5 if not corrupt else hashlib.md5(image.md5.encode()).hexdigest()
        entry = FlashFile(image.filename, image.size, md5, image.version, corrupt)
        self.files[image.filename] = entry
        return entry

    def add_file(self, name: str, size: int) -> FlashFile:
        entry = FlashFile(name, size, hashlib.md5(name.encode()).hexdigest())
        self.files[name] = entry
        return entry

    def add_text(self, name: str, text: str) -> FlashFile:
        """Write a text file (a config checkpoint), replacing one of the same name."""
        data = text.encode()
        entry = FlashFile(name, len(data), hashlib.md5(data).hexdigest(), content=text)
        self.files[name] = entry
        return entry

    def bootable(self, name: str) -> FlashFile | None:
        """The file if it exists, is an OS image and is not corrupt."""
        entry = self.files.get(name)
        if entry is None or entry.version is None or entry.corrupt:
            return None
        return entry


def default_flash(image: Image, total_mb: int, extra: dict[str, int]) -> Flash:
    flash = Flash(total=total_mb * MB)
    flash.add_image(image)
    for name, size in extra.items():
        flash.add_file(name, size)
    return flash
