"""Compose forms in progress, server-side: what was typed, the files attached so far, and
what the form answers (a reply's original, the draft it resumes).

A browser cannot put a file back into a file input, so every file a form uploads is kept here
until the message is sent or the form is abandoned: when the form comes back (a bad address,
the server down), its attachments are still attached, listed with a box to remove each.
Everything typed is kept too, so a form can be shown again from here after a redirect.

One folder per form, ``<instance>/compose/<sha256(user)[:32]>/<form id>/`` (0700), holding
``state.json`` and one file per attachment (0600). A form id is random (``secrets``), and only
its own user's folder is ever looked in. Forms unused for :data:`IDLE_SECONDS` are deleted,
and at most :data:`MAX_FORMS_PER_USER` are kept per user (the oldest go first).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import IO, Any

from webmail.compose import Attachment, Fields, Prefill, Threading

__all__ = [
    "FORM_ID",
    "IDLE_SECONDS",
    "ComposeState",
    "ComposeStore",
    "MessageRef",
    "Origin",
    "StagedFile",
]

#: What a form id looks like (``secrets.token_urlsafe(24)`` makes 32 such characters).
FORM_ID = re.compile(r"[A-Za-z0-9_-]{20,64}")
IDLE_SECONDS = 2 * 86400.0
MAX_FORMS_PER_USER = 50
_CHUNK = 256 * 1024


@dataclass(frozen=True)
class StagedFile:
    """One kept attachment: ``id`` (its file in the form's folder), name, type, size."""

    id: str
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class MessageRef:
    """A message by folder and UID (the draft a form resumes)."""

    folder: str
    uid: int


@dataclass(frozen=True)
class Origin:
    """The message a form answers or forwards: ``flag`` is set on it once the form is sent
    (``\\Answered`` or ``$Forwarded``); ``kind`` is ``reply`` or ``forward``."""

    folder: str
    uid: int
    flag: str
    kind: str


@dataclass(frozen=True)
class ComposeState:
    """One form in progress (see the module docstring)."""

    form_id: str
    fields: Fields
    threading: Threading = Threading()
    origin: Origin | None = None
    draft: MessageRef | None = None
    files: tuple[StagedFile, ...] = ()
    created: float = 0.0

    @property
    def attached_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def to_json(self) -> str:
        data = asdict(self)
        data["threading"]["references"] = list(self.threading.references)
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> ComposeState | None:
        try:
            data: dict[str, Any] = json.loads(text)
            threading = data.get("threading") or {}
            return cls(
                form_id=str(data["form_id"]),
                fields=Fields(**{k: str(v) for k, v in data["fields"].items()}),
                threading=Threading(
                    threading.get("in_reply_to"), tuple(threading.get("references") or ())
                ),
                origin=Origin(**data["origin"]) if data.get("origin") else None,
                draft=MessageRef(**data["draft"]) if data.get("draft") else None,
                files=tuple(StagedFile(**f) for f in data.get("files") or ()),
                created=float(data.get("created") or 0.0),
            )
        except (ValueError, KeyError, TypeError):
            return None


class ComposeStore:
    """The forms in progress under ``root``; a form's attachments may hold ``max_bytes``."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def _user_dir(self, username: str) -> Path:
        return self.root / hashlib.sha256(username.encode("utf-8")).hexdigest()[:32]

    def _dir(self, username: str, form_id: str) -> Path:
        if not FORM_ID.fullmatch(form_id):
            raise ValueError("not a form id")
        return self._user_dir(username) / form_id

    def new(
        self,
        username: str,
        prefill: Prefill | None = None,
        *,
        origin: Origin | None = None,
        draft: MessageRef | None = None,
    ) -> ComposeState:
        """A new form with a fresh id, holding ``prefill`` (its attachments as kept files)."""
        self._prune(username)
        prefill = prefill or Prefill(Fields())
        form_id = secrets.token_urlsafe(24)
        folder = self._dir(username, form_id)
        folder.mkdir(mode=0o700, parents=True)
        state = ComposeState(
            form_id, prefill.fields, prefill.threading, origin, draft, created=time.time()
        )
        for attachment in prefill.attachments:  # a forwarded giant is refused when sent
            state = self._write(username, state, attachment.filename, attachment.content_type,
                                [attachment.data], capped=False)
        self.save(username, state)
        return state

    def load(self, username: str, form_id: str) -> ComposeState | None:
        """The user's form ``form_id``, or ``None`` (unknown, someone else's, abandoned)."""
        try:
            text = (self._dir(username, form_id) / "state.json").read_text("utf-8")
        except (OSError, ValueError):
            return None
        state = ComposeState.from_json(text)
        return state if state is not None and state.form_id == form_id else None

    def save(self, username: str, state: ComposeState) -> None:
        """Write the form's state (atomically: a reader sees the old or the new one)."""
        folder = self._dir(username, state.form_id)
        tmp = folder / f".state.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(state.to_json())
        os.replace(tmp, folder / "state.json")

    def _write(
        self, username: str, state: ComposeState, filename: str, content_type: str,
        chunks: Iterable[bytes], *, capped: bool = True,
    ) -> ComposeState:
        file_id = "f" + secrets.token_hex(8)
        path = self._dir(username, state.form_id) / file_id
        size = 0
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                size += len(chunk)
                if capped and state.attached_bytes + size > self.max_bytes:
                    handle.close()
                    path.unlink(missing_ok=True)
                    raise OverflowError(filename)
                handle.write(chunk)
        staged = StagedFile(file_id, filename, content_type, size)
        return replace(state, files=(*state.files, staged))

    def stage(
        self, username: str, state: ComposeState, filename: str, content_type: str,
        stream: IO[bytes],
    ) -> ComposeState:
        """Keep one uploaded file (read in chunks); raises OverflowError when the form's
        attachments would pass ``max_bytes`` (the file is not kept). Call :meth:`save`."""

        def chunks() -> Iterable[bytes]:
            while chunk := stream.read(_CHUNK):
                yield chunk

        return self._write(username, state, filename, content_type, chunks())

    def keep_only(self, username: str, state: ComposeState, ids: Iterable[str]) -> ComposeState:
        """Drop every kept file whose id is not in ``ids`` (the boxes left ticked)."""
        wanted = set(ids)
        folder = self._dir(username, state.form_id)
        for f in state.files:
            if f.id not in wanted:
                (folder / f.id).unlink(missing_ok=True)
        return replace(state, files=tuple(f for f in state.files if f.id in wanted))

    def attachments(self, username: str, state: ComposeState) -> list[Attachment]:
        """The kept files' contents, in order (a file gone from disk is left out)."""
        folder = self._dir(username, state.form_id)
        out = []
        for f in state.files:
            with contextlib.suppress(OSError):
                out.append(Attachment(f.filename, f.content_type, (folder / f.id).read_bytes()))
        return out

    def discard(self, username: str, form_id: str) -> None:
        """Forget a form and its files (it was sent, or replaced)."""
        with contextlib.suppress(ValueError):
            shutil.rmtree(self._dir(username, form_id), ignore_errors=True)

    def _prune(self, username: str) -> None:
        """Delete this user's forms idle for IDLE_SECONDS, and the oldest beyond
        MAX_FORMS_PER_USER - 1 (a new one is about to be made)."""
        folder = self._user_dir(username)
        try:
            forms = sorted(
                (p.stat().st_mtime, p) for p in folder.iterdir() if FORM_ID.fullmatch(p.name)
            )
        except OSError:
            return
        now = time.time()
        for index, (mtime, path) in enumerate(forms):
            if now - mtime > IDLE_SECONDS or index < len(forms) - (MAX_FORMS_PER_USER - 1):
                shutil.rmtree(path, ignore_errors=True)
