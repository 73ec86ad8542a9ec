"""The site's own navigation for base.html (pages, categories, years), as
`plnet.publishing.navigation` keeps it: cached, rebuilt when publishing changes what it lists."""

from django import template

from plnet.publishing import navigation

register = template.Library()


@register.simple_tag
def site_navigation() -> dict:
    """{"pages": [(title, url)], "categories": [(name, url)], "years": [(year, url)]}."""
    return navigation.site_navigation()
