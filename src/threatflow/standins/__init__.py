"""Local stand-ins for vendor APIs: small, real servers that check requests like the vendor.

They serve tests and the ``threatflow demo`` command, so a scenario runs end to end without
TheHive, Discord, Slack or a mail server::

    with thehive_standin() as hive, discord_standin() as discord:
        ...  # point the apps at hive.url / discord.webhook_url
        print(hive.requests)  # what they received; also GET <url>/_standin/requests

Each HTTP stand-in listens on 127.0.0.1 (a free port unless one is given), validates the
method, path, auth header and body fields, answers with the vendor's shapes and status codes,
and records every request. :meth:`StandIn.fail_next` queues canned answers (a 503, a 429)
to exercise retries.
"""

from __future__ import annotations

from threatflow.standins._server import Reply, Request, Service, StandIn
from threatflow.standins.discord import DiscordService
from threatflow.standins.slack import SlackService
from threatflow.standins.smtp import Security, SmtpStandIn
from threatflow.standins.thehive import TheHiveService

__all__ = [
    "DiscordStandIn",
    "Reply",
    "Request",
    "Service",
    "SlackStandIn",
    "SmtpStandIn",
    "StandIn",
    "TheHiveStandIn",
    "discord_standin",
    "slack_standin",
    "smtp_standin",
    "thehive_standin",
]


class TheHiveStandIn(StandIn):
    """TheHive 5 stand-in; :attr:`credentials` fits the ``thehive`` app."""

    service: TheHiveService

    @property
    def api_key(self) -> str:
        return self.service.api_key

    @property
    def credentials(self) -> dict[str, str]:
        return {
            "url": self.url,
            "api_key": self.service.api_key,
            "organisation": self.service.organisation,
        }


class DiscordStandIn(StandIn):
    """Discord webhook stand-in; post to :attr:`webhook_url`."""

    service: DiscordService

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/api/webhooks/{self.service.webhook_id}/{self.service.token}"

    def rate_limit(self, count: int = 1, retry_after: float = 0.05) -> None:
        """Answer the next ``count`` requests with Discord's 429."""
        self.fail_next(self.service.rate_limited(retry_after), count)


class SlackStandIn(StandIn):
    """Slack stand-in: incoming webhook at :attr:`webhook_url`, Web API at :attr:`api_url`."""

    service: SlackService

    @property
    def webhook_url(self) -> str:
        return self.url + self.service.webhook_path

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    @property
    def bot_token(self) -> str:
        return self.service.bot_token

    @property
    def credentials(self) -> dict[str, str]:
        return {
            "webhook_url": self.webhook_url,
            "bot_token": self.bot_token,
            "api_url": self.api_url,
        }

    def rate_limit(self, count: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``count`` requests with Slack's 429 ``ratelimited``."""
        self.fail_next(self.service.rate_limited(retry_after), count)


def thehive_standin(api_key: str = "demo-key", port: int = 0) -> TheHiveStandIn:
    """A TheHive 5 stand-in (not started: use ``with`` or ``.start()``)."""
    return TheHiveStandIn(TheHiveService(api_key=api_key), port=port)


def discord_standin(port: int = 0) -> DiscordStandIn:
    """A Discord webhook stand-in (not started: use ``with`` or ``.start()``)."""
    return DiscordStandIn(DiscordService(), port=port)


def slack_standin(port: int = 0) -> SlackStandIn:
    """A Slack stand-in (not started: use ``with`` or ``.start()``)."""
    return SlackStandIn(SlackService(), port=port)


def smtp_standin(
    port: int = 0,
    *,
    security: Security = "none",
    username: str | None = None,
    password: str | None = None,
) -> SmtpStandIn:
    """An SMTP stand-in recording messages (not started: use ``with`` or ``.start()``)."""
    if security not in ("none", "starttls", "tls"):
        raise ValueError(f"security must be none, starttls or tls, not {security!r}")
    return SmtpStandIn(security=security, username=username, password=password, port=port)
