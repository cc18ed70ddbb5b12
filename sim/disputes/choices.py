"""What residents decide when a person plays them (a classroom's resident household, 居民户).

A `Choice` for one dispute replaces the model's own behaviour at that dispute's next decision —
reporting it (and where), negotiating, escalating after a failure, letting it go — and is then
used up. A `HouseholdRule` is what the households of a building do from now until they decide
again: with each new dispute, after a channel fails, and with the activities they are offered.
Whatever is left undecided follows the model's rules (`DisputeProcess`, `take_part`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .book import Status, _Coded
from .ladder import Channel, PartyType


class Choice(_Coded):
    REPORT_PROPERTY_DESK = 1, "latent, the property company concerned: report it at the property company's desk (物业)"
    REPORT_COMMITTEE = 2, "latent: take it to the residents' committee's mediators (居委会调解)"
    REPORT_HOTLINE = 3, "latent: call the city hotline, skipping the community and the street (12345)"
    NEGOTIATE = 4, "latent, between residents: talk it over with the neighbour (双方协商)"
    ESCALATE = 5, "acted on: if the channel it is at fails, take it one rung up (向上反映)"
    LET_GO = 6, "let it go (算了): latent, lump it; waiting, leave the queue; else give up if the channel fails"


#: the choices a rule can make for every new dispute of a building, and after every failure
FOR_NEW_DISPUTES = (Choice.REPORT_PROPERTY_DESK, Choice.REPORT_COMMITTEE, Choice.REPORT_HOTLINE, Choice.NEGOTIATE, Choice.LET_GO)
AFTER_FAILURE = (Choice.ESCALATE, Choice.LET_GO)


@dataclass(frozen=True)
class HouseholdRule:
    """What a building's households do until they decide again (None: the model's rule). A choice
    not open to a particular dispute (negotiating with the property company, a desk that has
    closed) leaves that dispute to the model's rule."""

    new_disputes: Choice | None = None  # one of FOR_NEW_DISPUTES, taken on the day a dispute arises
    after_failure: Choice | None = None  # one of AFTER_FAILURE
    take_part: bool | None = None  # in every activity they are offered, or in none

    def __post_init__(self):
        if self.new_disputes is not None and self.new_disputes not in FOR_NEW_DISPUTES:
            raise ValueError(f"new_disputes: expected one of {_names(FOR_NEW_DISPUTES)}, found {self.new_disputes!r}")
        if self.after_failure is not None and self.after_failure not in AFTER_FAILURE:
            raise ValueError(f"after_failure: expected one of {_names(AFTER_FAILURE)}, found {self.after_failure!r}")


def _names(choices) -> str:
    return ", ".join(c.name.lower() for c in choices)


#: the channel a report goes to
REPORT_TO = {Choice.REPORT_PROPERTY_DESK: Channel.PROPERTY_DESK, Choice.REPORT_COMMITTEE: Channel.MEDIATION,
             Choice.REPORT_HOTLINE: Channel.CITY_HOTLINE}
CHOICE_NAMES = [c.name.lower() for c in Choice]


def open_choices(process, i: int) -> tuple[Choice, ...]:
    """The choices open to dispute `i` of `process` now (none once it is closed)."""
    b = process.book
    status = Status(int(b.status[i]))
    if status == Status.LATENT:
        c, party = int(b.community[i]), int(b.party_type[i])
        reports = tuple(ch for ch, to in REPORT_TO.items() if process.available(to, c, party))
        return reports + ((Choice.NEGOTIATE,) if party == PartyType.RESIDENT_RESIDENT else ()) + (Choice.LET_GO,)
    if status in (Status.NEGOTIATING, Status.WAITING, Status.IN_SERVICE):
        return Choice.ESCALATE, Choice.LET_GO
    return ()


__all__ = ["AFTER_FAILURE", "CHOICE_NAMES", "FOR_NEW_DISPUTES", "REPORT_TO", "Choice", "HouseholdRule", "open_choices"]
