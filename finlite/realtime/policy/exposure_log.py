"""The exposure log: an append-only, mergeable record of what was offered to whom, where and when.

Entries are ``exposure`` (an offer delivered, or would-be delivered in a holdout) and ``reset`` ("reset my
profile": the user's earlier exposures stop counting and are dropped, also when they arrive later in a merge).
Merging is the union by entry id, so merging a second device's log, the bank server's, or the same log twice,
changes nothing more (docs/policy.md, "The exposure log").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from ...data.timestamps import parse_iso_ms
from ...errors import FinliteError
from ..triggers.primitives import iso

__all__ = ["Entry", "ExposureLog", "LogError"]

KINDS = ("exposure", "reset")
_EXPOSURE_KEYS = ("id", "kind", "user", "offer", "category", "channel", "at", "arm", "shown")
_RESET_KEYS = ("id", "kind", "user", "at")


class LogError(FinliteError, ValueError):
    """A log line that is not an entry, or two logs that disagree on one entry ([conflict])."""


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    user: str
    at: int  # epoch ms
    offer: str = ""
    category: str = ""
    channel: str = ""
    arm: str = ""
    shown: bool = True

    def to_json(self) -> dict[str, Any]:
        if self.kind == "reset":
            return {"id": self.id, "kind": "reset", "user": self.user, "at": iso(self.at)}
        return {"id": self.id, "kind": "exposure", "user": self.user, "offer": self.offer, "category": self.category,
                "channel": self.channel, "at": iso(self.at), "arm": self.arm, "shown": self.shown}

    @classmethod
    def from_json(cls, data: Any, where: str) -> "Entry":
        if not isinstance(data, dict) or data.get("kind") not in KINDS:
            raise LogError(f"{where}: an entry is a JSON object with kind {' or '.join(KINDS)}")
        keys = _RESET_KEYS if data["kind"] == "reset" else _EXPOSURE_KEYS
        if set(data) != set(keys):
            raise LogError(f"{where}: a {data['kind']} entry has exactly the keys {list(keys)}, got {sorted(data)}")
        for k in keys:
            if k != "shown" and (not isinstance(data[k], str) or not data[k]):
                raise LogError(f"{where}, field {k!r}: a non-empty string is needed")
        if data["kind"] == "exposure" and not isinstance(data["shown"], bool):
            raise LogError(f"{where}, field 'shown': true or false")
        device, _, seq = data["id"].rpartition(":")
        if not device or not (seq.isascii() and seq.isdigit()) or seq.startswith("0") or len(seq) > 18:
            raise LogError(f"{where}, field 'id': {data['id']!r} is not DEVICE:SEQUENCE (a number from 1)")
        try:
            at = parse_iso_ms(data["at"])
        except ValueError:
            raise LogError(f"{where}, field 'at': {data['at']!r} is not an ISO 8601 time") from None
        rest = {k: data[k] for k in keys if k not in ("id", "kind", "user", "at")}
        return cls(data["id"], data["kind"], data["user"], at, **rest)


class ExposureLog:
    """The entries in (at, id) order; ``device`` numbers the entries this log appends."""

    def __init__(self, device: str, entries: Iterable[Entry] = ()) -> None:
        if not device or ":" in device:
            raise LogError(f"device {device!r}: a non-empty id without ':' is needed")
        self.device = device
        self._by_id: dict[str, Entry] = {}
        self._resets: dict[str, int] = {}  # user -> latest reset time
        self._entries: list[Entry] = []
        self._by_user: dict[str, list[Entry]] = {}
        self._high = 0  # the highest sequence of this device's entries seen
        self.merge(entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def for_user(self, user: str, until_ms: int) -> list[Entry]:
        """The user's exposures at or before ``until_ms`` (after the user's latest reset), oldest first."""
        return [e for e in self._by_user.get(user, ()) if e.kind == "exposure" and e.at <= until_ms]

    def next_id(self) -> str:
        return f"{self.device}:{self._high + 1}"

    def append_exposure(self, user: str, offer: str, category: str, channel: str, at: int, arm: str, shown: bool) -> Entry:
        entry = Entry(self.next_id(), "exposure", user, at, offer, category, channel, arm, shown)
        self.merge([entry])
        return entry

    def reset(self, user: str, at: int) -> Entry:
        """"Reset my profile": the user's exposures at or before ``at`` are dropped and stop counting."""
        entry = Entry(self.next_id(), "reset", user, at)
        self.merge([entry])
        return entry

    def merge(self, entries: Iterable[Entry]) -> None:
        """Union by id; the same id with other content is a [conflict]."""
        rebuild = False
        for e in entries:
            if e.kind == "exposure" and e.at <= self._resets.get(e.user, e.at - 1):
                continue  # erased by a reset this log has seen
            known = self._by_id.get(e.id)
            if known is not None:
                if known != e:
                    raise LogError(f"log entry {e.id!r} differs between the two logs [conflict]")
                continue
            self._by_id[e.id] = e
            device, _, seq = e.id.rpartition(":")
            if device == self.device:  # 'phone:srv:7' is device 'phone:srv''s, not 'phone''s
                self._high = max(self._high, int(seq))
            if e.kind == "reset":
                self._resets[e.user] = max(e.at, self._resets.get(e.user, e.at))
                rebuild = True
            elif not rebuild and (not self._entries or (self._entries[-1].at, self._entries[-1].id) < (e.at, e.id)):
                self._entries.append(e)  # the common case: a new latest entry
                self._by_user.setdefault(e.user, []).append(e)
            else:
                rebuild = True
        if rebuild:
            self._rebuild()

    def _rebuild(self) -> None:
        def kept(e: Entry) -> bool:
            return e.kind == "reset" or e.at > self._resets.get(e.user, e.at - 1)

        self._by_id = {i: e for i, e in self._by_id.items() if kept(e)}
        self._entries = sorted(self._by_id.values(), key=lambda e: (e.at, e.id))
        self._by_user = {}
        for e in self._entries:
            self._by_user.setdefault(e.user, []).append(e)

    # --- JSON lines -------------------------------------------------------------------------------------
    def to_lines(self) -> str:
        return "".join(json.dumps(e.to_json(), separators=(",", ":"), ensure_ascii=False) + "\n" for e in self._entries)

    @staticmethod
    def read_entries(text: str, where: str = "log") -> list[Entry]:
        out = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as err:
                raise LogError(f"{where} line {n}: not JSON ({err.msg})") from None
            out.append(Entry.from_json(data, f"{where} line {n}"))
        return out

    @classmethod
    def load(cls, path: Path, device: str) -> "ExposureLog":
        return cls(device, cls.read_entries(Path(path).read_text(encoding="utf-8"), str(path)))
