"""Videos are published without their metadata: every accepted file is remuxed (stream copy — no
re-encode, so no quality is lost and it takes seconds, not minutes) into a fresh container that
carries only the picture and the sound, then re-opened and its first frame decoded before it is
published. A file that cannot be remuxed or decoded is refused.

Why: a phone's MP4/MOV carries ``moov/udta`` and ``meta`` atoms (GPS ``©xyz``, make and model,
title, creation time), handler names with device strings, chapters and extra tracks; a WebM/Ogg
file carries tags, attachments and comment headers. Served byte for byte they would tell anyone
where and with what an anonymous author filmed. What is kept: the first video stream and the first
audio stream, their codec parameters and timing, and the display rotation (so a portrait clip
plays upright, like the EXIF orientation we apply to photos). What is dropped: container and
stream tags, chapters, data/subtitle/attachment streams, cover pictures, and the SEI messages of
H.264/HEVC bitstreams (encoder strings, and some cameras' GPS, live there).

PyAV (FFmpeg in its wheels) does the work. The demuxer is chosen from the sniffed type (never
probed from the content, so a crafted file cannot reach FFmpeg's playlist or concat demuxers) and
packets are copied one at a time, so memory does not grow with the file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import av
from django.conf import settings
from django.utils.translation import gettext as _

# sniffed type -> (demuxer to open it with, muxer to write it with)
CONTAINERS = {
    "video/mp4": ("mov", "mp4"),
    "video/quicktime": ("mov", "mov"),
    "video/webm": ("matroska", "webm"),
    "video/ogg": ("ogg", "ogg"),
}
# Muxer options: no encoder version strings (bitexact); MP4/MOV with the index first, so a
# browser starts playing before the whole file has arrived.
MUXER_OPTIONS = {
    "mp4": {"fflags": "+bitexact", "movflags": "+faststart"},
    "mov": {"fflags": "+bitexact", "movflags": "+faststart"},
    "webm": {"fflags": "+bitexact"},
    "ogg": {"fflags": "+bitexact"},
}
DEMUXER_OPTIONS = {"mov": {"enable_drefs": "0"}}  # never follow a reference to another file
# Bitstream filters removing SEI NAL units (user data: encoder settings, some cameras' GPS).
SEI_FILTERS = {"h264": "filter_units=remove_types=6", "hevc": "filter_units=remove_types=39|40"}
HASH_BUFFER = 1024 * 1024


class NotRemuxable(Exception):
    """The file is not a video we can copy into a clean container: ``message`` says why."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class CleanVideo:
    path: Path
    size: int
    sha256: str
    width: int
    height: int


def supported(content_type: str) -> bool:
    return content_type in CONTAINERS


def clean(source: Path, target: Path, content_type: str) -> CleanVideo:
    """Write ``source`` (of sniffed ``content_type``) to ``target`` without its metadata, check
    that ``target`` plays, and describe it. Raises ``NotRemuxable``; ``target`` is then removed."""
    if content_type not in CONTAINERS:
        raise NotRemuxable(_("不支持这种视频格式。"))
    try:
        _remux(source, target, content_type)
        width, height = _first_frame(target, content_type)
        size, sha256 = _digest(target)
    except NotRemuxable:
        target.unlink(missing_ok=True)
        raise
    except (av.FFmpegError, ValueError, TypeError, OSError, EOFError, IndexError) as exc:
        target.unlink(missing_ok=True)
        raise NotRemuxable(_("视频文件已损坏或无法识别，无法处理。")) from exc
    return CleanVideo(path=target, size=size, sha256=sha256, width=width, height=height)


def _streams(container):
    """The first real video stream (a cover picture is no video) and the first audio stream."""
    video = [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
    if not video:
        raise NotRemuxable(_("文件里没有视频画面。"))
    stream = video[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if width <= 0 or height <= 0 or width * height > settings.TREEHOLE_LIMITS["video_pixels"]:
        raise NotRemuxable(_("视频画面尺寸不受支持。"))
    return [stream, *list(container.streams.audio)[:1]]


def _remux(source: Path, target: Path, content_type: str) -> None:
    demuxer, muxer = CONTAINERS[content_type]
    with av.open(str(source), "r", format=demuxer, options=DEMUXER_OPTIONS.get(demuxer, {})) as inp:
        streams = _streams(inp)
        with av.open(str(target), "w", format=muxer, options=MUXER_OPTIONS[muxer]) as out:
            outputs, filters = {}, {}
            for stream in streams:
                copy = out.add_stream_from_template(stream)
                copy.metadata.clear()  # no title, handler or language of the original
                outputs[stream.index] = copy
                sei = SEI_FILTERS.get(stream.codec_context.name)
                if sei:
                    filters[stream.index] = av.bitstream.BitStreamFilterContext(sei, stream, copy)
            out.metadata.clear()
            muxed = 0
            for packet in inp.demux(streams):
                if packet.dts is None:  # demuxer's end-of-stream marker (or an unusable packet)
                    continue
                index = packet.stream.index
                for clean_packet in filters[index].filter(packet) if index in filters else (packet,):
                    clean_packet.stream = outputs[index]
                    out.mux(clean_packet)
                    muxed += 1
            for index, bsf in filters.items():
                for clean_packet in bsf.filter(None):
                    clean_packet.stream = outputs[index]
                    out.mux(clean_packet)
            if not muxed:
                raise NotRemuxable(_("视频里没有可播放的内容。"))


def _first_frame(path: Path, content_type: str) -> tuple[int, int]:
    """Re-open the clean file as a player would, demux it and decode its first video frame."""
    demuxer, _muxer = CONTAINERS[content_type]
    with av.open(str(path), "r", format=demuxer) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            return frame.width, frame.height
    raise NotRemuxable(_("视频无法解码。"))


def _digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(HASH_BUFFER):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()
