"""The SEN dashboard for leaders and governors: figures (pure), charts (SVG), sign-in, routes and chase letters.

``bot.web`` mounts :func:`bot.dashboard.http.routes`; ``/sen dashboard`` and ``/sen chase`` are the commands.
"""
