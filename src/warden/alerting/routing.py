"""Routing and grouping: which receiver hears about which alerts, together, and when.

Routes are tried in order; the first that matches wins unless it says ``continue: true``.
Alerts of one route with the same ``group_by`` labels form a group; a new group waits
``group_wait`` before its first notification, then changes are sent at most every
``group_interval``, and a group that keeps firing is repeated every ``repeat_interval``.
When an alert of a notified group resolves, the next notification carries it as resolved.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from warden.alerting.config import RouteConfig
from warden.alerting.matchers import Matcher, match_all, parse_all
from warden.alerting.model import Alert, AlertState
from warden.alerting.muting import Muting, suppressed_dependents
from warden.alerting.storage import GroupState, OutgoingNotification
from warden.notify.payload import webhook_payload


@dataclass(frozen=True, slots=True)
class Route:
    index: int
    config: RouteConfig
    matchers: tuple[Matcher, ...]
    ident: str = ""

    @classmethod
    def build(cls, routes: Sequence[RouteConfig]) -> list[Route]:
        """Routes with an identity taken from what they are, not where they stand, so adding
        or moving a route renames no group (and re-sends nothing) on a reload."""
        out: list[Route] = []
        seen: dict[str, int] = {}
        for i, r in enumerate(routes):
            matchers = tuple(parse_all(r.matchers))
            body = ",".join(sorted(str(m) for m in matchers))
            ident = f"{r.receiver}/{{{body}}}/by:{','.join(sorted(r.group_by))}"
            seen[ident] = seen.get(ident, 0) + 1
            if seen[ident] > 1:  # the same route written twice: number the repeats
                ident += f"#{seen[ident]}"
            out.append(Route(i, r, matchers, ident))
        return out

    def group_labels(self, alert: Alert) -> dict[str, str]:
        return {k: alert.labels.get(k, "") for k in self.config.group_by}

    def group_key(self, alert: Alert) -> str:
        inner = ",".join(f'{k}="{v}"' for k, v in sorted(self.group_labels(alert).items()))
        return f"{self.ident}:{{{inner}}}"


_LEGACY_KEY = re.compile(r"^route(\d+)/(.*)$", re.DOTALL)


def renamed_legacy_groups(
    routes: Sequence[Route], groups: Mapping[str, GroupState]
) -> dict[str, GroupState]:
    """Groups stored under the old position-based keys (``route0/ops:{...}``), by their old
    key, with the key of the same route now; so an upgrade does not re-notify every group."""
    out = {}
    for key, state in groups.items():
        m = _LEGACY_KEY.match(key)
        if m is None or int(m.group(1)) >= len(routes):
            continue
        route = routes[int(m.group(1))]
        prefix = f"{route.config.receiver}:"
        if not m.group(2).startswith(prefix):
            continue
        new_key = f"{route.ident}:{m.group(2)[len(prefix) :]}"
        if new_key not in groups:
            out[key] = replace(state, group_key=new_key)
    return out


def matching_routes(routes: Sequence[Route], labels: Mapping[str, str]) -> list[Route]:
    out = []
    for r in routes:
        if match_all(r.matchers, labels):
            out.append(r)
            if not r.config.continue_:
                break
    return out


@dataclass(frozen=True, slots=True)
class GroupCommit:
    """What to persist for one group: its new state (None deletes it) and what to send."""

    key: str
    state: GroupState | None
    outgoing: list[OutgoingNotification] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


@dataclass
class _Members:
    route: Route
    labels: dict[str, str]
    firing: dict[str, Alert] = field(default_factory=dict)
    other: dict[str, Alert] = field(default_factory=dict)


def _dedup_key(
    key: str, channel: str, firing: Sequence[str], resolved: Sequence[str], now: float
) -> str:
    text = "|".join([key, channel, ",".join(sorted(firing)), ",".join(sorted(resolved)), repr(now)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def plan(
    routes: Sequence[Route],
    channels: Mapping[str, Sequence[str]],
    alerts: Sequence[Alert],
    groups: Mapping[str, GroupState],
    muting: Muting,
    now: float,
    external_url: str,
) -> list[GroupCommit]:
    """Decide, for every group, whether to notify now; pure (persisting is the caller's)."""
    firing_all = [a for a in alerts if a.state is AlertState.FIRING]
    members: dict[str, _Members] = {}
    for a in alerts:
        if a.state not in (AlertState.FIRING, AlertState.RESOLVED):
            continue
        muted = a.state is AlertState.FIRING and muting.reason(a, firing_all, now) is not None
        for r in matching_routes(routes, a.labels):
            key = r.group_key(a)
            entry = members.setdefault(key, _Members(r, r.group_labels(a)))
            if a.state is AlertState.FIRING and not muted:
                entry.firing[a.fingerprint] = a
            else:
                entry.other[a.fingerprint] = a
    commits = []
    for key in sorted(set(members) | set(groups)):
        found = members.get(key)
        state = groups.get(key)
        if found is None:  # nothing of this group is known any more
            commits.append(GroupCommit(key, None))
            continue
        m = found
        firing = m.firing
        cfg = m.route.config
        if state is None:
            if not firing:
                continue
            state = GroupState(key, cfg.receiver, now, None, frozenset())
            if cfg.group_wait > 0:
                commits.append(GroupCommit(key, state))
                continue
        resolved = [
            m.other[fp]
            for fp in sorted(state.notified - set(firing))
            if fp in m.other and m.other[fp].state is AlertState.RESOLVED
        ]
        if state.last_notified is None:
            due = now >= state.first_seen + cfg.group_wait
        else:
            changed = set(firing) != set(state.notified)
            due = (changed and now >= state.last_notified + cfg.group_interval) or (
                bool(firing) and now >= state.last_notified + cfg.repeat_interval
            )
        if not due:
            continue
        if not firing and not resolved:
            commits.append(GroupCommit(key, None))
            continue
        sent = [_annotated(a, alerts) for a in sorted(firing.values(), key=_order)] + resolved
        payload = webhook_payload(
            receiver=cfg.receiver,
            group_key=key,
            group_labels=m.labels,
            alerts=sent,
            external_url=external_url,
        )
        outgoing = [
            OutgoingNotification(
                _dedup_key(key, ch, list(firing), [a.fingerprint for a in resolved], now),
                key,
                cfg.receiver,
                ch,
                payload["status"],
                payload,
            )
            for ch in channels.get(cfg.receiver, ())
        ]
        new_state = (
            replace(state, last_notified=now, notified=frozenset(firing)) if firing else None
        )
        commits.append(GroupCommit(key, new_state, outgoing, sent))
    return commits


def _order(a: Alert) -> tuple[float, str]:
    return (a.starts_at or 0.0, a.fingerprint)


def _annotated(alert: Alert, alerts: Sequence[Alert]) -> Alert:
    dependents = suppressed_dependents(alert, alerts)
    if not dependents:
        return alert
    note = {"suppressed_dependents": ", ".join(dependents)}
    return replace(alert, annotations={**alert.annotations, **note})
