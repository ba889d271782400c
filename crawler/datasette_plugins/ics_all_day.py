"""Datasette plugin: all-day sessions become all-day events in the datasette-ics calendar.

datasette-ics 0.5.2 writes every DTSTART as a date-time, so a study day announced without
hours would sit at midnight in the volunteers' calendars. The canned query gives such a
session's event_dtstart as a bare date (YYYY-MM-DD) and its event_dtend as the day after its
last day; this event class turns them into DTSTART;VALUE=DATE / DTEND;VALUE=DATE.
"""
import datasette_ics
from datasette_ics.utils import EventWithTimezone
from ics.event import Event


class AllDayAwareEvent(EventWithTimezone):
    """An EventWithTimezone that is all-day when its begin is given as a bare date."""

    @EventWithTimezone.begin.setter
    def begin(self, value):
        Event.begin.fset(self, value)
        if isinstance(value, str) and len(value) == 10:
            self._begin_precision = "day"


# render_ics builds its events from this module-level name.
datasette_ics.EventWithTimezone = AllDayAwareEvent
