from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    from django.conf import settings

    unread = 0
    if user.is_authenticated:
        from fengqiao.notices.actions import unread_count

        unread = unread_count(user)
    return {
        "unread_notices": unread,
        "menu": menu_for(user),
        "current_url_name": getattr(request.resolver_match, "url_name", ""),
        "map_tile_url": settings.MAP_TILE_URL,
    }
