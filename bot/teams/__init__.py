"""Microsoft Teams and Microsoft Graph (the ``sendbot[microsoft]`` extra).

Only ``cards`` and ``text`` are pure and import nothing from Microsoft; every other module here imports the
Microsoft 365 Agents SDK or msgraph-sdk and is imported only when Teams or Graph is configured, so a
Slack-only install pays nothing for them (tests/unit/test_teams_imports.py).
"""
