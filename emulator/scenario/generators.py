"""Named, seeded record generators for ``put`` steps.

A generator keeps its state between steps of one run, so a later step can
continue a sequence (an event about a message delivered earlier). Times in
the records come from the emulator clock passed to ``records``, never from
the system clock, so a fixed seed and start time give the same bytes on
every run.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import deque
from datetime import datetime, timezone
from typing import Any

__all__ = ["GENERATORS", "GeneratorOptionError", "VascularEvents", "make_generator"]


class GeneratorOptionError(ValueError):
    """An invalid generator option: ``field`` names it and ``fix`` gives the remedy."""

    def __init__(self, field: str, problem: str, fix: str):
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(f"{field}: {problem}. Fix: {fix}")


class VascularEvents:
    """Inbox interaction events of the Vascular platform, one JSON line each.

    Four event types are produced: Delivered, Opened, Read and Deleted. An
    Opened, Read or Deleted event refers to a message delivered earlier in
    the same run (same messageId, userId and inboxId), and a Deleted message
    gets no further events. Each line is about 200 bytes.

    Options: ``mix`` (weight of each event type, by default Delivered 40,
    Opened 25, Read 25, Deleted 10) and ``users`` (how many distinct users,
    200 by default).
    """

    EVENT_TYPES = ("Delivered", "Opened", "Read", "Deleted")
    DEFAULT_MIX = {"Delivered": 40, "Opened": 25, "Read": 25, "Deleted": 10}
    CHANNELS = ("push", "email", "in-app")
    PLATFORMS = ("ios", "android", "web")
    APP_VERSIONS = ("7.2.4", "7.3.0", "7.3.1")
    # Messages that later events may refer to. Older ones are forgotten.
    MAX_OPEN_MESSAGES = 5000

    def __init__(self, seed: int, options: dict[str, Any]):
        self._mix = self._check_mix(options.get("mix", self.DEFAULT_MIX))
        self._users = self._check_users(options.get("users", 200))
        unknown = sorted(set(options) - {"mix", "users"})
        if unknown:
            raise GeneratorOptionError(
                unknown[0],
                f"unknown option {unknown[0]!r} of generator 'vascular-events'",
                "use mix (weights by event type) or users (a whole number)",
            )
        self._rng = random.Random(seed)
        self._open: deque[dict[str, str]] = deque(maxlen=self.MAX_OPEN_MESSAGES)
        self._last_occurred = float("-inf")

    @classmethod
    def _check_mix(cls, mix: Any) -> dict[str, float]:
        fix = (
            "give weights by event type, such as "
            "mix: {Delivered: 40, Opened: 25, Read: 25, Deleted: 10}"
        )
        if not isinstance(mix, dict) or not mix:
            raise GeneratorOptionError("mix", f"invalid value {mix!r}", fix)
        for name, weight in mix.items():
            if name not in cls.EVENT_TYPES:
                raise GeneratorOptionError(
                    f"mix.{name}",
                    f"unknown event type {name!r}",
                    f"use {', '.join(cls.EVENT_TYPES)}",
                )
            if (
                isinstance(weight, bool)
                or not isinstance(weight, (int, float))
                or weight < 0
            ):
                raise GeneratorOptionError(
                    f"mix.{name}", f"invalid weight {weight!r}", fix
                )
        if not mix.get("Delivered"):
            raise GeneratorOptionError(
                "mix.Delivered",
                "the weight of Delivered must be above 0, "
                "because the other events refer to delivered messages",
                "give Delivered a positive weight",
            )
        return {name: float(mix.get(name, 0)) for name in cls.EVENT_TYPES}

    @staticmethod
    def _check_users(users: Any) -> int:
        if isinstance(users, bool) or not isinstance(users, int) or users < 1:
            raise GeneratorOptionError(
                "users",
                f"invalid value {users!r}",
                "give a whole number of 1 or more, such as users: 200",
            )
        return users

    def records(self, count: int, now: float) -> list[bytes]:
        """Return ``count`` events, one JSON line each, that occurred at or just before ``now``."""
        return [self._event(now) for _ in range(count)]

    def _event(self, now: float) -> bytes:
        event_type = self._rng.choices(
            self.EVENT_TYPES, weights=list(self._mix.values())
        )[0]
        if event_type == "Delivered" or not self._open:
            message = self._new_message()
            event_type = "Delivered"
        else:
            message = self._open[self._rng.randrange(len(self._open))]
            if event_type == "Deleted":
                self._open.remove(message)
        # An event reaches the producer up to a second after it happens, and
        # events are produced in the order they happened.
        occurred = max(self._last_occurred, now - self._rng.randrange(0, 1000) / 1000)
        self._last_occurred = occurred
        stamp = datetime.fromtimestamp(occurred, tz=timezone.utc)
        event = {
            "messageId": message["messageId"],
            "userId": message["userId"],
            "inboxId": message["inboxId"],
            "eventType": event_type,
            "occurredAt": stamp.strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{stamp.microsecond // 1000:03d}Z",
            "channel": message["channel"],
            "platform": self._rng.choice(self.PLATFORMS),
            "appVersion": self._rng.choice(self.APP_VERSIONS),
        }
        return (json.dumps(event, separators=(",", ":")) + "\n").encode()

    def _new_message(self) -> dict[str, str]:
        user = self._rng.randrange(1, self._users + 1)
        message = {
            "messageId": str(uuid.UUID(int=self._rng.getrandbits(128), version=4)),
            "userId": f"user-{user:05d}",
            "inboxId": f"inbox-{user:05d}-primary",
            "channel": self._rng.choice(self.CHANNELS),
        }
        self._open.append(message)
        return message


GENERATORS: dict[str, type] = {"vascular-events": VascularEvents}


def make_generator(name: str, seed: int, options: dict[str, Any]) -> Any:
    """Create the generator ``name``, or raise ``KeyError`` if none has that name."""
    return GENERATORS[name](seed, options)
