"""Write and send: the compose form, reply, reply all, forward, drafts, and the "Sent" page.

Thin: a GET makes a form (``webmail.compose`` fills it, ``Outbox.forms`` keeps it) and
redirects to ``/compose?form=<id>``; the POST stores what was typed and uploaded into the
form first (so nothing is lost whatever happens next), checks it, and hands the letter to
the :class:`~webmail.outbox.Outbox`. Works without JavaScript: attachments stay with the form
server-side and come back as ticked boxes.

A POST may carry a message of ``WEBMAIL_MAX_MESSAGE_MB`` (twice that in uploads, so that a
too-large message gets a plain answer rather than a cut connection): the request limits are
raised for :func:`submit` alone, before the CSRF check reads the form.
"""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from webmail.compose import (
    ANSWERED,
    FORWARDED,
    Fields,
    Letter,
    Prefill,
    Problem,
    check_letter,
    clean_content_type,
    clean_filename,
    draft_prefill,
    forward_prefill,
    reply_prefill,
)
from webmail.compose.addresses import FIELD_LABELS, display_names, format_recipients
from webmail.i18n import gettext
from webmail.mailbox import Folder, MailboxError
from webmail.outbox import AlreadySent, DeliveryUncertain, Outbox, SendError
from webmail.outbox.ledger import SENDING, UNCERTAIN
from webmail.outbox.staging import FORM_ID, ComposeState, MessageRef, Origin
from webmail.services import services
from webmail.views.access import (
    current_user,
    forget_opened,
    login_required,
    open_message,
    user_credentials,
    user_mailbox,
)
from webmail.views.timefmt import full_time

bp = Blueprint("compose", __name__, url_prefix="/compose")

SEND, DRAFT = "send", "draft"


def _outbox() -> Outbox:
    return services().outbox


def _user() -> str:
    user = current_user()
    assert user is not None  # login_required ran
    return user


@bp.app_template_filter("recipient_names")
def recipient_names(header_text: str) -> str:
    """The Sent and Drafts lists' "sender" column: who the message is for."""
    return display_names(header_text or "")


@bp.url_value_preprocessor
def _room_for_a_message(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Raise the request limits for the compose POST only (url_value_preprocessors run
    before every before_request, the CSRF check that reads the form included)."""
    if endpoint == "compose.submit":
        limit = services().settings.max_message_bytes
        request.max_content_length = 2 * limit + 1024 * 1024
        request.max_form_memory_size = limit + 64 * 1024


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    mb = services().settings.max_message_mb
    return render_template(
        "errors/http.html", code=413, title=gettext("Too large"),
        message=gettext(
            "That was far more than the %(size)s MB a message may have with its attachments, "
            "so it was not read and nothing was sent. Go back and attach less.",
            size=mb,
        ),
    ), 413


def _own_addresses(user: str) -> set[str]:
    own = {user} if "@" in user else set()
    address = _outbox().address_of(user)
    return own | ({address} if address else set())


def _folders() -> list[Folder]:
    """The sidebar's folders; none when the mail server is down (the form, kept
    server-side, must still come back)."""
    try:
        with user_mailbox() as mbox:
            return mbox.folders()
    except MailboxError:
        return []


def _form(
    state: ComposeState,
    *,
    problems: tuple[Problem, ...] = (),
    error: str | None = None,
    notice: str | None = None,
    uncertain: bool = False,
    status: int = 200,
) -> tuple[str, int]:
    outbox = _outbox()
    by_field: dict[str, list[str]] = {}
    for p in problems:
        by_field.setdefault(p.field, []).append(p.text)
    sender = outbox.sender(_user(), g.prefs.display_name)
    return render_template(
        "compose/form.html",
        folders=_folders(),
        folder=None,
        state=state,
        problems=by_field,
        labels=FIELD_LABELS,
        error=error,
        notice=notice,
        uncertain=uncertain,
        sender=sender.display() if sender else None,
        can_send=outbox.can_send,
        max_mb=services().settings.max_message_mb,
    ), status


def _to_form(state: ComposeState, **args: Any) -> Response:
    return redirect(url_for("compose.new", form=state.form_id, **args), 303)


@bp.get("")
@login_required
def new() -> Response | tuple[str, int]:
    """A new form (``?to=`` prefills To), the form ``?form=<id>`` in progress, or
    ``?again=<id>``: a sent form written again to the recipients that were refused."""
    outbox, user = _outbox(), _user()
    form_id = request.args.get("form", "")
    if form_id:
        state = outbox.forms.load(user, form_id) if FORM_ID.fullmatch(form_id) else None
        if state is None:
            if FORM_ID.fullmatch(form_id) and outbox.ledger.record(user, form_id):
                return redirect(url_for("compose.sent", form_id=form_id))
            abort(404)
        saved = request.args.get("saved") == "1"
        return _form(state, notice=gettext("Draft saved.") if saved else None)
    again = request.args.get("again", "")
    if again and FORM_ID.fullmatch(again):
        return _again(again)
    to = request.args.get("to", "")[:2000]
    return _to_form(outbox.forms.new(user, Prefill(Fields(to=" ".join(to.split())))))


def _again(form_id: str) -> Response:
    outbox, user = _outbox(), _user()
    old, record = outbox.forms.load(user, form_id), outbox.ledger.record(user, form_id)
    if old is None or record is None:
        abort(404)
    refused = [str(r[0]) for r in record.detail.get("refused", [])]
    prefill = Prefill(
        replace(old.fields, to=format_recipients(("", a) for a in refused), cc="", bcc=""),
        old.threading,
        tuple(outbox.forms.attachments(user, old)),
    )
    state = outbox.forms.new(user, prefill, origin=old.origin)
    outbox.forms.discard(user, form_id)
    return _to_form(state)


def _answer(folder: str, uid: int, *, to_all: bool) -> Response:
    opened = open_message(folder, uid)
    prefill = reply_prefill(
        opened.full.raw, opened.parsed, sent_text=full_time(opened.full.summary.sent),
        own=_own_addresses(_user()), to_all=to_all,
    )
    origin = Origin(folder, uid, ANSWERED, "reply")
    return _to_form(_outbox().forms.new(_user(), prefill, origin=origin))


@bp.get("/reply/<path:folder>/<uid:uid>")
@login_required
def reply(folder: str, uid: int) -> Response:
    return _answer(folder, uid, to_all=False)


@bp.get("/reply-all/<path:folder>/<uid:uid>")
@login_required
def reply_all(folder: str, uid: int) -> Response:
    return _answer(folder, uid, to_all=True)


@bp.get("/forward/<path:folder>/<uid:uid>")
@login_required
def forward(folder: str, uid: int) -> Response:
    """The original attached as ``message/rfc822``; ``?inline=1`` quotes it instead."""
    opened = open_message(folder, uid)
    prefill = forward_prefill(
        opened.full.raw, opened.parsed, sent_text=full_time(opened.full.summary.sent),
        inline=request.args.get("inline") == "1",
    )
    origin = Origin(folder, uid, FORWARDED, "forward")
    return _to_form(_outbox().forms.new(_user(), prefill, origin=origin))


@bp.get("/draft/<path:folder>/<uid:uid>")
@login_required
def resume(folder: str, uid: int) -> Response:
    """A draft back in the form, attachments included; saving replaces it, sending removes
    it (only a message of the Drafts folder is a draft to replace)."""
    opened = open_message(folder, uid, fresh=True)
    prefill, info = draft_prefill(opened.full.raw)
    with user_mailbox() as mbox:
        is_draft = mbox.role_folder("drafts", create=False) == folder
    origin = None
    if info is not None:
        flag = ANSWERED if info.kind == "reply" else FORWARDED
        origin = Origin(info.folder, info.uid, flag, info.kind)
    draft = MessageRef(folder, uid) if is_draft else None
    return _to_form(_outbox().forms.new(_user(), prefill, origin=origin, draft=draft))


def _posted_state(user: str) -> tuple[ComposeState, list[Problem]]:
    """The form of this POST with what was typed and uploaded stored into it."""
    outbox = _outbox()
    form_id = request.form.get("form_id", "")
    state = outbox.forms.load(user, form_id) if FORM_ID.fullmatch(form_id) else None
    if state is None:  # an abandoned form: what was posted goes into a new one
        state = outbox.forms.new(user)
    fields = Fields(**{f.name: request.form.get(f.name, "") for f in dataclass_fields(Fields)})
    state = outbox.forms.keep_only(user, replace(state, fields=fields),
                                   request.form.getlist("keep"))
    problems = []
    for upload in request.files.getlist("attachments"):
        if not upload.filename:
            continue
        name = clean_filename(upload.filename)
        try:
            state = outbox.forms.stage(
                user, state, name, clean_content_type(upload.mimetype, name), upload.stream
            )
        except OverflowError:
            problems.append(Problem(
                "attachments",
                f"“{name}” was not attached: with it the attachments would pass the "
                f"{services().settings.max_message_mb} MB a message may have.",
            ))
    outbox.forms.save(user, state)
    return state, problems


@bp.post("")
@login_required
def submit() -> Response | tuple[str, int]:
    """Send (``action=send``) or save a draft (``action=draft``)."""
    outbox, user = _outbox(), _user()
    action = request.form.get("action", SEND)
    form_id = request.form.get("form_id", "")
    if FORM_ID.fullmatch(form_id):  # a second click or a reload: show the first one's outcome
        record = outbox.ledger.record(user, form_id)
        if record is not None and record.state != UNCERTAIN:
            if record.state == SENDING:
                outbox.ledger.wait(user, form_id, services().settings.smtp_timeout * 2 + 5)
            return redirect(url_for("compose.sent", form_id=form_id), 303)
    state, problems = _posted_state(user)
    sender = outbox.sender(user, g.prefs.display_name)
    if sender is None:
        problems.append(Problem("from", gettext(
            "Your own address is not known, so nothing can be sent from it "
            "(sign in with your full address)."
        )))
        return _form(state, problems=tuple(problems), status=400)
    attachments = outbox.forms.attachments(user, state)
    letter, found = check_letter(
        state.fields, attachments, sender, state.threading, draft=action == DRAFT
    )
    if problems or letter is None:
        return _form(state, problems=(*problems, *found), status=400)
    if action == DRAFT:
        return _save_draft(state, letter)
    _, password, _ = user_credentials()
    try:
        outbox.send(
            user=user, password=password, form=state, letter=letter, zone=g.zone,
            mailbox=user_mailbox, again=request.form.get("send_again") == "1",
        )
    except AlreadySent as exc:
        if exc.record.state == UNCERTAIN:
            return _form(state, error=DeliveryUncertain.user_message, uncertain=True,
                         status=409)
        return redirect(url_for("compose.sent", form_id=state.form_id), 303)
    except SendError as exc:
        return _form(state, error=exc.user_message, uncertain=exc.delivered is None,
                     status=exc.status)
    if state.draft is not None:
        forget_opened(state.draft.folder, state.draft.uid)
    return redirect(url_for("compose.sent", form_id=state.form_id), 303)


def _save_draft(state: ComposeState, letter: Letter) -> Response | tuple[str, int]:
    try:
        saved = _outbox().save_draft(
            user=_user(), form=state, letter=letter, zone=g.zone, mailbox=user_mailbox
        )
    except AlreadySent:
        return redirect(url_for("compose.sent", form_id=state.form_id), 303)
    except SendError as exc:
        return _form(state, error=exc.user_message, status=exc.status)
    except MailboxError as exc:
        return _form(state, error=f"The draft was not saved: {exc.user_message}", status=502)
    if state.draft is not None:
        forget_opened(state.draft.folder, state.draft.uid)
    return _to_form(saved, saved=1)


@bp.get("/sent/<form_id>")
@login_required
def sent(form_id: str) -> tuple[str, int] | str:
    """What happened to a sent form: "Sent", to whom, who was refused, any notes."""
    if not FORM_ID.fullmatch(form_id):
        abort(404)
    record = _outbox().ledger.record(_user(), form_id)
    if record is None:
        abort(404)
    kept = _outbox().forms.load(_user(), form_id) is not None
    return render_template(
        "compose/sent.html", folders=_folders(), folder=None, record=record,
        form_id=form_id, can_write_again=kept, uncertain=record.state == UNCERTAIN,
    )
