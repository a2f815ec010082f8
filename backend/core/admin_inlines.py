"""Admin inlines and pickers that follow Linli's roles instead of Django model permissions.

Coordinators hold no Django model permissions: their parent admins check Linli's roles, and
an inline left on Django's defaults is silently hidden from them. An inline built on
`RoleScopedInlineMixin` asks the same question as its parent: `parent_allowed(user, parent)`,
which each app answers with a rule from its own permissions.py.
"""

from __future__ import annotations

from backend.accounts import permissions as accounts


def _active(request) -> bool:
    user = request.user
    return user.is_authenticated and user.is_active


class RoleScopedInlineMixin:
    """Visible and editable where `parent_allowed` says so; `read_only` inlines (a timeline)
    are shown, never changed. On an add page (no parent yet) `add_allowed` decides; the
    parent's own save re-checks the unit."""

    read_only = False

    def parent_allowed(self, user, parent) -> bool:
        raise NotImplementedError

    def add_allowed(self, user) -> bool:
        return accounts.is_coordinator(user)

    def _allowed(self, request, obj) -> bool:
        if not _active(request):
            return False
        if request.user.is_superuser:
            return True
        if obj is None:
            return self.add_allowed(request.user)
        return self.parent_allowed(request.user, obj)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self.read_only and self._allowed(request, obj)

    def has_add_permission(self, request, obj=None):
        return not self.read_only and self._allowed(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self.read_only and self.can_delete and self._allowed(request, obj)


def is_autocomplete(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "autocomplete"


class ScopedAutocompleteMixin:
    """For the admins of the models pickers point at (users, communities): a coordinator may
    search them from an `autocomplete_fields` picker — and only there — and finds only rows
    of her own units (`autocomplete_filter`). Never a list of every user."""

    def autocomplete_filter(self, request):
        raise NotImplementedError

    def has_view_permission(self, request, obj=None):
        if (obj is None and is_autocomplete(request) and _active(request)
                and accounts.is_coordinator(request.user)):
            return True
        return super().has_view_permission(request, obj)

    def get_search_results(self, request, queryset, search_term):
        if is_autocomplete(request) and not request.user.is_superuser:
            queryset = queryset.filter(self.autocomplete_filter(request))
        return super().get_search_results(request, queryset, search_term)

