"""Reminders: planning into the outbox, delivery, digests, the scheduler.

- ``steps``: which step to send, to whom and when (pure)
- ``sweep``: deadlines → outbox rows, idempotently, school by school under a lock
- ``digest``: the weekly digest; ``preview``: what would go out over the coming days
- ``outbox``: claim, send, retry, park
- ``notifier``: the port every surface implements, and the console notifier
- ``scheduler``: APScheduler 3 as a clock inside ``sendbot run``; ``run_once`` for ``sendbot remind``

The policy (RULES.md's "Reminder steps" and each school's changes) is ``bot.services.reminder_policy``, and
``/sen done`` and ``/sen snooze`` are ``bot.services.reminders``: commands and settings use them too.
"""
