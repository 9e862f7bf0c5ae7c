"""Everything `fengqiao loaddemo` puts in the database, in order, each step skipped when done."""

from .accounts import DEFAULT_PASSWORD, create_demo_accounts, create_demo_units


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
    return accounts
