"""The type of a large uploaded file, read from its first bytes (never from its name or from the
type the client declared), and the extension it is stored under.

A file is served from our own origin (or our bucket), so a type we did not check could be HTML
or SVG with script in it: only the container formats below are accepted, and the stored name's
extension (which decides the ``Content-Type`` it is served with) comes from the bytes."""

from __future__ import annotations

EXTENSIONS = {
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
    "video/ogg": "ogv",
}

# Brands of the ISO base media file format that are QuickTime rather than MP4.
_QUICKTIME_BRANDS = (b"qt  ",)
# Atoms an old QuickTime file may start with instead of `ftyp`.
_QUICKTIME_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")


def sniff(head: bytes) -> str | None:
    """The media type of a file starting with ``head`` (at least 12 bytes), or None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:12] in _QUICKTIME_BRANDS else "video/mp4"
    if len(head) >= 8 and head[4:8] in _QUICKTIME_ATOMS:
        return "video/quicktime"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: WebM (and Matroska, served as WebM)
        return "video/webm"
    if head.startswith(b"OggS"):
        return "video/ogg"
    return None


def extension_for(content_type: str) -> str:
    return EXTENSIONS.get(content_type, "bin")
