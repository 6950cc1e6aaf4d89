"""What cccadmin says of a CCC error, by its code or kind: on the page a failed read stops, in
an action's outcome (why numbers were not done), and in the audit trail; and of an action whose
process stopped before it could say. These words are written here only; CCC's own Message is
quoted as its words (`portal.alerts.ccc_words`)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

import ccc

from .alerts import ccc_words
from .text import grouped, join_sentences

# What the client says itself when CCC gave no answer of its own: not CCC's words.
_OWN_ERRORS = {
    "Timeout": gettext_lazy("CCC did not answer in time."),
    "ConnectionError": gettext_lazy("CCC could not be reached."),
    "InvalidResponse": gettext_lazy("CCC's answer could not be read."),
    "WriteBudgetExhausted": gettext_lazy("The action ran out of time before these were sent."),
}


def own_error(code: str) -> str:
    """The sentence for an error the client reports itself (no answer from CCC, or none it
    could read), "" for CCC's own codes, whose Message says it."""
    return str(_OWN_ERRORS.get(code, ""))


def why_not_done(code: str, message: str, instance_id: str) -> str:
    """Why numbers were not changed, from CCC's first error: a clause that ends a sentence."""
    if code.startswith("Throttling"):
        return _("CCC is throttling requests")
    if code == "WriteBudgetExhausted":
        return _("the action ran out of time before they could be sent")
    if code == "NotExists.Number":
        return _("CCC does not know them in instance %(instance)s") % {"instance": instance_id}
    if code in ("NotExists.SkillGroupId", "NotExists.InstanceId"):
        return _("CCC no longer knows this skill group")
    if code == "Parameter.Invalid":
        return _("CCC refused them (“%(message)s”)") % {"message": message}
    if code == "Timeout":
        return _("CCC did not answer in time")
    if code == "ConnectionError":
        return _("CCC could not be reached")
    if code == "InvalidResponse":
        return _("CCC's answer could not be read")
    if code in ("ServiceUnavailable", "InternalError") or code.startswith("Service"):
        return _("CCC answered with a server error")
    return _("CCC refused the request (%(code)s)") % {"code": code or "?"}


def stopped_midway(count: int) -> str:
    """What is said of an action whose process stopped (a worker killed mid-action) before it
    recorded the outcome of its `count` numbers: no answer of CCC's, nor a listing, says why."""
    return ngettext(
        "The server stopped during this action; the outcome of %(count)s number is unknown.",
        "The server stopped during this action; the outcome of %(count)s numbers is unknown.",
        count,
    ) % {"count": grouped(count)}


# A RAM policy's refusals: the credentials are valid, the action is not allowed.
_NOT_ALLOWED = ("Forbidden", "NoPermission")


def error_page(error: ccc.CccError, ids: Mapping[str, str]) -> tuple[int, str, str]:
    """HTTP status, headline and advice for a CCC error that stopped a page (`ids`: the
    page's instance_id and skill_group_id); nothing an attacker could use."""
    retried = (
        ngettext(
            "It was tried %(attempts)d time.", "It was tried %(attempts)d times.", error.attempts
        )
        % {"attempts": error.attempts}
        if error.attempts > 1
        else ""
    )
    if isinstance(error, ccc.NotFoundError):
        if error.code == "NotExists.InstanceId":
            title = _("Instance “%(instance)s” was not found.") % {
                "instance": ids.get("instance_id", "")
            }
        elif error.code == "NotExists.SkillGroupId":
            title = _("Skill group “%(group)s” was not found in instance “%(instance)s”.") % {
                "group": ids.get("skill_group_id", ""),
                "instance": ids.get("instance_id", ""),
            }
        else:
            title = _("What you asked for was not found.")
        return 404, title, _("Check the link, or go back and pick it from the list.")
    if isinstance(error, ccc.ThrottlingError):
        return (
            503,
            _("The contact center is busy (requests are being throttled)."),
            join_sentences([retried, _("Wait a few seconds and try again.")]),
        )
    if isinstance(error, ccc.UnavailableError):
        if error.code == "Timeout":
            title = _("The contact center did not answer in time.")
            status = 504
        else:
            title = _("The contact center service is unavailable.")
            status = 502
        return (
            status,
            title,
            join_sentences([retried, _("Try again in a moment; if it persists, tell your admin.")]),
        )
    if error.action and error.code.startswith(_NOT_ALLOWED):
        return (
            403,
            _("This server's CCC AccessKey is not allowed to call %(action)s.")
            % {"action": error.action},
            _(
                "Its RAM policy needs the permission %(permission)s for this page; the pages "
                "that do not need it work as before. Ask an administrator to grant it."
            )
            % {"permission": f"ccc:{error.action}"},
        )
    if isinstance(error, ccc.AuthenticationError):
        return (
            502,
            _("This server's CCC credentials need attention."),
            _(
                "The contact center refused them. An administrator needs to check the AccessKey "
                "configuration of cccadmin."
            ),
        )
    # CCC's own Message stays in its words (English), under our headline.
    said = ccc_words(error.message) if error.message else ""
    if isinstance(error, ccc.InvalidParameterError):
        return 400, _("The request is not valid."), said
    return 502, _("The contact center answered with an error."), said
