"""iCal feeds of deadlines that calendars subscribe to (GET /feeds/<token>.ics).

- :mod:`bot.services.feed_links`: the secret links: issued, rotated, revoked; stored only as SHA-256.
- :mod:`bot.feeds.content`: which deadlines a feed shows and how each reads in a calendar.
- :mod:`bot.feeds.ical`: the iCalendar document, built with ``icalendar``.
- :mod:`bot.feeds.http`: the route: ETag/Last-Modified, 304s before any rendering, rendered bytes cached.
"""
