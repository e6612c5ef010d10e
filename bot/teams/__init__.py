"""Microsoft Teams and Microsoft Graph (the ``sendbot[microsoft]`` extra).

Only ``cards``, ``forms`` and ``text`` are pure and import nothing from Microsoft; every other module here
(the adapter, proactive delivery, the Graph calendar and mail, ``directory``: Microsoft 365 users by e-mail
for the staff import) imports the Microsoft 365 Agents SDK or msgraph-sdk and is imported only when Teams or
Graph is configured, so a Slack-only install pays nothing for them (tests/e2e/test_teams_imports.py).
"""
