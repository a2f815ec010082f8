"""Template filters for the phone pages: times as people say them, page ids."""

from django import template

from backend.core import formatting
from backend.core.links import node_id
from backend.core.masking import mask_personal_data_in_text

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


@register.filter
def masked_text(text):
    """Free text someone else wrote (a job's note, a booking's note or address), with any
    phone or ID number masked: for the volunteer's and tutor's pages, whose readers are
    neither its writer nor the unit's coordinators."""
    return mask_personal_data_in_text(text)
