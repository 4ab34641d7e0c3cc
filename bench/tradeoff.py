"""The confidence trade-off: what the coach would act on at other accepting thresholds.

Every decoded utterance keeps its *candidate* — the parse of the heard text, whether or not it was
accepted — and its calibrated confidence. At threshold t the coach acts on the candidate when
its confidence is at least t, or at least its own lower bar (`confidence.BAR`: "stop") when that
is lower, and the engine did not reject it by itself; at the project's `ACCEPT` that is exactly
what `recognize_samples` returned, which `check` verifies.
"""

from __future__ import annotations

from typing import Any

from voice_coach.asr.confidence import ACCEPT, BAR

THRESHOLDS = tuple(sorted({0.0, 0.3, 0.5, 0.7, 0.8, ACCEPT, 0.9, 0.95}))

# reasons recognize.interpret gives itself; anything else is the engine's own rejection (vosk)
OWN_REASONS = frozenset({"", "unsure", "does not sound like a command", "not a command",
                         "nothing heard"})


def candidate_fields(rec: Any, parser: Any) -> dict:
    """The candidate intent/slots of a Recognition (its intent, or the parse of what was heard)."""
    cand = rec.intent if rec.intent is not None else (parser.parse(rec.text) if rec.text else None)
    reason = getattr(rec, "reason", "") or ""
    return {
        "cand_intent": cand.name if cand else None,
        "cand_slots": jsonable(cand.slots) if cand else None,
        "engine_reject": reason not in OWN_REASONS,
    }


def jsonable(slots: dict) -> dict:
    return {k: v if isinstance(v, (int, float, str, bool)) or v is None else str(v)
            for k, v in slots.items()}


def acts(row: dict, threshold: float) -> str | None:
    """The intent acted on at `threshold` (None: nothing done)."""
    if row.get("cand_intent") is None or row.get("engine_reject"):
        return None
    intent = row["cand_intent"]
    return intent if float(row["confidence"]) >= min(threshold, BAR.get(intent, threshold)) \
        else None


def same_slots(a: dict | None, b: dict | None) -> bool:
    def norm(d: dict | None) -> dict:
        return {k: str(v) for k, v in (d or {}).items()}

    return norm(a) == norm(b)


def right(row: dict, threshold: float) -> bool:
    """A command acted on with the expected intent and slots at `threshold`."""
    exp = row["expected"]
    return (acts(row, threshold) == exp["intent"]
            and same_slots(row.get("cand_slots"), exp.get("slots")))


def wrong(row: dict, threshold: float) -> bool:
    """A command acted on, but not as meant (wrong intent or wrong slots)."""
    return acts(row, threshold) is not None and not right(row, threshold)


def check(rows: list[dict]) -> int:
    """How many rows disagree with recognize_samples at ACCEPT (should be 0)."""
    return sum(1 for r in rows if acts(r, ACCEPT) != r["intent"])


def label(t: float) -> str:
    return f"{t:g} ← ACCEPT" if t == ACCEPT else f"{t:g}"


def pct(n: int, d: int) -> float | None:
    return round(100 * n / d, 1) if d else None
