"""What the volunteer pages share: the signed-in person's roster entry, or a page saying
she is not on the roster."""

from __future__ import annotations

from volunteers import selectors

from ..common import render_page


def my_volunteer(request):
    """The signed-in person's roster entry (with skills, credentials, availability and
    certificates prefetched), or None."""
    return selectors.volunteer_for_user(request.user)


def not_a_volunteer(request):
    return render_page(request, "pages/volunteers/not_volunteer.html")
