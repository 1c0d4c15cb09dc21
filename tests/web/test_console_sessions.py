"""Console sessions and production logins (issue 16, items 5 and 9)."""

from __future__ import annotations

from core.staff.accounts import authenticate


def test_production_refuses_a_demo_account_with_its_published_password(
    db_session, factories, settings
):
    factories.staff("admin", password="vetbot-admin")
    production = settings.with_overrides(env="production")
    assert authenticate(db_session, production, "admin", "vetbot-admin", "192.0.2.1") is None
    assert authenticate(db_session, settings, "admin", "vetbot-admin", "192.0.2.2") is not None
