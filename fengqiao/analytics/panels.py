"""The home page panel: the warnings waiting for the user."""

from .models import Warning
from .selectors import visible_warnings


def warnings_panel(user) -> dict:
    waiting = visible_warnings(user).exclude(state=Warning.State.CLOSED)
    return {
        "analytics_open": waiting.filter(state=Warning.State.OPEN).count(),
        "analytics_waiting": list(waiting.select_related("region")[:5]),
    }
