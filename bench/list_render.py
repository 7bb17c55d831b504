"""The list page's rendering, this tree against an older commit: ``python3 -m bench.list_render``.

Builds the app on the demo mailbox made four times over (the demo mail generated at four
reference times, 152 messages in INBOX, so a page has its 50 rows: 23 of them late), signs in
through the forms for en (UTC), de (Europe/Berlin) and ja (Asia/Tokyo), and asks for
``GET /folder/INBOX`` and the search ``is:late`` (the same template, more late rows) through
Flask's test client. For each page it takes the best of ``--repeat`` of this process's CPU
time (``time.process_time``): of the page's rendering alone (``render_template`` of the list
template; since ``views/listpage.py``, ``list_page``: the row views and the template) and of
the whole request (the demo mailbox's header analysis too). ``--base REV`` (default:
``cc5fc1d^``, before issue 14's rendering work) is measured the same way from a ``git
archive`` of that commit; rounds interleaved (base, this tree, base, ...), a fresh process
each, medians of ``--rounds``, the ratio this tree / base printed for each page.
``--snapshot DIR`` writes the list pages of this tree (``--tree``: of another checkout)
instead, :data:`SNAPSHOT_PAGES` for each of :data:`SNAPSHOT_READERS` in both orders (for
diffing two trees' HTML: ``diff -r``).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES = ("/folder/INBOX", "/folder/INBOX?q=is:late")
READERS = (("en", "UTC"), ("de", "Europe/Berlin"), ("ja", "Asia/Tokyo"))
#: What ``--snapshot`` writes, in both orders for each reader: the list pages of every kind.
SNAPSHOT_PAGES = (
    "/folder/INBOX", "/folder/INBOX?page=2", "/folder/INBOX?page=3&late=1",
    "/folder/INBOX?late=1", "/folder/INBOX?q=is:late", "/folder/INBOX?q=from:a+in:all",
    "/folder/INBOX?q=in:all&page=2", "/folder/INBOX?q=is:unread+before:2026-11-20",
    "/folder/INBOX?q=after:", "/folder/Sent", "/folder/Drafts", "/folder/Trash",
    "/folder/Archive", "/folder/Nowhere", "/folder/INBOX?q=zzzznothing",
)
SNAPSHOT_READERS = (
    ("en", "UTC"), ("de", "Europe/Berlin"), ("fr", "America/Chicago"),
    ("es", "Asia/Kolkata"), ("ja", "Asia/Tokyo"), ("en", "Pacific/Kiritimati"),
)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

#: One measuring process: run in the checkout to measure (its own ``webmail`` imported).
CHILD = r'''
import json, re, sys, tempfile, time
from datetime import UTC, datetime, timedelta
sys.path.insert(0, sys.argv[1])
from webmail import create_app
from webmail.mailbox import demo, demodata
import webmail.views.mail as mail_views, webmail.views.search as search_views

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
store = demo.reset_default_store(NOW)
for k in (1, 2, 3):
    for m in demodata.generate(NOW - timedelta(days=k * 9, hours=k * 5, minutes=k * 7)):
        store.add(m)
spent = [0.0]
def timed(render):
    def wrapped(*args, **kwargs):
        start = time.process_time()
        try:
            return render(*args, **kwargs)
        finally:
            spent[0] += time.process_time() - start
    return wrapped
# The list page's rendering: render_template, and since views/listpage.py the row views too.
for views in (mail_views, search_views):
    if hasattr(views, "list_page"):
        views.list_page = timed(views.list_page)
    else:
        views.render_template = timed(views.render_template)
app = create_app({"instance_path": tempfile.mkdtemp(), "TESTING": True})
readers, pages, repeat = json.loads(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
snapshot = sys.argv[5] if len(sys.argv) > 5 else ""
out = {}
for lang, zone in readers:
    c = app.test_client()
    token = CSRF.search(c.get("/login").get_data(as_text=True)).group(1)
    c.post("/login", data={"username": "demo", "password": "demo", "csrf_token": token})
    token = CSRF.search(c.get("/settings/").get_data(as_text=True)).group(1)
    c.post("/settings/", data={"timezone": zone, "language": lang, "csrf_token": token})
    for sort in ("sent", "arrival") if snapshot else ("sent",):
        token = CSRF.search(c.get("/settings/").get_data(as_text=True)).group(1)
        c.post("/settings/sort", data={"sort": sort, "csrf_token": token})
        for page in pages:
            if not snapshot:
                break
            html = CSRF.sub("X", c.get(page).get_data(as_text=True))
            html = re.sub(r'name="csrf-token" content="[^"]+"', "X", html)
            name = f"{lang}-{zone.replace('/', '_')}-{sort}" + re.sub(r"\W", "_", page)
            open(f"{snapshot}/{name}", "w").write(html)
    for page in pages:
        if snapshot:
            continue
        best_render = best_request = float("inf")
        for _ in range(repeat):
            spent[0] = 0.0
            start = time.process_time()
            c.get(page)
            best_request = min(best_request, time.process_time() - start)
            best_render = min(best_render, spent[0])
        out[f"{lang} {page}"] = [best_render * 1000, best_request * 1000]
print(json.dumps(out))
'''


def measure(tree: Path, repeat: int, snapshot: str = "") -> dict[str, list[float]]:
    readers, pages = (SNAPSHOT_READERS, SNAPSHOT_PAGES) if snapshot else (READERS, PAGES)
    args = [sys.executable, "-c", CHILD, str(tree), json.dumps(readers), json.dumps(pages),
            str(repeat)] + ([snapshot] if snapshot else [])
    done = subprocess.run(args, cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="cc5fc1d^", help="the commit to compare against")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=25, help="requests a page, best taken")
    parser.add_argument("--snapshot", default="", help="write this tree's pages to DIR")
    parser.add_argument("--tree", type=Path, default=REPO,
                        help="with --snapshot: the checkout whose pages to write")
    options = parser.parse_args()
    if options.snapshot:
        Path(options.snapshot).mkdir(parents=True, exist_ok=True)
        measure(options.tree.resolve(), 1, options.snapshot)
        print("pages written to", options.snapshot)
        return
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        archive = subprocess.run(["git", "archive", options.base], cwd=REPO,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        runs: dict[str, list[dict[str, list[float]]]] = {"base": [], "this": []}
        for _ in range(options.rounds):
            runs["base"].append(measure(base, options.repeat))
            runs["this"].append(measure(REPO, options.repeat))
    print(f"process CPU, best of {options.repeat}, median of {options.rounds} rounds "
          f"(base {options.base})")
    for key in runs["base"][0]:
        cells = []
        for i, what in enumerate(("render", "request")):
            b = statistics.median(r[key][i] for r in runs["base"])
            t = statistics.median(r[key][i] for r in runs["this"])
            cells.append(f"{what} {b:6.2f} -> {t:6.2f} ms ({t / b:.2f})")
        print(f"{key:26} " + "   ".join(cells))


if __name__ == "__main__":
    main()
