"""The pages' language (issue 13, translations): Flask-Babel with gettext catalogs.

The catalogs are ``webmail/translations/<lang>/LC_MESSAGES/messages.po`` (and
``messages.pot``, extracted by ``scripts/i18n.sh``). They are compiled when the app starts,
into the instance folder (``<instance>/translations``, rebuilt when a ``.po`` is newer than
its ``.mo``), so a fresh clone and an installed wheel both work without a build step.

The language of a page is, in order: the reader's setting (Settings → Language, kept with the
other preferences), else this browser's cookie (set when the setting is saved, so the sign-in
page of that browser speaks it too), else the best match of ``Accept-Language`` among
:data:`LANGUAGES`, else English. ``<html lang>`` says it (:func:`html_lang`).

Everything the web shows goes through :func:`gettext` / :func:`ngettext` here or in the
templates (``_()``, ``ngettext()``, ``{% trans %}``); the library (webmail/headers) and the
command line stay English. Placeholders are named, ``%(name)s``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import Babel, get_locale, get_translations
from flask_babel import lazy_gettext as _lazy_gettext
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from webmail.sessions.prefs import LANGUAGE_CODES

#: The languages offered, by code, each named in itself (the Settings page's choices).
LANGUAGES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "ja": "日本語",
}
assert tuple(LANGUAGES) == LANGUAGE_CODES
DEFAULT = "en"
#: This browser's language, as last saved in Settings (read on the sign-in page too).
LANGUAGE_COOKIE = "webmail_lang"
CATALOGS = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"


def gettext(text: str, **variables: Any) -> str:
    """``text`` in the page's language, ``%(name)s`` placeholders filled from ``variables``
    (as Flask-Babel's ``gettext``, with the catalog looked up once per page)."""
    found = _page_translations().ugettext(text)
    return str(found % variables if variables else found)


def ngettext(singular: str, plural: str, count: int, /, **variables: Any) -> str:
    """The plural form for ``count`` in the page's language; ``%(num)s`` is ``count`` unless
    ``num`` is given (a formatted number, ``12,345``)."""
    text = _page_translations().ungettext(singular, plural, count)
    variables.setdefault("num", count)
    return str(text % variables)


def pgettext(context: str, text: str, **variables: Any) -> str:
    """:func:`gettext` of ``text`` in ``context`` (msgctxt): the same English word with two
    meanings ("Sent" the folder, "Sent" the time) gets two entries."""
    text = get_translations().upgettext(context, text)
    return str(text % variables) if variables else str(text)


def lazy_gettext(text: str, **variables: Any) -> Any:
    """:func:`gettext` when the string is shown, not when it is defined (module constants)."""
    return _lazy_gettext(text, **variables)


#: Marks a constant for extraction only; it is translated where it is shown, with gettext().
def N_(text: str) -> str:  # noqa: N802 (the gettext convention's name)
    return text


def offered() -> tuple[str, ...]:
    """The language codes a page may be in: :data:`LANGUAGES`, plus any the app's config adds
    (``WEBMAIL_EXTRA_LOCALES``, the tests' pseudo-locale)."""
    extra = tuple(current_app.config.get("WEBMAIL_EXTRA_LOCALES", ()))
    return (*LANGUAGES, *extra)


def chosen_language() -> str:
    """The code of this request's language (see the module docstring)."""
    if not has_request_context():
        return DEFAULT
    codes = offered()
    prefs = g.get("prefs")
    if prefs is None:
        from webmail.views.access import current_user, load_prefs

        if current_user():
            prefs = load_prefs()
    choice = getattr(prefs, "language", "") if prefs is not None else ""
    if choice in codes:
        return str(choice)
    cookie = request.cookies.get(LANGUAGE_COOKIE, "")
    if cookie in codes:
        return cookie
    return request.accept_languages.best_match(codes) or DEFAULT


def _page_translations() -> Any:
    """Flask-Babel's ``get_translations()`` for this app context, kept in its context (beside
    the locale it caches there) for as long as that locale stays: ``refresh()`` or
    ``force_locale()`` give another locale, and so another lookup."""
    ns = g.get("_flask_babel") if has_app_context() else None
    if ns is not None:
        kept = getattr(ns, "webmail_translations", None)
        locale = getattr(ns, "babel_locale", None)
        if kept is not None and locale is not None and kept[0] is locale:
            return kept[1]
    translations = get_translations()
    ns = g.get("_flask_babel") if has_app_context() else None
    if ns is not None:
        ns.webmail_translations = (getattr(ns, "babel_locale", None), translations)
    return translations


def page_babel_locale() -> Any:
    """Flask-Babel's ``get_locale()``, read straight from its context once it has been
    chosen for this page (the filters ask for it several times a row)."""
    ns = g.get("_flask_babel") if has_app_context() else None
    found = getattr(ns, "babel_locale", None) if ns is not None else None
    return found if found is not None else get_locale()


@pass_context
def _template_gettext(context: Context, string: str, /, **variables: Any) -> str:
    """The templates' ``_()`` / ``gettext()``: Jinja's newstyle gettext, in one call."""
    found = _page_translations().ugettext(string)
    if context.eval_ctx.autoescape:
        found = Markup(found)
    return found % variables  # type: ignore[no-any-return]


def html_lang() -> str:
    """``<html lang>``: the page's language as a BCP 47 tag (``de``, ``ja``)."""
    return str(get_locale() or DEFAULT).replace("_", "-")


def compile_catalogs(source: Path, target: Path) -> None:
    """Compile every ``source/<lang>/LC_MESSAGES/messages.po`` into ``target`` (same layout)
    where the ``.mo`` is missing or older; each written to a temporary file and renamed into
    place, so that several workers starting at once never read half a file."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(source.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        target.mkdir(mode=0o700, parents=True, exist_ok=True)  # 0700, as the instance
        for folder in reversed(mo.relative_to(target).parents[:-1]):
            (target / folder).mkdir(mode=0o700, exist_ok=True)
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parts[-3])
        fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.replace(tmp, mo)


def init_app(app: Flask) -> None:
    """Compile the catalogs into the instance folder and start Flask-Babel on them."""
    compiled = Path(app.instance_path) / "translations"
    compile_catalogs(CATALOGS, compiled)
    extra = app.config.get("WEBMAIL_EXTRA_TRANSLATIONS", ())
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join([str(compiled), *map(str, extra)])
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    Babel(app, locale_selector=chosen_language)
    # The templates' _() and ngettext() with this request's catalog looked up once, not at
    # every call as Flask-Babel's own callables do (a list page makes ~400 such calls).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _page_translations().ugettext(s),
        ngettext=lambda s, p, n: _page_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _page_translations().unpgettext(c, s, p, n),
    )
    # _() and gettext() in one call, not three: Jinja's own _() resolves gettext(), which
    # calls the function above, each through Context.call (~4 us of a list page's ~170 calls
    # of ~6 us each). The same newstyle semantics: the translation is Markup when the
    # template autoescapes, and always a format string for the named values (escaped).
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext)
    app.jinja_env.globals.update(html_lang=html_lang, languages=LANGUAGES)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks: whitespace folded
