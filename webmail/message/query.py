"""Search queries: what a reader types in the search field, read into terms, and the rule
that says whether a list row matches them. Pure: no Flask, no IMAP, no database, no I/O.

The language (the README's "Search" section lists it for readers):

- Free words match the Subject, From, To and Cc of a message; ``"double quotes"`` keep
  words together as one phrase. Matching is by substring, case-insensitively (Unicode case
  folding, NFKC, runs of white space read as one space: :func:`fold`).
- ``from:``, ``to:`` (To and Cc), ``subject:`` limit a word or a quoted phrase to one field;
  ``text:`` searches the whole message, by the mail server (IMAP ``SEARCH TEXT``), never here.
- ``has:attachment``; ``is:unread``, ``is:read``, ``is:flagged``, ``is:late``.
- ``held:HOST``: mail held longest at that host (``Analysis.held_at``; host names compare
  ASCII case-insensitively, as DNS does).
- ``after:YYYY-MM-DD`` (inclusive) and ``before:YYYY-MM-DD`` (exclusive) compare the **true
  sent time** with the start of that day in the reader's zone.
- ``in:all`` searches every folder instead of the current one.
- A leading ``-`` negates a term (``-is:read``, ``-from:boss``); every term must hold.

:func:`parse_query` never raises. What it cannot read (an unknown operator, a bad date, a
value missing, a query too long) becomes a :attr:`Query.problems` line a person can act on,
and a query with problems is not run. Parsing is one left-to-right scan, linear in the text.

:meth:`Query.matches` decides on a row's folded fields (:func:`searchable`, the same the index
stores: :func:`search_columns`), so the SQLite index's SQL, the Redis index and the list
without an index all decide on the same strings with the same rule; the folding and those
fields are :mod:`webmail.message.searchfields` (their names are importable from here too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Literal

from webmail.message.searchfields import (
    Fields,
    Searchable,
    blank_controls,
    fold,
    fold_host,
    search_columns,
    searchable,
)

__all__ = [
    "IS_VALUES",
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "OPERATORS",
    "Fields",
    "Query",
    "Searchable",
    "Term",
    "fold",
    "fold_host",
    "parse_query",
    "search_columns",
    "searchable",
]

Field = Literal[
    "any", "from", "to", "subject", "text", "has", "is", "held", "after", "before", "in"
]

#: Operators a reader can type, in the order the help lists them.
OPERATORS: tuple[str, ...] = (
    "from", "to", "subject", "text", "has", "is", "held", "after", "before", "in",
)
#: The values ``is:`` takes.
IS_VALUES = ("unread", "read", "flagged", "late")
_HAS_VALUES = {"attachment": "attachment", "attachments": "attachment"}
#: A longer query is refused (a page of text is not a search).
MAX_QUERY_CHARS = 500
#: At most this many terms.
MAX_TERMS = 24

_SEEN = "\\Seen"
_FLAGGED = "\\Flagged"
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NAME = re.compile(r"[A-Za-z]{1,16}")


@dataclass(frozen=True, slots=True)
class Term:
    """One condition of a query.

    :ivar field: ``any`` (a free word or phrase), ``from``, ``to``, ``subject``, ``text``,
        ``has``, ``is``, ``held``, ``after``, ``before`` or ``in``.
    :ivar value: for words, the folded word or phrase (:func:`fold`); for ``text``, the
        phrase as typed (control characters as spaces; the server folds it); for ``has``,
        ``is`` and ``in``, the keyword (``attachment``, ``unread`` ..., ``all``); for
        ``held``, the host as :func:`fold_host` gives it; for dates, ``YYYY-MM-DD``.
    :ivar negated: typed with a leading ``-``.
    :ivar epoch: for ``after`` and ``before``, the start of that day in the reader's zone,
        epoch seconds (compared with the true sent time); else ``None``.
    """

    field: Field
    value: str
    negated: bool = False
    epoch: int | None = None


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search.

    :ivar text: the query as read (control characters as spaces, trimmed, cut to
        :data:`MAX_QUERY_CHARS` + 1 characters).
    :ivar terms: every condition, in the order typed (``in:all`` included).
    :ivar problems: what stops it from running, each a sentence for the reader; empty when
        the query is good.
    """

    text: str
    terms: tuple[Term, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing was typed: the page is the plain list."""
        return not self.text

    @property
    def runnable(self) -> bool:
        """Something to search for and nothing wrong with it."""
        return bool(self.text) and not self.problems

    @property
    def everywhere(self) -> bool:
        """``in:all``: every folder is searched."""
        return any(t.field == "in" for t in self.terms)

    @property
    def text_terms(self) -> tuple[Term, ...]:
        """The ``text:`` terms: searched by the mail server, not by :meth:`matches`."""
        return tuple(t for t in self.terms if t.field == "text")

    @property
    def row_terms(self) -> tuple[Term, ...]:
        """The terms :meth:`matches` decides (all but ``text:`` and ``in:``)."""
        return tuple(t for t in self.terms if t.field not in ("text", "in"))

    @property
    def asks_flags(self) -> bool:
        """A term asks about IMAP flags (``is:read``, ``is:unread``, ``is:flagged``)."""
        return any(t.field == "is" and t.value != "late" for t in self.row_terms)

    def matches_flags(self, flags: frozenset[str]) -> bool:
        """Whether a row with ``flags`` meets the flag terms (``is:`` but ``is:late``); a row
        that fails them fails :meth:`matches` too, so an index may decide them first."""
        return all(
            _flag_holds(t.value, flags) != t.negated
            for t in self.row_terms
            if t.field == "is" and t.value != "late"
        )

    def matches(self, row: Searchable) -> bool:
        """Whether ``row`` meets every term but ``text:`` and ``in:`` (those are the mail
        server's and the caller's)."""
        return all(_holds(t, row) != t.negated for t in self.row_terms)


def _flag_holds(value: str, flags: frozenset[str]) -> bool:
    """Whether ``is:<value>`` (``unread``, ``read`` or ``flagged``) holds for ``flags``."""
    if value == "unread":
        return _SEEN not in flags
    if value == "read":
        return _SEEN in flags
    return _FLAGGED in flags


def _holds(term: Term, row: Searchable) -> bool:
    """Whether ``term`` (not negated) holds for ``row``."""
    field, value = term.field, term.value
    if field == "any":
        return value in row.subject or value in row.sender or value in row.recipients
    if field == "from":
        return value in row.sender
    if field == "to":
        return value in row.recipients
    if field == "subject":
        return value in row.subject
    if field == "has":
        return row.attachments
    if field == "is":
        return row.late if value == "late" else _flag_holds(value, row.flags)
    if field == "held":
        return row.held == value
    if field == "after":
        return term.epoch is not None and row.sent >= term.epoch
    if field == "before":
        return term.epoch is not None and row.sent < term.epoch
    return True  # text and in: not decided on a row


def _clean(text: str) -> str:
    """Lone surrogates as ``?``, controls as spaces, trimmed."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return blank_controls(text).strip()


def _read_value(text: str, i: int) -> tuple[str, int, bool]:
    """The value starting at ``text[i]``: a ``"quoted phrase"`` (to the next quote, or the
    end when it is never closed) or a bare word (to the next white space or quote). Returns
    (value, index after it, whether it was quoted)."""
    n = len(text)
    if i < n and text[i] == '"':
        end = text.find('"', i + 1)
        if end < 0:
            return text[i + 1 :], n, True
        return text[i + 1 : end], end + 1, True
    j = i
    while j < n and not text[j].isspace() and text[j] != '"':
        j += 1
    return text[i:j], j, False


def _day_start(value: str, zone: tzinfo) -> tuple[int | None, str | None]:
    """(epoch seconds of the start of day ``value`` in ``zone``, None) or (None, problem)."""
    m = _DAY.fullmatch(value)
    if m is None:
        return None, "a date as YYYY-MM-DD"
    try:
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None, "a real date as YYYY-MM-DD"
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    try:
        return int(start.timestamp()), None
    except (OverflowError, ValueError, OSError):  # the zone pushes it out of the calendar
        return int(start.replace(tzinfo=UTC).timestamp()), None


def _term(
    name: str, value: str, quoted: bool, negated: bool, zone: tzinfo
) -> tuple[Term | None, str | None]:
    """The term of ``name:value``, or (None, problem)."""
    field = name.lower()
    example = {"is": "is:unread", "has": "has:attachment", "in": "in:all",
               "after": "after:2026-10-31", "before": "before:2026-11-02",
               "held": "held:mx.example.com"}.get(field, f'{field}:word or {field}:"two words"')
    if field not in OPERATORS:
        if not value:  # "Re:", "Fwd:", "Note:" followed by a space: a word, not an operator
            return Term("any", fold(name + ":"), negated), None
        listed = ", ".join(f"{o}:" for o in OPERATORS)
        return None, (
            f"There is no search operator “{name}:” (the operators are {listed}). "
            f"To search for the text itself, put it in double quotes: \"{name}:{value}\"."
        )
    if not value.strip():
        return None, f"“{field}:” needs something after it, like {example}."
    if field in ("from", "to", "subject"):
        folded = fold(value)
        if not folded:
            return None, f"“{field}:” needs something after it, like {example}."
        return Term(field, folded, negated), None  # type: ignore[arg-type]
    if field == "text":
        return Term("text", " ".join(value.split()), negated), None
    if field == "held":
        return Term("held", fold_host(value.strip()), negated), None
    keyword = value.lower()
    if field == "is":
        if keyword not in IS_VALUES:
            options = ", ".join(f"is:{v}" for v in IS_VALUES)
            return None, f"“is:{value}” is not something a message can be: use {options}."
        return Term("is", keyword, negated), None
    if field == "has":
        if keyword not in _HAS_VALUES:
            return None, f"“has:{value}” is not known: use has:attachment."
        return Term("has", _HAS_VALUES[keyword], negated), None
    if field == "in":
        if keyword != "all":
            return None, f"“in:{value}” is not known: use in:all to search every folder."
        if negated:
            return None, "“-in:all” means nothing: leave it out to search this folder."
        return Term("in", "all", False), None
    epoch, problem = _day_start(value.strip(), zone)
    if epoch is None:
        return None, f"“{field}:{value}” needs {problem}, like {example}."
    return Term(field, value.strip(), negated, epoch), None  # type: ignore[arg-type]


def parse_query(text: str, zone: tzinfo = UTC) -> Query:
    """Read a search as typed; days of ``after:``/``before:`` start at midnight in ``zone``
    (the reader's). Never raises: see the module docstring for the language and
    :attr:`Query.problems` for what it cannot read. Linear in the length of ``text``."""
    if not isinstance(text, str):
        return Query("", problems=("The search is not text.",))
    if len(text) > 4 * MAX_QUERY_CHARS:  # cut before any work on 10 KB of text
        text = text[: 4 * MAX_QUERY_CHARS]
    cleaned = _clean(text)
    if len(cleaned) > MAX_QUERY_CHARS:
        return Query(
            cleaned[: MAX_QUERY_CHARS + 1],
            problems=(f"The search is too long: at most {MAX_QUERY_CHARS} characters.",),
        )
    terms: list[Term] = []
    problems: list[str] = []
    i, n = 0, len(cleaned)
    while i < n:
        if cleaned[i].isspace():
            i += 1
            continue
        negated = cleaned[i] == "-" and i + 1 < n and not cleaned[i + 1].isspace()
        if negated:
            i += 1
        name = _NAME.match(cleaned, i)
        if name is not None and name.end() < n and cleaned[name.end()] == ":":
            value, i, quoted = _read_value(cleaned, name.end() + 1)
            term, problem = _term(name.group(), value, quoted, negated, zone)
            if problem is not None:
                problems.append(problem)
            elif term is not None:
                terms.append(term)
            continue
        value, after, quoted = _read_value(cleaned, i)
        if after == i:  # a lone '"' closing nothing: skip it
            i += 1
            continue
        i = after
        folded = fold(value)
        if folded:
            terms.append(Term("any", folded, negated))
    if len(terms) > MAX_TERMS:
        problems.append(f"The search has too many terms: at most {MAX_TERMS}.")
    if not terms and not problems and cleaned:
        problems.append("There is nothing to search for in that.")
    return Query(cleaned, tuple(terms), tuple(dict.fromkeys(problems)))
