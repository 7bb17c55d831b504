"""The delays page and its JSON: every message's delay on a plot, and the delivery incidents.

``GET /delays`` (every folder) and ``GET /delays?folder=INBOX`` draw the plot
(:mod:`webmail.render.delayplot`) above the incidents table; ``GET /api/delays?folder=INBOX``
gives ``{"folder", "threshold_seconds", "late_count", "incidents": [...]}`` (times ISO 8601 UTC
ending in ``Z``, incidents newest first). Both read-only, with the session of every page; the
API answers 401 without one and 404 (JSON) for a folder the server does not have.
"""

from __future__ import annotations

from urllib.parse import quote_plus

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for
from markupsafe import Markup

from webmail.delays import Cluster, DelayReport, Mark, cluster_query
from webmail.headers import Incident
from webmail.i18n import gettext, ngettext
from webmail.mailbox import Folder
from webmail.render.delayplot import ClusterLike, MarkLike, Plot, Words, delay_plot
from webmail.views.access import (
    current_user,
    load_prefs,
    login_required,
    user_delays,
    user_mailbox,
)
from webmail.views.timefmt import duration, format_kind, full_time, reader_zone

bp = Blueprint("delays", __name__)


def _folder_arg() -> str | None:
    folder = request.args.get("folder", "")
    return folder or None


@bp.get("/delays")
@login_required
def page() -> str:
    """The plot and the incidents table; 404 for an unknown folder."""
    folder = _folder_arg()
    with user_mailbox() as mbox:
        folders = mbox.folders()
        if folder is not None and all(f.name != folder for f in folders):
            abort(404)
        report = user_delays(mbox, folders, folder)
    plot = _plot(report, folders)
    return render_template(
        "delays/page.html",
        folders=folders,
        folder=folder,
        current=next((f for f in folders if f.name == folder), None),
        report=report,
        # The plot's markup is built and escaped by webmail.render.delayplot (every text and
        # attribute through html.escape; no script, no style attribute): see its docstring.
        plot_svg=Markup(plot.svg),
        legend=plot.legend,
        incidents=[(i, _show_them(i, folder)) for i in report.incidents],
    )


@bp.get("/api/delays")
def api() -> tuple[Response, int]:
    """The incidents as JSON (see the module docstring)."""
    if current_user() is None:
        return jsonify(error="Sign in first."), 401
    load_prefs()
    folder = _folder_arg()
    with user_mailbox() as mbox:
        folders = mbox.folders()
        if folder is not None and all(f.name != folder for f in folders):
            return jsonify(error=f"No folder {folder!r} on the mail server."), 404
        report = user_delays(mbox, folders, folder, plot=False)
    return jsonify(
        folder=report.folder,
        threshold_seconds=int(report.threshold.total_seconds()),
        late_count=report.late_count,
        incidents=[i.to_json() for i in report.incidents],
    ), 200


def _show_them(incident: Incident, folder: str | None) -> str:
    """Where "show them" goes: the folder's list searched for the incident's query (every
    folder, ``in:all``, from the all-folders page). The list ignores ``q`` until search
    exists (issue "Find and organise")."""
    if folder is None:
        return url_for("mail.folder", folder="INBOX", q=f"{incident.query} in:all")
    return url_for("mail.folder", folder=folder, q=incident.query)


def _plot(report: DelayReport, folders: list[Folder]) -> Plot:
    # One url_for per folder, not per mark: 2,000 url_for calls cost more than the plot.
    # "/message/<folder>/0" without its "0" is the link of every message in that folder.
    prefix = {f.name: url_for("mail.message", folder=f.name, uid=0)[:-1] for f in folders}
    zone = reader_zone()

    def mark_href(mark: MarkLike) -> str:
        assert isinstance(mark, Mark)
        base = prefix.get(mark.folder) or url_for("mail.message", folder=mark.folder, uid=0)[:-1]
        return f"{base}{mark.uid}"

    lists = {f.name: url_for("mail.folder", folder=f.name) for f in folders}
    hrefs: dict[tuple[str, str], str] = {}  # shared marks of one day and host share a search

    def cluster_href(cluster: ClusterLike) -> str:
        assert isinstance(cluster, Cluster)
        key = (cluster.folder, cluster_query(cluster, zone))
        href = hrefs.get(key)
        if href is None:
            base = lists.get(key[0]) or url_for("mail.folder", folder=key[0])
            href = hrefs[key] = f"{base}?q={quote_plus(key[1], safe=':')}"
        return href

    where = gettext("every folder") if report.folder is None else report.folder
    return delay_plot(
        report.marks,
        report.clusters,
        report.incidents,
        threshold=report.threshold,
        zone=zone,
        when=full_time,
        duration=duration,
        mark_href=mark_href,
        cluster_href=cluster_href,
        title=gettext("Delivery delays of %(where)s", where=where),
        words=Words(gettext=gettext, ngettext=ngettext, date=format_kind),
    )

