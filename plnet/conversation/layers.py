"""The spam layers and the moderation rule, each giving a `Verdict` or abstaining (None).

In the order `services.place_incoming` asks them:
1. form checks (`form_checks`): the honeypot field and the minimum time between page and submit;
2. rules (`rules`): disallowed words, per-IP rate limit, maximum number of links;
3. the statistical classifier (`classifier_verdict`), when a trained model exists;
4. Akismet (`akismet_verdict`), when PLNET_AKISMET_KEY is set;
then the moderation rule (`moderation_rule`) for what no layer stopped.
For a known author (an approved comment, or a signed-in member) layers 3 and 4 only advise: their
spam holds and their held does not hold (`for_known_author`).

The classifier's model is stored in the database (`SpamModel`); `current_filter()` keeps the
newest one in memory per process and reloads it when a newer row appears.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from plnet.protocols.spam import APPROVED, HELD, SPAM, CommentText, count_links, plain_text

from . import akismet
from .classifier import SpamFilter
from .models import Comment, CommentSettings, SpamModel


@dataclass(frozen=True)
class Verdict:
    """A layer's decision: outcome spam/held/approved, the layer's name, a reason for people."""

    outcome: str
    layer: str
    reason: str
    score: float | None = None


def form_checks(request_meta: dict, rules: CommentSettings, comment: Comment) -> Verdict | None:
    """Layer 1: a filled honeypot, or a form sent sooner than rules.min_seconds, is spam.

    request_meta["honeypot"] is what the hidden field held; request_meta["form_seconds"] the
    seconds between page load and submit. A form submission always carries the key: None there
    means the signed `loaded` field was missing or malformed, which fails the timing check as a
    too-fast form does (except for a signed-in member, whose session already vouches). Linkbacks
    and the moderator's replies carry no key and skip the timing check.
    """
    if request_meta.get("honeypot"):
        return Verdict(SPAM, "form", "the hidden honeypot field was filled in")
    if "form_seconds" not in request_meta or not rules.min_seconds:
        return None
    seconds = request_meta["form_seconds"]
    if seconds is None and not comment.user_id:
        return Verdict(SPAM, "form", "the form's load time was missing or malformed")
    if seconds is not None and seconds < rules.min_seconds:
        return Verdict(SPAM, "form", f"sent {seconds:.1f} s after the page loaded")
    return None


def rules_check(comment: Comment, rules: CommentSettings) -> Verdict | None:
    """Layer 2: a disallowed word (in text, name, email, URL, IP or user agent; whole words, see
    `CommentSettings.disallowed_in`) is spam; over the per-IP hourly rate
    (rules.rate_limit_per_hour; unknown authors only, see `_over_rate`), or at max_links links or
    more, the comment is held."""
    haystack = " ".join(
        [
            plain_text(comment.raw_content or comment.content),
            comment.author_name,
            comment.author_email,
            comment.author_url,
            comment.author_ip or "",
            comment.user_agent,
        ]
    )
    word = rules.disallowed_in(haystack)
    if word is not None:
        return Verdict(SPAM, "rules", f"contains the disallowed word {word!r}")
    if _over_rate(comment, rules):
        return Verdict(HELD, "rules", f"more than {rules.rate_limit_per_hour} in an hour")
    links = count_links(comment.raw_content or comment.content)
    if rules.max_links and links >= rules.max_links:
        return Verdict(HELD, "rules", f"{links} links (limit {rules.max_links})")
    return None


def _over_rate(comment: Comment, rules: CommentSettings) -> bool:
    """True when an unknown author's IP already sent rules.rate_limit_per_hour comments in the
    last hour. Signed-in members and authors with an approved comment are never counted out:
    many real people share one IP (a school, an office), and those are known to be people."""
    if not rules.rate_limit_per_hour or not comment.author_ip or comment.user_id:
        return False
    since = timezone.now() - dt.timedelta(hours=1)
    recent = Comment.objects.filter(author_ip=comment.author_ip, created_at__gte=since)
    if comment.pk:  # a stored comment moderated again does not count against itself
        recent = recent.exclude(pk=comment.pk)
    return recent.count() >= rules.rate_limit_per_hour and not _is_known(comment)


_cache_lock = threading.Lock()
_cache: dict[str, object] = {"id": None, "filter": None}


def current_filter() -> SpamFilter | None:
    """The newest stored SpamFilter, or None when none was trained yet.

    One cheap query per call finds the newest id; the model is unpickled only when it changed.
    """
    newest = SpamModel.objects.order_by("-id").values_list("id", flat=True).first()
    with _cache_lock:
        if newest != _cache["id"]:
            blob = SpamModel.objects.filter(id=newest).values_list("blob", flat=True).first()
            _cache["filter"] = SpamFilter.loads(bytes(blob)) if blob is not None else None
            _cache["id"] = newest
        return _cache["filter"]  # type: ignore[return-value]


def post_context(post) -> tuple[tuple[str, ...], str]:
    """(post_urls, post_title) of a post for `CommentText`: its absolute permalink and the old
    WordPress addresses that lead to it (`LegacyURL`, on this site's host), and its title."""
    base = settings.SITE_URL.rstrip("/")
    paths = [post.get_absolute_url(), *(legacy.path for legacy in post.legacy_urls.all())]
    return tuple(base + path for path in paths), post.title


def comment_text(
    comment: Comment, context: tuple[tuple[str, ...], str] | None = None
) -> CommentText:
    """What the classifier reads of a comment: its text, author fields and the post it answers
    (`post_context`, computed here unless the caller passes it, e.g. once per post)."""
    post_urls, post_title = context if context is not None else post_context(comment.post)
    return CommentText(
        content=comment.raw_content or comment.content,
        author_name=comment.author_name,
        author_email=comment.author_email,
        author_url=comment.author_url,
        post_urls=post_urls,
        post_title=post_title,
    )


def classifier_verdict(comment: Comment) -> Verdict | None:
    """Layer 3: the trained classifier's verdict with its spam probability; None (abstain)
    while no model exists. Its spam is only held while the site has taught it too little
    (`site_untaught`)."""
    spam_filter = current_filter()
    if spam_filter is None:
        return None
    outcome, score = spam_filter.classify(comment_text(comment))
    t = spam_filter.thresholds
    reasons = {
        SPAM: f"spam probability {score:.2f} above {t.t_high:.2f}",
        HELD: f"spam probability {score:.2f} between {t.t_low:.2f} and {t.t_high:.2f}",
        APPROVED: f"spam probability {score:.2f} below {t.t_low:.2f}",
    }
    if outcome == SPAM and (untaught := site_untaught()):
        return Verdict(HELD, "classifier", f"{reasons[SPAM]} — held, not spam: {untaught}", score)
    return Verdict(outcome, "classifier", reasons[outcome], score)


def site_untaught() -> str | None:
    """Why the classifier may not yet send a comment to spam on its own, or None when it may.

    A model trained mostly on imported examples (`plnet spam train --csv`, e.g. YouTube comments)
    learned another site's spam, and a real person's first comment with one ordinary link can
    look like it. A comment in spam is lost words: nobody is mailed, nobody looks. So until the
    site's own judged comments (spam and approved, the "site" examples of
    `training.site_examples`) number PLNET_SPAM_SITE_EXAMPLES_MIN of each, its spam verdict is
    held for moderation instead (the owner is mailed as for any held comment) — Akismet's
    verdict and the owner's own rules are unaffected. 50 of each is a few weeks of moderation
    on a small blog and enough for the site's examples to weigh in training; 0 turns this off.
    """
    minimum = settings.PLNET.spam_site_examples_min
    if minimum <= 0:
        return None
    counts = Comment.objects.judged().aggregate(
        spam=Count("pk", filter=Q(state=Comment.State.SPAM)),
        ham=Count("pk", filter=Q(state=Comment.State.APPROVED)),
    )
    if counts["spam"] >= minimum and counts["ham"] >= minimum:
        return None
    return (
        f"the classifier has learned from {counts['spam']} spam and {counts['ham']} approved"
        f" comments of this site (fewer than {minimum} of each)"
    )


def akismet_verdict(comment: Comment, request_meta: dict) -> Verdict | None:
    """Layer 4: Akismet's answer when a key is set; held when Akismet cannot answer."""
    if not akismet.is_enabled():
        return None
    try:
        is_spam = akismet.check(comment, request_meta)
    except akismet.AkismetUnavailable as exc:
        return Verdict(HELD, "akismet", f"Akismet did not answer ({exc}); held to be safe")
    if is_spam:
        return Verdict(SPAM, "akismet", "Akismet says spam")
    return Verdict(APPROVED, "akismet", "Akismet says ham")


# The statistical layers: they guess from the words, so for a known author they only advise.
STATISTICAL = frozenset({"classifier", "akismet"})


def for_known_author(verdict: Verdict, comment: Comment, rules: CommentSettings) -> Verdict | None:
    """The classifier's or Akismet's verdict as it applies to this comment's author.

    Issue 3's rule publishes an author with an approved comment (same email) at once; a signed-in
    member is known too. For them a statistical guess never outweighs what the owner already
    judged: its spam becomes held (the reason says so: "… — held, not spam: known author") and
    its held is dropped (None; the moderation rule decides, see `services._verdict`). Akismet
    is treated alike (in WordPress its spam would win over "comment author must have a
    previously approved comment"; here it can at most send a known author's comment to the
    queue, where the owner is mailed). Other layers' verdicts (the form checks, the owner's own rules)
    and the statistical layers' verdicts on unknown authors are returned as they are, and so is
    every verdict when the owner turned off "publish known authors at once".
    """
    if verdict.layer not in STATISTICAL or verdict.outcome == APPROVED:
        return verdict
    if not rules.approve_known_authors:
        return verdict
    if not is_known_author(comment):
        return verdict
    if verdict.outcome == SPAM:
        reason = f"{verdict.reason} — held, not spam: known author"
        return Verdict(HELD, verdict.layer, reason, verdict.score)
    return None


def is_known_author(comment: Comment) -> bool:
    """A signed-in member, or an author with an approved comment (same email or same member)."""
    return comment.user_id is not None or _is_known(comment)


def is_trusted(comment: Comment) -> bool:
    """A comment by a staff member or by the post's own author skips the spam layers."""
    user = comment.user
    return bool(user and (user.is_staff or user.pk == comment.post.author_id))


def moderation_rule(comment: Comment, rules: CommentSettings) -> Verdict:
    """The owner's default rule for a comment no layer stopped: hold all; else publish an author
    with an approved comment (same email, or same member); else hold a first comment."""
    if rules.hold_all:
        return Verdict(HELD, "moderation", "every comment is held (site setting)")
    if rules.approve_known_authors and _is_known(comment):
        return Verdict(APPROVED, "moderation", "the author has an approved comment")
    if rules.hold_first_comment:
        return Verdict(HELD, "moderation", "first comment from this author")
    return Verdict(APPROVED, "moderation", "no rule held it")


def _is_known(comment: Comment) -> bool:
    query = Q()
    if comment.author_email.strip():
        query |= Q(author_email__iexact=comment.author_email.strip())
    if comment.user_id:
        query |= Q(user_id=comment.user_id)
    if not query:
        return False
    return Comment.objects.approved().filter(query).exclude(pk=comment.pk).exists()
