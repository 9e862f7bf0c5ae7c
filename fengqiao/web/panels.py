"""The panels of each role's home page. Later apps register theirs (queues, clocks, charts)."""

from collections.abc import Callable
from dataclasses import dataclass

from fengqiao.accounts.roles import Role


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    roles: frozenset[str]
    order: int = 100
    context: Callable | None = None  # user -> dict merged into the home page's context


_PANELS: list[Panel] = [
    Panel("我的辖区", "web/panels/region.html", frozenset(Role) - {Role.CITIZEN}, order=90),
]


def register(panel: Panel) -> None:
    _PANELS.append(panel)
    _PANELS.sort(key=lambda entry: entry.order)


def for_role(user) -> list[Panel]:
    return [panel for panel in _PANELS if user.is_superuser or user.role in panel.roles]
