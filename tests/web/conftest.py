"""Fixtures shared by the tests of the `vetbot` command."""

from __future__ import annotations

import pytest
from click.testing import CliRunner


@pytest.fixture
def runner(cli_env: None) -> CliRunner:
    return CliRunner()
