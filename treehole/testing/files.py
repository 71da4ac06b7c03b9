"""Real files for tests, made on the fly: Pillow for images, PyAV for real videos (with the
metadata a phone leaves in them), and random bytes behind a real container header for tests of
the chunk mechanics that never publish."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from PIL import Image

MIB = 1024 * 1024
MP4_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"


def jpeg_with_gps(size=(640, 480)) -> bytes:
    image = Image.new("RGB", size, (120, 160, 130))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"shot at home")
    return buffer.getvalue()


def png_bytes(size=(64, 48), mode="RGBA") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (10, 20, 30, 128) if mode == "RGBA" else 0).save(buffer, "PNG")
    return buffer.getvalue()


def gif_animated() -> bytes:
    frames = [Image.new("P", (32, 32), color) for color in (1, 2, 3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def png_bomb(side: int) -> bytes:
    """A tiny PNG (1 bit per pixel, all zeros, compressed by deflate) that decodes to side² pixels."""
    buffer = io.BytesIO()
    Image.new("1", (side, side), 0).save(buffer, "PNG")
    return buffer.getvalue()


def noisy_jpeg(size=(2400, 1800), quality=95) -> bytes:
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def video_bytes(size: int) -> bytes:
    """``size`` bytes that start like an MP4 file."""
    return MP4_HEAD + os.urandom(size - len(MP4_HEAD))


def write_video(path: Path, size: int) -> str:
    """Write a ``size``-byte MP4-looking file to ``path`` in pieces; returns its SHA-256."""
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        out.write(MP4_HEAD)
        digest.update(MP4_HEAD)
        left = size - len(MP4_HEAD)
        while left:
            block = os.urandom(min(left, 4 * MIB))
            out.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- real videos (PyAV), with the metadata a phone would leave in them ---------------------------

# Strings a test expects never to find in a published file: each is written into the source.
VIDEO_SECRETS = {
    "title": "SECRET-TITLE-Shanghai-dorm",
    "comment": "SECRET-COMMENT-filmed-by-Zhang-San",
    "artist": "SECRET-ARTIST-zhangsan",
    "location": "+31.2304+121.4737/",  # GPS: written as ©xyz (MOV) or a location key (MP4, WebM)
    "com.apple.quicktime.make": "SECRET-MAKE-Apple",
    "com.apple.quicktime.model": "SECRET-MODEL-iPhone-15-Pro",
    "com.apple.quicktime.location.ISO6709": "+31.2304+121.4737+004.000/",
    "encoder": "SECRET-ENCODER-iOS-17.4",
}
STREAM_SECRETS = {"handler_name": "SECRET-HANDLER-Core-Media-Video", "title": "SECRET-TRACK-TITLE"}
VIDEO_CONTAINERS = {  # content type -> (muxer, video codec, audio codec, muxer options)
    "video/mp4": ("mp4", "h264", "aac", {"movflags": "use_metadata_tags"}),
    "video/quicktime": ("mov", "h264", "aac", {}),
    "video/webm": ("webm", "libvpx-vp9", "libopus", {}),
    "video/ogg": ("ogg", "libvpx", "libopus", {}),
}


def _frame(width: int, height: int, shade: int, *, noise: bool = False):
    import av

    frame = av.VideoFrame(width, height, "yuv420p")
    for n, plane in enumerate(frame.planes):
        plane.update(os.urandom(plane.buffer_size) if noise else bytes([(shade + n * 60) % 256]) * plane.buffer_size)
    return frame


def video_with_metadata(content_type: str = "video/mp4", *, frames: int = 10, size=(64, 48)) -> bytes:
    """A short real video (picture and sound) of ``content_type`` carrying VIDEO_SECRETS in its
    container tags and STREAM_SECRETS in its tracks; an H.264 stream also carries x264's SEI."""
    import av

    muxer, video_codec, audio_codec, options = VIDEO_CONTAINERS[content_type]
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=muxer, options=options) as out:
        out.metadata.update(VIDEO_SECRETS)
        video = out.add_stream(video_codec, rate=10)
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        video.metadata.update(STREAM_SECRETS)
        audio = out.add_stream(audio_codec, rate=48000, layout="mono")
        audio.metadata.update({**STREAM_SECRETS, "handler_name": "SECRET-HANDLER-Core-Media-Audio"})
        for index in range(frames):
            frame = _frame(*size, index * 20)
            frame.pts = index
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        samples = audio.codec_context.frame_size or 960
        mux_silence(out, audio, 48000 * frames // 10 // samples, samples)
    return buffer.getvalue()


def mux_silence(out, audio, count: int, samples: int) -> None:
    """Encode ``count`` silent mono 48 kHz frames of ``samples`` each into ``audio`` of ``out``."""
    import av

    for index in range(count):
        sound = av.AudioFrame(format=audio.codec_context.format.name, layout="mono", samples=samples)
        for plane in sound.planes:
            plane.update(bytes(plane.buffer_size))
        sound.sample_rate, sound.pts = 48000, index * samples
        for packet in audio.encode(sound):
            out.mux(packet)
    for packet in audio.encode():
        out.mux(packet)


def write_big_video(path: Path, min_bytes: int) -> tuple[int, str]:
    """A real MP4 of at least ``min_bytes`` (1280×720 intra-coded noise: a few distinct frames
    encoded once, their packets muxed again and again), with VIDEO_SECRETS in its tags. Fast: the
    encoder runs for 8 frames, the rest is copying. Returns (size, SHA-256)."""
    import fractions

    import av

    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height, encoder.pix_fmt = 1280, 720, "yuvj420p"
    encoder.time_base = fractions.Fraction(1, 25)
    encoder.options = {"q:v": "2"}
    encoder.open()
    packets = []
    for index in range(8):
        frame = _frame(1280, 720, 0, noise=True)
        frame.pts = index
        packets += [bytes(packet) for packet in encoder.encode(frame)]
    packets += [bytes(packet) for packet in encoder.encode(None)]
    with av.open(str(path), "w", format="mp4", options={"movflags": "use_metadata_tags"}) as out:
        out.metadata.update(VIDEO_SECRETS)
        stream = out.add_stream("mjpeg", rate=25)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuvj420p"
        stream.metadata.update(STREAM_SECRETS)
        written = index = 0
        while written < min_bytes:
            packet = av.Packet(packets[index % len(packets)])
            packet.stream, packet.pts, packet.dts = stream, index, index
            packet.time_base, packet.is_keyframe = fractions.Fraction(1, 25), True
            out.mux(packet)
            written += packet.size
            index += 1
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(4 * MIB):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def big_video_bytes(min_bytes: int) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.mp4"
        write_big_video(path, min_bytes)
        return path.read_bytes()


def video_leaks(data: bytes) -> list[str]:
    """The secrets of VIDEO_SECRETS/STREAM_SECRETS (and x264's encoder string) found in ``data``."""
    needles = [*VIDEO_SECRETS.values(), *STREAM_SECRETS.values(), "SECRET-HANDLER-Core-Media-Audio", "x264 - core"]
    return [needle for needle in needles if needle.encode() in data]
