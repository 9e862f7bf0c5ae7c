from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    from django.conf import settings

    return {
        "menu": menu_for(user),
        "current_url_name": getattr(request.resolver_match, "url_name", ""),
        "map_tile_url": settings.MAP_TILE_URL,
    }
