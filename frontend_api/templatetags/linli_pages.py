"""Template filters for the phone pages: times as people say them, page ids."""

from django import template

from backend.core import formatting
from backend.core.links import node_id

register = template.Library()


@register.filter
def when(value):
    """明天下午2点."""
    return formatting.when_zh(value) if value else ""


@register.filter
def when_until(start, end):
    """明天下午2点到4点: `{{ session.starts_at|when_until:session.ends_at }}`."""
    return formatting.when_range_zh(start, end) if start and end else ""


@register.filter
def gid(pk, type_name):
    """The Relay global id in a page path: `{% url 'page-learn' id=e.pk|gid:'Enrollment' %}`."""
    return node_id(type_name, pk)
