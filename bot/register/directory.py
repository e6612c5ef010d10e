"""Who is who in chat: e-mail → chat user id. The lookups themselves live with their adapters (they speak a
platform's API): Slack's ``users.lookupByEmail`` in bot/slack/directory.py, Microsoft Graph's ``GET /users/{email}``
in bot/teams/directory.py. Both are network I/O, called before the staff import's transaction, never inside it.
"""


class DirectoryError(Exception):
    """The directory could not be asked (a bad token, a missing scope): the reason, in words."""
