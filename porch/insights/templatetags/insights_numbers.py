"""Template filters for the insights pages: counts with thousands separators."""

from django import template

from porch.insights.formats import count

register = template.Library()


@register.filter(name="count")
def count_filter(value: float | int | None) -> str:
    """1234 as "1,234", 0.5 as "0.5"; nothing for None."""
    return "" if value is None else count(value)
