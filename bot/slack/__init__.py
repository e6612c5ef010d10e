"""The Slack adapter: ``/sen`` commands, buttons, modals and the App Home tab over Bolt's ``AsyncApp``.

- ``text``: Slack's escaped forms in command text, turned back into what the person typed
- ``render``: a ``Reply`` as Block Kit (pure functions)
- ``modals`` and ``home``: the modal forms and the App Home tab (pure view builders)
- ``dedupe``: Slack's event retries taken once
- ``installations``: Bolt's SQLAlchemy installation and OAuth-state stores in our database (OAuth mode)
- ``app``: the Bolt app, its listeners, the ``/slack/...`` routes and the Socket Mode service
"""
