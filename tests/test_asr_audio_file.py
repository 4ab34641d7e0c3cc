"""load_wav: formats, rates, channels, and one-line errors for bad files."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from voice_coach.asr.audio_file import AudioFileError, load_wav
from voice_coach.pcm import resample


def _tone(rate: int, seconds: float = 0.5, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return 0.5 * np.sin(2 * np.pi * freq * t)


def _write_pcm(path: Path, frames: np.ndarray, rate: int, width: int) -> None:
    """frames: float (n, channels) in [-1, 1]."""
    if width == 1:
        data = np.clip(frames * 128 + 128, 0, 255).astype(np.uint8).tobytes()
    elif width == 2:
        data = (frames * 32767).astype("<i2").tobytes()
    elif width == 3:
        v = (frames * (2**23 - 1)).astype("<i4").reshape(-1)
        data = b"".join(int(s).to_bytes(3, "little", signed=True) for s in v)
    else:
        data = (frames * (2**31 - 1)).astype("<i4").tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(frames.shape[1])
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(data)


def _write_float(path: Path, frames: np.ndarray, rate: int, bits: int = 32) -> None:
    ch = frames.shape[1]
    data = frames.astype("<f4" if bits == 32 else "<f8").tobytes()
    fmt = struct.pack("<HHIIHH", 3, ch, rate, rate * ch * bits // 8, ch * bits // 8, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def _peak_freq(x: np.ndarray) -> float:
    spec = np.abs(np.fft.rfft(x.astype(np.float64)))
    return float(np.argmax(spec) * 16000 / len(x))


def test_8khz_stereo_16bit(tmp_path: Path) -> None:
    tone = _tone(8000)
    _write_pcm(tmp_path / "a.wav", np.stack([tone, tone], axis=1), 8000, 2)
    x = load_wav(tmp_path / "a.wav")
    assert x.dtype == np.int16 and x.ndim == 1
    assert len(x) == 8000  # 0.5 s at 16 kHz
    assert abs(_peak_freq(x) - 440) < 5
    assert 0.45 * 32768 < np.abs(x[1000:-1000]).max() < 0.55 * 32768


def test_44k_float_stereo(tmp_path: Path) -> None:
    tone = _tone(44100)
    _write_float(tmp_path / "f.wav", np.stack([tone, -0.0 * tone + tone], axis=1), 44100)
    x = load_wav(tmp_path / "f.wav")
    assert len(x) == 8000
    assert abs(_peak_freq(x) - 440) < 5


@pytest.mark.parametrize("width", [1, 3, 4])
def test_other_pcm_widths(tmp_path: Path, width: int) -> None:
    tone = _tone(22050)
    _write_pcm(tmp_path / "w.wav", tone[:, None], 22050, width)
    x = load_wav(tmp_path / "w.wav")
    assert abs(len(x) - 8000) <= 1
    assert abs(_peak_freq(x) - 440) < 5
    assert 0.4 * 32768 < np.abs(x[1000:-1000]).max() < 0.6 * 32768


def test_float64_and_48k(tmp_path: Path) -> None:
    _write_float(tmp_path / "d.wav", _tone(48000)[:, None], 48000, bits=64)
    assert len(load_wav(tmp_path / "d.wav")) == 8000


def test_resample_keeps_energy_below_nyquist() -> None:
    x = _tone(44100, 1.0, 1000.0) * 32767
    y = resample(x, 44100, 16000)
    assert len(y) == 16000
    assert abs(np.sqrt(np.mean(y[2000:-2000] ** 2)) - np.sqrt(np.mean(x**2))) < 0.01 * 32767


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt \x02\x00\x00\x00\x01\x00", "corrupt WAV file"),
        (b"ID3\x03\x00\x00\x00 this is an mp3 really" * 4, "not a WAV file"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + struct.pack(
            "<HHIIHH", 1, 1, 16000, 32000, 2, 16), "no audio data"),
    ],
    ids=["missing", "empty", "truncated", "not-wav", "no-data"],
)
def test_bad_files_raise_one_line(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "bad.wav"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AudioFileError) as info:
        load_wav(path)
    text = str(info.value)
    assert message in text and str(path) in text
    assert "\n" not in text


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(AudioFileError, match="folder"):
        load_wav(tmp_path)
