#!/usr/bin/env bash
# The translations (webmail/translations, gettext catalogs; webmail/i18n.py uses them).
#   bash scripts/i18n.sh              extract messages.pot, update every language's .po, check
#   bash scripts/i18n.sh init LANG    start the catalog of a new language (then add it to
#                                     webmail/i18n.py's LANGUAGES and prefs.LANGUAGE_CODES)
#   bash scripts/i18n.sh check        compile every catalog into a scratch folder (what the app
#                                     does at start-up) and print how much is translated
# The app compiles the .po files itself when it starts (into <instance>/translations), so
# nothing compiled is committed and a fresh clone or an installed wheel needs no build step.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=webmail/translations
POT=$DIR/messages.pot
pybabel() { python3 -m babel.messages.frontend -q "$@"; }

extract() {
    pybabel extract -F babel.cfg -k lazy_gettext -o "$POT" \
        --project="Timely webmail" --copyright-holder="Timely webmail" \
        --msgid-bugs-address="" --sort-by-file --width=100 --add-comments=TRANSLATORS: . >/dev/null
    # No creation date: an unchanged extraction leaves the file unchanged.
    sed -i '/^"POT-Creation-Date: /d' "$POT"
}

check() {
    local scratch
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' RETURN
    cp -r "$DIR"/. "$scratch"/
    pybabel compile -d "$scratch" -D messages --statistics
}

case "${1:-all}" in
    all)
        extract
        pybabel update -i "$POT" -d "$DIR" -D messages --width=100 --no-fuzzy-matching \
            --ignore-obsolete >/dev/null
        check
        ;;
    init)
        [ -n "${2:-}" ] || { echo "usage: bash scripts/i18n.sh init LANG" >&2; exit 2; }
        extract
        pybabel init -i "$POT" -d "$DIR" -D messages -l "$2" --width=100
        ;;
    check)
        check
        ;;
    *)
        echo "usage: bash scripts/i18n.sh [all | init LANG | check]" >&2
        exit 2
        ;;
esac
