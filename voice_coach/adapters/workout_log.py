"""The workout log: SQLite (WAL), one transaction per event, plus the state needed to resume.

A log that cannot be written (read-only or full disk) never stops the coach: it warns once,
carries on without it, and picks up again (with the current resume state) once writes succeed.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from voice_coach.core.program import Program
from voice_coach.core.state import Past
from voice_coach.errors import VoiceCoachError

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    program TEXT NOT NULL,
    started REAL NOT NULL,
    ended REAL,
    resume_state TEXT
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    session INTEGER NOT NULL REFERENCES sessions(id),
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_session ON events(session, kind);
"""


@dataclass(frozen=True)
class SessionSummary:
    id: int
    program: str
    started: float
    ended: float | None
    drills: int
    sets: int
    cues: int
    pains: int
    rest_planned: float
    rest_actual: float


@dataclass(frozen=True)
class DrillSummary:
    """One drill's sets over every session: how many, in how many sessions, and when last."""

    program: str
    drill: str
    sets: int
    sessions: int
    last: float


class LogUnavailable(VoiceCoachError):
    """The workout log cannot be opened (for reading it: `voice-coach history`)."""


class WorkoutLog:
    def __init__(self, path: Path, quiet: bool = False) -> None:
        """`quiet`: no "carrying on without it" warning; `error` says what went wrong."""
        self.path = path
        self.session: int | None = None
        self.error = ""
        self._db: sqlite3.Connection | None = None
        self._warned = quiet
        self._failing = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=2.0, isolation_level=None,
                                 check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(SCHEMA)
            self._db = db
        except (OSError, sqlite3.Error) as exc:
            self.error = getattr(exc, "strerror", None) or str(exc)
            self._warn(exc)

    @property
    def available(self) -> bool:
        return self._db is not None

    def _warn(self, exc: Exception) -> None:
        self._failing = True
        if not self._warned:
            print(f"voice-coach: workout log unavailable ({self.path}: {exc}); "
                  "carrying on without it", file=sys.stderr, flush=True)
            self._warned = True

    def _write(self, sql: str, args: tuple) -> int | None:
        if self._db is None:
            return None
        try:
            with self._db:  # one transaction per event
                row = self._db.execute(sql, args).lastrowid
        except sqlite3.Error as exc:
            self._warn(exc)
            return None
        if self._failing:
            self._failing = False
            print("voice-coach: workout log is writable again", file=sys.stderr, flush=True)
        return row

    def start_session(self, program: str) -> None:
        self.session = self._write("INSERT INTO sessions(program, started) VALUES (?, ?)",
                                   (program, time.time()))

    def event(self, kind: str, data: dict, resume_state: dict | None = None) -> None:
        if self.session is None:
            return
        self._write("INSERT INTO events(session, at, kind, data) VALUES (?, ?, ?, ?)",
                    (self.session, time.time(), kind, json.dumps(data, default=str)))
        if resume_state is not None:
            self.save_state(resume_state)

    def save_state(self, state: dict) -> None:
        if self.session is not None:
            self._write("UPDATE sessions SET resume_state = ? WHERE id = ?",
                        (json.dumps(state), self.session))

    def end_session(self, finished: bool) -> None:
        """Close the session; a finished workout leaves nothing to resume."""
        if self.session is None:
            return
        if finished:
            self._write("UPDATE sessions SET ended = ?, resume_state = NULL WHERE id = ?",
                        (time.time(), self.session))
        else:
            self._write("UPDATE sessions SET ended = ? WHERE id = ?", (time.time(), self.session))

    def resumable(self, program: str) -> tuple[int, dict] | None:
        """The latest unfinished session's saved state for this program, if any.

        Starts that aborted before the coach spoke (no events, no state) are passed over, so a
        failed start (no microphone yet) does not hide the progress of the session before it.
        """
        if self._db is None:
            return None
        try:
            row = self._db.execute(
                "SELECT id, resume_state FROM sessions s WHERE program = ? AND (resume_state "
                "IS NOT NULL OR EXISTS (SELECT 1 FROM events e WHERE e.session = s.id)) "
                "ORDER BY id DESC LIMIT 1", (program,)).fetchone()
        except sqlite3.Error as exc:
            self._warn(exc)
            return None
        if not row or not row[1]:
            return None
        return row[0], json.loads(row[1])

    def discard_if_empty(self) -> None:
        """Drop this session if nothing was recorded in it (the coach never started)."""
        if self.session is None or self._db is None:
            return
        try:
            with self._db:
                gone = self._db.execute(
                    "DELETE FROM sessions WHERE id = ? AND resume_state IS NULL AND NOT EXISTS "
                    "(SELECT 1 FROM events WHERE session = ?)",
                    (self.session, self.session)).rowcount
        except sqlite3.Error as exc:
            self._warn(exc)
            return
        if gone:
            self.session = None

    def forget(self, session_id: int) -> None:
        self._write("UPDATE sessions SET resume_state = NULL WHERE id = ?", (session_id,))

    def history(self, limit: int = 10, everything: bool = False) -> list[SessionSummary]:
        """The latest sessions, newest first. Unless `everything`, only sessions in which
        something happened: a set, rest, cue or pain, or a drill beyond the first one opened
        (starts that failed or were quit at once leave a row of zeros otherwise)."""
        if self._db is None:
            return []
        happened = "" if everything else """
            WHERE EXISTS (SELECT 1 FROM events e WHERE e.session = s.id AND e.kind != 'drill')
               OR (SELECT COUNT(*) FROM events e WHERE e.session = s.id AND e.kind = 'drill') > 1"""
        rows = self._db.execute(f"""
            SELECT s.id, s.program, s.started, s.ended,
              (SELECT COUNT(DISTINCT json_extract(data, '$.drill')) FROM events e
                 WHERE e.session = s.id AND e.kind = 'set'),
              (SELECT COUNT(*) FROM events e WHERE e.session = s.id AND e.kind = 'set'),
              (SELECT COUNT(*) FROM events e WHERE e.session = s.id AND e.kind = 'cue'),
              (SELECT COUNT(*) FROM events e WHERE e.session = s.id AND e.kind = 'pain'),
              (SELECT COALESCE(SUM(json_extract(data, '$.planned')), 0) FROM events e
                 WHERE e.session = s.id AND e.kind = 'rest'),
              (SELECT COALESCE(SUM(json_extract(data, '$.actual')), 0) FROM events e
                 WHERE e.session = s.id AND e.kind = 'rest')
            FROM sessions s {happened} ORDER BY s.id DESC LIMIT ?""", (limit,)).fetchall()
        return [SessionSummary(*row) for row in rows]

    def past(self, program: Program) -> Past:
        """What earlier sessions of this program did (read before this session starts): how
        many had a set, which drills were trained, and the drill most recently finished."""
        if self._db is None:
            return Past()
        try:
            rows = self._db.execute(
                "SELECT e.session, json_extract(e.data, '$.drill'), json_extract(e.data, '$.set'),"
                " json_extract(e.data, '$.of') FROM events e JOIN sessions s ON s.id = e.session"
                " WHERE s.program = ? AND e.kind = 'set' AND e.session IS NOT ? ORDER BY e.id",
                (program.id, self.session)).fetchall()
        except sqlite3.Error as exc:
            self._warn(exc)
            return Past()
        known = {d.id: d.prescription.sets for d in program.drills}
        finished = [drill for _, drill, n, of in rows
                    if drill in known and int(n or 0) >= int(of or known[drill])]
        return Past(sessions=len({row[0] for row in rows}),
                    drills_done=frozenset(row[1] for row in rows if row[1] in known),
                    last_finished=finished[-1] if finished else "")

    def drill_history(self, limit: int = 20) -> list[DrillSummary]:
        """Per program and drill, the sets done, in how many sessions, and when last; the
        most recently trained first."""
        if self._db is None:
            return []
        rows = self._db.execute("""
            SELECT s.program, json_extract(e.data, '$.drill') AS drill, COUNT(*),
                   COUNT(DISTINCT e.session), MAX(e.at)
            FROM events e JOIN sessions s ON s.id = e.session
            WHERE e.kind = 'set' GROUP BY s.program, drill ORDER BY MAX(e.at) DESC LIMIT ?""",
            (limit,)).fetchall()
        return [DrillSummary(*row) for row in rows]

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None
