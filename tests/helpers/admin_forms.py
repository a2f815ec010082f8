"""Posting a Django admin change form as a browser would: the page's own values (main form,
every inline formset and its management form), with the test's changes on top."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Model


def _serialise(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, datetime):
        return [value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")]
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [str(getattr(v, "pk", v)) for v in value]
    return str(value)


def _add_form(data: dict, form) -> None:
    for name in form.fields:
        value = _serialise(form[name].value())
        key = form.add_prefix(name)
        if value is None:
            continue
        if isinstance(value, list) and len(value) == 2 and (
                form.fields[name].__class__.__name__ == "SplitDateTimeField"):
            data[key + "_0"], data[key + "_1"] = value
        else:
            data[key] = value


def change_form_data(response) -> dict:
    """The POST body the change (or add) page `response` would send unchanged."""
    data: dict = {}
    _add_form(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _add_form(data, formset.management_form)
        for form in formset.forms:
            _add_form(data, form)
    return data


def inline_prefixes(response) -> list[str]:
    return [inline.formset.prefix for inline in response.context["inline_admin_formsets"]]


def add_inline_row(data: dict, prefix: str, values: dict) -> dict:
    """Append one new row to the inline `prefix` (its TOTAL_FORMS grows by one)."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = value
    return data
