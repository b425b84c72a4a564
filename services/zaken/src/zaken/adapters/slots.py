"""Recording several reports of one case at once, decided as one at a time would. Pure, no I/O.

Both stores use it: given what a case's slots held when they were read, which slot each report
gets (its own earlier one for a redelivery, the next free one otherwise) and what each report
was recorded after. Written as planned, that is exactly what `record` called for the reports
one after another would have done; a store that finds a planned slot taken in the meantime
(a competing consumer) records that case again one by one.
"""

from __future__ import annotations

from collections.abc import Sequence

from zaken.domain.model import StatusReport
from zaken.ports import Recorded


def record_in_order(
    known: Sequence[StatusReport], reports: Sequence[StatusReport]
) -> tuple[list[Recorded], list[StatusReport]]:
    """What recording `reports` in order after `known` gives each, and the new slots' reports.

    `known` is the case's slots in order; the new reports take the slots after them, in order.
    """
    slots = list(known)
    position: dict[tuple[str, str], int] = {}
    for at, each in enumerate(slots):
        position.setdefault((each.event_source, each.event_id), at)
    recorded: list[Recorded] = []
    new: list[StatusReport] = []
    for report in reports:
        at = position.setdefault((report.event_source, report.event_id), len(slots))
        if at == len(slots):
            slots.append(report)
            new.append(report)
        recorded.append(Recorded(slots[at], tuple(slots[: at + 1])))
    return recorded, new
