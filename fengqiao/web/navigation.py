"""Which menu entries each role sees. Later apps add theirs with `register`."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from fengqiao.accounts.roles import Role


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 100

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


ALL_STAFF = frozenset(Role) - {Role.CITIZEN}
_MENU: list[MenuItem] = [
    MenuItem("工作台", "home", ALL_STAFF, order=0),
    MenuItem("区划网格", "region-browser", ALL_STAFF, order=80),
]


def register(item: MenuItem) -> None:
    _MENU.append(item)
    _MENU.sort(key=lambda entry: entry.order)


def menu_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    items = []
    for item in _MENU:
        if user.is_superuser or user.role in item.roles:
            url = item.url()
            if url:
                items.append({"label": item.label, "url": url, "name": item.url_name})
    if user.is_staff:
        items.append({"label": "系统管理", "url": reverse("admin:index"), "name": "admin"})
    return items
