"""WAV files -> 16 kHz mono int16 samples, with the standard library and numpy only.

Reads PCM (8, 16, 24, 32-bit) and IEEE float (32, 64-bit) WAVs at any sample rate, mono or
multi-channel, and resamples with band-limited (FFT) interpolation.
"""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import numpy as np

from voice_coach.errors import VoiceCoachError
from voice_coach.pcm import SAMPLE_RATE, resample, to_int16

_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE


class AudioFileError(VoiceCoachError):
    """An audio file cannot be read; the message is one line for a human."""


def _chunks(data: bytes) -> dict[bytes, bytes]:
    """The RIFF chunks of a WAV file (first occurrence of each id)."""
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RIFX") or data[8:12] != b"WAVE":
        raise AudioFileError("not a WAV file (no RIFF/WAVE header)")
    if data[:4] == b"RIFX":
        raise AudioFileError("big-endian (RIFX) WAV files are not supported")
    chunks: dict[bytes, bytes] = {}
    pos = 12
    while pos + 8 <= len(data):
        cid = data[pos:pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4:pos + 8])
        body = data[pos + 8:pos + 8 + size]
        chunks.setdefault(cid, body)
        pos += 8 + size + (size & 1)
        if cid == b"data":
            break
    return chunks


def _decode(fmt: bytes, body: bytes) -> tuple[np.ndarray, int]:
    """Samples as float64 in [-1, 1], shape (frames, channels), and the sample rate."""
    if len(fmt) < 16:
        raise AudioFileError("corrupt WAV file (format chunk too short)")
    tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == _EXTENSIBLE and len(fmt) >= 26:
        (tag,) = struct.unpack("<H", fmt[24:26])
    if channels < 1 or rate < 1000 or bits not in (8, 16, 24, 32, 64):
        raise AudioFileError(f"unsupported WAV format ({channels} channels, {rate} Hz, "
                             f"{bits}-bit)")
    width = bits // 8
    usable = len(body) - len(body) % (width * channels)
    raw = body[:usable]
    if tag == _FLOAT and bits in (32, 64):
        x = np.frombuffer(raw, dtype="<f4" if bits == 32 else "<f8").astype(np.float64)
        x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
    elif tag == _PCM and bits == 8:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    elif tag == _PCM and bits == 16:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    elif tag == _PCM and bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v)).astype(np.float64) / float(1 << 23)
    elif tag == _PCM and bits == 32:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float64) / float(1 << 31)
    else:
        kind = {1: "PCM", 3: "float"}.get(tag, f"format tag {tag}")
        raise AudioFileError(f"unsupported WAV encoding ({kind}, {bits}-bit)")
    return x.reshape(-1, channels), rate


def load_wav(path: str | Path) -> np.ndarray:
    """The file's audio as 16 kHz mono int16; raises AudioFileError with a one-line reason."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AudioFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise AudioFileError(f"{path}: is a folder, not a WAV file") from None
    except OSError as exc:
        raise AudioFileError(f"{path}: cannot read ({exc.strerror})") from None
    if not data:
        raise AudioFileError(f"{path}: the file is empty")
    try:
        chunks = _chunks(data)
        if b"fmt " not in chunks:
            raise AudioFileError("corrupt WAV file (no format chunk)")
        if b"data" not in chunks:
            raise AudioFileError("corrupt WAV file (no audio data chunk)")
        frames, rate = _decode(chunks[b"fmt "], chunks[b"data"])
    except AudioFileError as exc:
        raise AudioFileError(f"{path}: {exc}") from None
    except (struct.error, ValueError, wave.Error) as exc:
        raise AudioFileError(f"{path}: corrupt WAV file ({exc})") from None
    if frames.shape[0] == 0:
        raise AudioFileError(f"{path}: the WAV file contains no audio")
    mono = frames.mean(axis=1)
    return to_int16(resample(mono, rate, SAMPLE_RATE))


def save_wav(path: str | Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    """Write mono int16 samples as a WAV file."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())
