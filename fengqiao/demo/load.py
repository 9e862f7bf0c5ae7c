"""Everything `fengqiao loaddemo` puts in the database, in order, each step skipped when done."""

from collections.abc import Callable

from .accounts import DEFAULT_PASSWORD, create_demo_accounts, create_demo_units

# Later apps add their demo data here from their AppConfig.ready(): (label, fn(history: bool) -> str).
# Each step runs after regions, units, accounts (and the case history, when asked for), must be
# idempotent, and returns one line saying what it created or that it was already present.
_STEPS: list[tuple[str, Callable[[bool], str]]] = []


def register_step(label: str, step: Callable[[bool], str]) -> None:
    if all(existing != label for existing, _ in _STEPS):
        _STEPS.append((label, step))


def load_demo(password: str = DEFAULT_PASSWORD, stdout=None, history: bool = False) -> list:
    """Regions, units and accounts; with `history`, also a year of cases up to today
    (`demo.history`), which takes about half a minute the first time."""
    from fengqiao.regions.demo import create_demo_regions

    def say(message):
        if stdout is not None:
            stdout.write(message)

    created = create_demo_regions()
    say(f"regions: {created} created" if created else "regions: already present")
    created = create_demo_units()
    say(f"units: {created} created" if created else "units: already present")
    accounts = create_demo_accounts(password)
    say(f"accounts: {len(accounts)} ready")
    if history:
        from .history import create_demo_history

        if not create_demo_history(stdout=stdout):
            say("history: already present")
    for label, step in _STEPS:
        say(f"{label}: {step(history)}")
    return accounts
