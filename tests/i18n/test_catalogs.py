"""The catalogs themselves: messages.pot holds every string of the code, each language's .po has
every msgid of it, its translations keep their placeholders and tags, and the app compiles
them when it starts (a fresh clone and a wheel need no build step)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.i18n.conftest import pseudo, untranslated
from webmail import create_app
from webmail.i18n import CATALOGS, LANGUAGES, compile_catalogs

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\([A-Za-z_]+\)[sd]|<[^>]+>")


def messages(path: Path, locale: str | None = None) -> dict[object, object]:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    return {m.id: m.string for m in catalog if m.id}


def test_messages_pot_holds_every_string_of_the_code(tmp_path: Path) -> None:
    """Extraction now finds exactly the msgids of the committed .pot (run scripts/i18n.sh)."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
         "-k", "lazy_gettext", "-o", str(fresh), "."],
        cwd=ROOT, check=True,
    )
    committed, extracted = set(messages(CATALOGS / "messages.pot")), set(messages(fresh))
    assert extracted - committed == set(), "run: bash scripts/i18n.sh"
    assert committed - extracted == set(), "run: bash scripts/i18n.sh"


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "en"])
def test_each_catalog_has_every_msgid_and_keeps_the_placeholders(code: str) -> None:
    po = CATALOGS / code / "LC_MESSAGES" / "messages.po"
    template = messages(CATALOGS / "messages.pot")
    catalog = messages(po, code)
    assert set(template) <= set(catalog), "run: bash scripts/i18n.sh"
    for msgid, string in catalog.items():
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        forms = string if isinstance(string, tuple) else (string,)
        wanted = sorted(set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0])))
        for form in forms:
            if form:  # an empty translation shows the English
                got = sorted(set(PLACEHOLDER.findall(str(form))))
                # a singular may leave out %(num)s ("one message"), nothing else
                assert set(got) <= set(wanted) and set(wanted) - set(got) <= {"%(num)s"}, (
                    code, msgid, form)


def test_the_app_compiles_the_catalogs_when_it_starts(tmp_path: Path) -> None:
    source = tmp_path / "translations"
    shutil.copytree(CATALOGS, source)
    po = source / "de" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    marker = "Zz-compiled-marker"  # in no catalog, whatever the translators wrote
    marked = re.sub(r'(?m)^(msgid "Sign in"\nmsgstr )".*"$', rf'\1"{marker}"', text, count=1)
    assert marked != text
    po.write_text(marked, encoding="utf-8")
    target = tmp_path / "compiled"
    compile_catalogs(source, target)
    mo = target / "de" / "LC_MESSAGES" / "messages.mo"
    assert mo.exists() and marker.encode() in mo.read_bytes()
    first = mo.stat().st_mtime_ns
    compile_catalogs(source, target)  # unchanged: left alone
    assert mo.stat().st_mtime_ns == first
    time.sleep(0.01)
    po.write_text(text, encoding="utf-8")  # newer .po: compiled again
    compile_catalogs(source, target)
    assert marker.encode() not in mo.read_bytes()


def test_a_fresh_instance_gets_the_compiled_catalogs(tmp_path: Path) -> None:
    create_app({"instance_path": str(tmp_path / "instance"), "TESTING": True})
    for code in LANGUAGES:
        if code != "en":
            assert (tmp_path / "instance" / "translations" / code / "LC_MESSAGES"
                    / "messages.mo").exists()


def test_the_page_reader_finds_english_and_lets_data_pass() -> None:
    """The pseudo-locale test's reader, on a page with one string that skipped gettext."""
    page = (
        '<html lang="el"><head><title>Inbox · ' + pseudo("Webmail") + "</title>"
        '<script>var x = "not shown";</script></head><body>'
        f'<a title="{pseudo("Sent %(time)s").replace("%(time)s", "Παρ 14")}">mx2.example.com</a>'
        '<button aria-label="Remove flag">★</button>'
        f"<p>{pseudo('Delivered')} Παρ 14 Μαρ</p><textarea>Hello there</textarea>"
        '<select id="timezone"><option>America/New York</option></select>'
        '<option lang="de">Deutsch</option><p>Back to the list</p></body></html>'
    )
    found = untranslated(page, {"Inbox"})
    assert [words for _, _, words in found] == [["Remove", "flag"], ["Back", "to", "the", "list"]]
