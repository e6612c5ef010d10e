"""Reminders: the policy (which steps, to whom), planning into the outbox, delivery, digests, the scheduler.

- ``policy``: RULES.md's "Reminder steps" as data, with each school's changes (``/sen settings remind:…``)
- ``plan``: deadlines → outbox rows, idempotently; the weekly digest; previews
- ``outbox``: claim, send, retry, park
- ``notifier``: the port every platform implements, and the console notifier
- ``actions``: ``/sen done`` and ``/sen snooze``
- ``scheduler``: APScheduler 3 as a clock inside ``sendbot run``; ``run_once`` for ``sendbot remind``
"""
