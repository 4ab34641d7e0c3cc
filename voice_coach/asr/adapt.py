"""Speaker adaptation of pocketsphinx's bundled en-us model with sphinxtrain (MLLR).

The pipeline is the classic one: `sphinx_fe` turns the WAVs into cepstra with the model's own
front-end settings (`feat.params`), `bw` collects Baum-Welch statistics of the recordings against
their transcripts, and `mllr_solve` turns them into one affine transform of the Gaussian means,
which pocketsphinx applies at start (`Config["mllr"]`).

`bw` needs the model in sphinxtrain's own formats: a text model definition and the mixture
weights. The wheel ships a binary `mdef` and the weights only as the decoder's quantised
`sendump`, so both are converted once into a cache folder (`prepared_model`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pocketsphinx

from voice_coach.errors import VoiceCoachError

TOOLS = ("bw", "mllr_solve")  # sphinxtrain's, in its library folder
TOOL_DIRS = ("/usr/lib/sphinxtrain", "/usr/local/lib/sphinxtrain", "/usr/libexec/sphinxtrain")
WPOS = "ibesu"  # word position codes of the model definition
# The model the coach decodes with: "bundled" (pocketsphinx's en-us) or "adapted" (`make
# model`), chosen on the numbers of the bench's "adapt" section.
DEFAULT_ACOUSTIC = "bundled"


class AdaptError(VoiceCoachError):
    """The adaptation could not be computed (missing tools, bad recordings, tool failure)."""


class MissingToolsError(AdaptError):
    """sphinxtrain / sphinxbase-utils are not installed."""


@dataclass(frozen=True)
class Tools:
    bw: Path
    mllr_solve: Path
    sphinx_fe: Path


def find_tools() -> Tools:
    """sphinxtrain's `bw` and `mllr_solve` plus `sphinx_fe`; raises MissingToolsError."""
    dirs = [os.environ["VOICE_COACH_SPHINXTRAIN"]] if os.environ.get("VOICE_COACH_SPHINXTRAIN") \
        else list(TOOL_DIRS)
    found: dict[str, Path] = {}
    for tool in TOOLS:
        for d in dirs:
            if os.access(Path(d) / tool, os.X_OK):
                found[tool] = Path(d) / tool
                break
    fe = shutil.which("sphinx_fe")
    if len(found) < len(TOOLS) or fe is None:
        raise MissingToolsError("enrolment needs sphinxtrain and sphinx_fe: "
                                "sudo apt install sphinxtrain sphinxbase-utils")
    return Tools(found["bw"], found["mllr_solve"], Path(fe))


def bundled_model() -> Path:
    return Path(pocketsphinx.get_model_path("en-us/en-us"))


def shipped_model() -> Path | None:
    """The means and variances adapted to noisy, distant speech (`make model`), if shipped."""
    from voice_coach.resources import _PACKAGE

    folder = _PACKAGE / "data" / "acoustic" / "en-us-adapted"
    return folder if (folder / "means").is_file() else None


def adapted_config(folder: Path) -> dict[str, str]:
    """pocketsphinx settings for an adapted model folder (the bundled model, other Gaussians)."""
    return {"mean": str(folder / "means"), "var": str(folder / "variances")}


def base_model(name: str | None = None) -> tuple[str, dict[str, str]]:
    """(name, pocketsphinx settings) of the acoustic model the coach starts from: `name`
    ("bundled" or "adapted"), else DEFAULT_ACOUSTIC; "bundled" when none was shipped."""
    name = name or DEFAULT_ACOUSTIC
    folder = shipped_model() if name == "adapted" else None
    return ("adapted", adapted_config(folder)) if folder else ("bundled", {})


def cache_root() -> Path:
    from platformdirs import user_cache_dir

    return Path(os.environ.get("VOICE_COACH_CACHE_DIR") or user_cache_dir("voice-coach"))


# ---- the model in sphinxtrain's formats


def text_mdef(binary: bytes) -> str:
    """pocketsphinx's binary model definition ("BMDF") as sphinxtrain's text format 0.3."""
    if binary[:4] != b"BMDF":
        raise AdaptError("the acoustic model's mdef is not a binary model definition")
    (skip,) = struct.unpack_from("<i", binary, 8)  # after magic and version: format description
    pos = 12 + skip
    (n_ci, n_phone, n_emit, n_ci_sen, n_sen, n_tmat, n_sseq, _n_ctx, n_tree,
     _sil) = struct.unpack_from("<10i", binary, pos)
    pos += 40
    start = pos
    names: list[str] = []
    for _ in range(n_ci):
        end = binary.index(b"\0", pos)
        names.append(binary[pos:end].decode("ascii"))
        pos = end + 1
    pos = start + ((pos - start + 3) & ~3) + 8 * n_tree  # padding, then the context tree
    phones = [struct.unpack_from("<ii4B", binary, pos + 12 * p) for p in range(n_phone)]
    sseq_at = len(binary) - 2 * n_sseq * n_emit  # the state sequences close the file
    sseq = np.frombuffer(binary, dtype="<u2", count=n_sseq * n_emit, offset=sseq_at)
    sseq = sseq.reshape(n_sseq, n_emit)
    lines = ["0.3", f"{n_ci} n_base", f"{n_phone - n_ci} n_tri",
             f"{n_phone * (n_emit + 1)} n_state_map", f"{n_sen} n_tied_state",
             f"{n_ci_sen} n_tied_ci_state", f"{n_tmat} n_tied_tmat", "#",
             "# Columns definitions", "#base lft  rt p attrib tmat      ... state id's ..."]
    for p, (ssid, tmat, b0, b1, b2, b3) in enumerate(phones):
        states = " ".join(str(s) for s in sseq[ssid])
        if p < n_ci:
            attrib = "filler" if b0 else "n/a"
            lines.append(f"{names[p]} - - - {attrib} {tmat} {states} N")
        else:
            lines.append(f"{names[b1]} {names[b2]} {names[b3]} {WPOS[b0]} n/a {tmat} "
                         f"{states} N")
    return "\n".join(lines) + "\n"


def mixture_weights(sendump: bytes) -> np.ndarray:
    """The decoder's quantised `sendump` as mixture weights [senone, feature, codeword].

    Each weight is stored as one byte b of -log base 1.0001, shifted right by `mixw_shift` bits
    (10 unless the header says otherwise), laid out per feature, per codeword, all senones.
    """
    pos, shift, n_feat, title = 0, 10, 1, True
    while True:
        (n,) = struct.unpack_from("<I", sendump, pos)
        pos += 4
        if n == 0:
            break
        text = sendump[pos:pos + n - 1].decode("ascii", "replace")
        pos += n
        if title:
            title = False
            continue
        key, _, value = text.partition(" ")
        if key == "mixw_shift":
            shift = int(value)
        elif key == "feature_count":
            n_feat = int(value)
        elif key == "cluster_count" and int(value) != 0:
            raise AdaptError("clustered sendump files are not supported")
    n_code, n_sen = struct.unpack_from("<II", sendump, pos)
    pos += 8
    raw = np.frombuffer(sendump, dtype=np.uint8, count=n_feat * n_code * n_sen, offset=pos)
    logs = raw.reshape(n_feat, n_code, n_sen).astype(np.float64) * (1 << shift)
    weights = np.power(1.0001, -logs).transpose(2, 0, 1)  # -> senone, feature, codeword
    return weights / weights.sum(axis=2, keepdims=True)


def write_s3_3d(path: Path, array: np.ndarray) -> None:
    """A sphinxtrain binary parameter file (header, byte-order mark, dims, float32 data)."""
    header = b"s3\nversion 1.0\n"
    pad = (-(len(header) + len(b"endhdr\n"))) % 4
    d1, d2, d3 = array.shape
    with open(path, "wb") as f:
        f.write(header + b" " * pad + b"endhdr\n")
        f.write(struct.pack("<i", 0x11223344))
        f.write(struct.pack("<IIII", d1, d2, d3, d1 * d2 * d3))
        f.write(np.ascontiguousarray(array, dtype="<f4").tobytes())


def prepared_model(model: Path | None = None) -> Path:
    """A folder with `mdef.txt` and `mixture_weights` for `model` (cached by its content)."""
    model = model or bundled_model()
    digest = hashlib.sha1()
    for name in ("mdef", "sendump"):
        digest.update((model / name).read_bytes())
    folder = cache_root() / "acoustic" / digest.hexdigest()[:16]
    if (folder / "mixture_weights").is_file():
        return folder
    tmp = Path(tempfile.mkdtemp(prefix="prep-", dir=folder.parent if folder.parent.exists()
                                else _mkdir(folder.parent)))
    (tmp / "mdef.txt").write_text(text_mdef((model / "mdef").read_bytes()), encoding="ascii")
    write_s3_3d(tmp / "mixture_weights", mixture_weights((model / "sendump").read_bytes()))
    try:
        tmp.replace(folder)
    except OSError:  # another process prepared it first
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---- training copies in noise

# Each recording also enters the statistics under fan-like noise at these (colour, SNR dB):
# adapting to the voice alone fitted it in a quiet room only (one espeak-ng voice, 60 other
# commands: clean 67 -> 92 %, 12 dB 17 -> 15 %); with these copies clean 85 %, 12 dB 27 %.
NOISY_COPIES = ((1.0, 18.0), (2.0, 12.0))
FRAME = 2048


def colored_noise(n: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Noise with power ~ 1/f**exponent (1: pink, 2: brown) above 20 Hz, unit peak."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / 16000)
    shape = np.where(freqs >= 20, np.maximum(freqs, 20.0) ** (-exponent / 2), 0.0)
    x = np.fft.irfft(spectrum * shape, n)
    return x / (np.abs(x).max() + 1e-12)


def _peak_frame_energy(x: np.ndarray) -> float:
    n = max(1, x.size // FRAME)
    frames = x[: n * FRAME].reshape(n, -1) if x.size >= FRAME else x.reshape(1, -1)
    return float((frames.astype(np.float64) ** 2).sum(axis=1).max()) + 1e-9


def with_noise(samples: np.ndarray, exponent: float, snr_db: float, seed: int) -> np.ndarray:
    """`samples` (int16) plus coloured noise at `snr_db` (loudest-frame energies), int16."""
    x = samples.astype(np.float64)
    noise = colored_noise(x.size, exponent, np.random.default_rng(seed))
    gain = np.sqrt(_peak_frame_energy(x) / (_peak_frame_energy(noise) * 10 ** (snr_db / 10)))
    y = x + gain * noise
    peak = np.abs(y).max()
    if peak > 32767:
        y *= 32767 / peak
    return np.round(y).astype(np.int16)


# ---- the adaptation itself


@dataclass(frozen=True)
class Utterance:
    wav: Path  # 16 kHz mono 16-bit
    text: str  # lower-case words, each in the dictionary


def _run(cmd: Sequence[str | Path], what: str, log: Path) -> None:
    with open(log, "ab") as out:
        out.write(("$ " + " ".join(str(c) for c in cmd) + "\n").encode())
        out.flush()
        done = subprocess.run([str(c) for c in cmd], stdout=out, stderr=subprocess.STDOUT,
                              check=False)
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
        raise AdaptError(f"{what} failed (exit {done.returncode}): {' '.join(tail)[:200]}")


def collect_stats(utterances: Sequence[Utterance], dictionary: Path, work: Path,
                  tools: Tools, means: Path | None = None, variances: Path | None = None,
                  ) -> Path:
    """Features and Baum-Welch statistics of `utterances` in `work`; returns the accumulator
    folder. `dictionary` must hold every word of the transcripts; `means` / `variances`
    replace the bundled model's Gaussians (an adapted model)."""
    model = bundled_model()
    prep = prepared_model(model)
    feats, acc = _mkdir(work / "feat"), _mkdir(work / "acc")
    log = work / "adapt.log"
    ids = [f"u{i:04d}" for i in range(len(utterances))]
    for uid, utt in zip(ids, utterances, strict=True):
        shutil.copyfile(utt.wav, feats / f"{uid}.wav")
    (work / "ids").write_text("".join(f"{u}\n" for u in ids), encoding="ascii")
    (work / "transcripts").write_text(
        "".join(f"<s> {u.text} </s> ({uid})\n" for uid, u in zip(ids, utterances, strict=True)),
        encoding="utf-8")
    _run([tools.sphinx_fe, "-argfile", model / "feat.params", "-samprate", "16000",
          "-dither", "yes", "-seed", "1", "-c", work / "ids", "-di", feats, "-do", feats,
          "-ei", "wav", "-eo", "mfc", "-mswav", "yes"], "feature extraction", log)
    _run([tools.bw, "-hmmdir", model, "-moddeffn", prep / "mdef.txt", "-ts2cbfn", ".ptm.",
          "-mixwfn", prep / "mixture_weights", "-feat", "1s_c_d_dd",
          "-svspec", "0-12/13-25/26-38", "-cmn", "current", "-agc", "none",
          "-dictfn", dictionary, "-fdictfn", model / "noisedict", "-ctlfn", work / "ids",
          "-lsnfn", work / "transcripts", "-cepdir", feats, "-accumdir", acc,
          "-meanfn", means or model / "means", "-varfn", variances or model / "variances"],
         "collecting statistics (bw)", log)
    if not any(acc.iterdir()):
        raise AdaptError("no statistics were collected: the recordings did not match their "
                         "transcripts")
    return acc


def solve_mllr(acc: Path, out: Path, tools: Tools, means: Path | None = None,
               variances: Path | None = None) -> Path:
    """One global MLLR mean transform from the statistics in `acc`, written to `out`."""
    model = bundled_model()
    _run([tools.mllr_solve, "-meanfn", means or model / "means",
          "-varfn", variances or model / "variances", "-outmllrfn", out, "-accumdir", acc],
         "solving the transform (mllr_solve)", acc.parent / "adapt.log")
    check_mllr(out)
    return out


def transform_means(mllr: Path, out: Path, tools: Tools) -> Path:
    """The bundled means with the MLLR transform applied (an adapted model's `means`)."""
    _run([tools.bw.parent / "mllr_transform", "-inmeanfn", bundled_model() / "means",
          "-outmeanfn", out, "-mllrmat", mllr], "applying the transform (mllr_transform)",
         mllr.parent / "adapt.log")
    return out


def map_means(acc: Path, means: Path, out: Path, tools: Tools) -> tuple[Path, Path]:
    """MAP re-estimates of the means and variances from the statistics in `acc`, starting from
    `means` (the bundled ones or MLLR-adapted ones); returns (means, variances) in `out`."""
    model = bundled_model()
    prep = prepared_model(model)
    _run([tools.bw.parent / "map_adapt", "-moddeffn", prep / "mdef.txt", "-ts2cbfn", ".ptm.",
          "-meanfn", means, "-varfn", model / "variances",
          "-mixwfn", prep / "mixture_weights", "-tmatfn", model / "transition_matrices",
          "-accumdir", acc, "-mapmeanfn", out / "means.map", "-mapvarfn", out / "variances.map",
          "-mapmixwfn", out / "mixw.map", "-maptmatfn", out / "tmat.map"],
         "MAP re-estimation (map_adapt)", acc.parent / "adapt.log")
    (out / "means.map").replace(out / "means")
    (out / "variances.map").replace(out / "variances")
    return out / "means", out / "variances"


def check_mllr(path: Path) -> None:
    """Raise AdaptError unless `path` is a well-formed one-class MLLR file for the model (3
    streams of 13: a 13x13 matrix, 13 offsets and 13 variance scales each, all finite)."""
    try:
        values = path.read_text(encoding="ascii").split()
        numbers = [float(v) for v in values]
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise AdaptError(f"{path}: not an MLLR transform ({exc})") from None
    if numbers[:2] != [1.0, 3.0]:
        raise AdaptError(f"{path}: not an MLLR transform for this acoustic model")
    pos = 2
    for _stream in range(3):  # each: its length, the matrix, the offsets, the variance scales
        if numbers[pos:pos + 1] != [13.0]:
            raise AdaptError(f"{path}: not an MLLR transform for this acoustic model")
        pos += 1 + 13 * 13 + 2 * 13
    if len(numbers) != pos:
        raise AdaptError(f"{path}: not an MLLR transform for this acoustic model")
    if not all(np.isfinite(numbers)):
        raise AdaptError(f"{path}: the MLLR transform holds invalid numbers")
