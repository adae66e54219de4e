"""Fixtures that start the local vendor stand-ins (real servers on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from threatflow import standins
from threatflow.standins import DiscordStandIn, SlackStandIn, SmtpStandIn, TheHiveStandIn


@pytest.fixture
def thehive_standin() -> Iterator[TheHiveStandIn]:
    """A running TheHive 5 stand-in; its ``credentials`` fit the ``thehive`` app."""
    with standins.thehive_standin(api_key="test-key") as standin:
        yield standin


@pytest.fixture
def discord_standin() -> Iterator[DiscordStandIn]:
    """A running Discord webhook stand-in; post to ``webhook_url``."""
    with standins.discord_standin() as standin:
        yield standin


@pytest.fixture
def slack_standin() -> Iterator[SlackStandIn]:
    """A running Slack stand-in (incoming webhook and Web API)."""
    with standins.slack_standin() as standin:
        yield standin


@pytest.fixture
def smtp_standin() -> Iterator[SmtpStandIn]:
    """A running plain SMTP stand-in that requires login as ``alerts`` / ``s3cret``."""
    with standins.smtp_standin(username="alerts", password="s3cret") as standin:
        yield standin
