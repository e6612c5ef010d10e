"""Encryption at rest for parent contacts and Slack tokens: Fernet keys from ``SENDBOT_ENCRYPTION_KEY``.

The storage layer's part (db/models.py uses ``EncryptedText``); bot/security/crypto.py re-exports it.

``SENDBOT_ENCRYPTION_KEY`` is one Fernet key, or several separated by commas: the first encrypts, every one
decrypts (``cryptography``'s ``MultiFernet``). To rotate: put a new key first, keep the old ones after it,
restart, run ``sendbot encryption rotate`` (re-encrypts every stored value with the first key), then drop
the old keys. docs/security.md has the steps.

Without a key (development), values are stored as they are and ``sendbot run`` says so once; in
production (``SENDBOT_MODE=production``) nothing is stored without a key. A value that is not a Fernet token
(written before encryption was switched on) is read as it is, and encrypted by ``sendbot encryption rotate``.
"""

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

ENV = "SENDBOT_ENCRYPTION_KEY"
MODE_ENV = "SENDBOT_MODE"
TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte 0x80, then the timestamp)


class KeyMissing(RuntimeError):
    """In production, an attempt to store a secret without an encryption key (nothing is stored)."""


class CannotDecrypt(RuntimeError):
    """A stored value was encrypted with a key that is not in SENDBOT_ENCRYPTION_KEY."""


def parse_keys(value: str | None) -> list[str]:
    """The keys in a SENDBOT_ENCRYPTION_KEY value; each must be a Fernet key (ValueError says which is not)."""
    keys = [k.strip() for k in (value or "").split(",") if k.strip()]
    for i, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except ValueError:
            raise ValueError(f"{ENV}: key {i} is not a Fernet key (32 url-safe base64-encoded bytes; make one "
                             "with: sendbot encryption new-key)") from None
    return keys


class Keyring:
    """The keys in use. Read from the environment on first use; tests and the CLI may set them."""

    def __init__(self) -> None:
        self._keys: list[str] | None = None
        self._production: bool | None = None
        self._warned = False

    def configure(self, keys: list[str], production: bool = False) -> None:
        self._keys = list(keys)
        self._production = production

    def reset(self) -> None:
        """Read the environment again on next use."""
        self._keys = None
        self._production = None

    def _load(self) -> None:
        if self._keys is None:
            from bot.config import get_settings  # here, not at import: db.models imports this module

            settings = get_settings()
            self._keys = parse_keys(os.environ.get(ENV) or settings.encryption_key)
            self._production = (os.environ.get(MODE_ENV) or settings.mode) == "production"

    @property
    def keys(self) -> list[str]:
        self._load()
        return list(self._keys or [])

    @property
    def production(self) -> bool:
        self._load()
        return bool(self._production)

    @property
    def enabled(self) -> bool:
        return bool(self.keys)

    def _fernet(self) -> MultiFernet:
        return MultiFernet([Fernet(k) for k in self.keys])

    def startup(self) -> list[str]:
        """What ``sendbot run`` says about encryption; KeyMissing in production without a key."""
        if self.enabled:
            return [f"Parent contacts and Slack tokens are encrypted at rest ({len(self.keys)} key(s) loaded)."]
        if self.production:
            raise KeyMissing(f"{ENV} is not set, and SENDBOT_MODE is production: sendbot will not store parent "
                             "contacts or Slack tokens unencrypted. Make a key with `sendbot encryption new-key` "
                             "and set it (docs/security.md).")
        self._warned = True
        return [f"Development mode: {ENV} is not set, so parent contacts and Slack tokens are stored "
                "unencrypted. Set it before real data goes in (docs/security.md)."]

    @property
    def can_store(self) -> bool:
        """False in production without a key: secrets may not be stored then."""
        return self.enabled or not self.production

    def encrypt(self, value: str) -> str:
        if not self.enabled:
            if self.production:
                raise KeyMissing(f"{ENV} is not set: in production, parent contacts and Slack tokens are never "
                                 "stored unencrypted, so nothing was stored. Ask your IT lead to set the key.")
            if not self._warned:
                self._warned = True
                log.warning("%s is not set: parent contacts and Slack tokens are stored unencrypted "
                            "(development mode). Set it before real data goes in.", ENV)
            return value
        return self._fernet().encrypt(value.encode()).decode()

    def decrypt(self, value: str) -> str:
        if not value.startswith(TOKEN_PREFIX):
            return value  # stored before encryption was switched on
        if not self.enabled:
            raise CannotDecrypt(f"a stored value is encrypted but {ENV} is not set")
        try:
            return self._fernet().decrypt(value.encode()).decode()
        except InvalidToken:
            raise CannotDecrypt(f"a stored value was encrypted with a key that is not in {ENV}") from None

    def rotate(self, value: str) -> str:
        """The value encrypted with the first key (plain values are encrypted; nothing else changes)."""
        if not value.startswith(TOKEN_PREFIX):
            return self.encrypt(value)
        try:
            return self._fernet().rotate(value.encode()).decode()
        except InvalidToken:
            raise CannotDecrypt(f"a stored value was encrypted with a key that is not in {ENV}") from None

    @contextmanager
    def using(self, keys: list[str], production: bool = False) -> Iterator[None]:
        """These keys for a while (tests, the rotate command)."""
        saved = (self._keys, self._production)
        self.configure(keys, production)
        try:
            yield
        finally:
            self._keys, self._production = saved


KEYRING = Keyring()


def new_key() -> str:
    return Fernet.generate_key().decode()


class EncryptedText(TypeDecorator[str]):
    """A text column stored as a Fernet token (see the module docstring); Python code sees plain text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else KEYRING.encrypt(str(value))

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else KEYRING.decrypt(value)


# Every encrypted column: (table, key column, encrypted columns). The core's are here; a surface registers
# the columns it encrypts itself (its tokens) with register_encrypted when its storage module is imported
# (bot/tables.py imports them all), so key rotation reaches them without db knowing any surface.
ENCRYPTED: list[tuple[str, str, tuple[str, ...]]] = [
    ("parent_contact", "id", ("name", "phone", "email")),
]


def register_encrypted(table: str, key: str, columns: tuple[str, ...]) -> None:
    """Declare a table's encrypted columns (idempotent), so ``sendbot encryption rotate`` rewrites them."""
    entry = (table, key, tuple(columns))
    if entry not in ENCRYPTED:
        ENCRYPTED.append(entry)


def rotate_stored(engine: Any) -> dict[str, int]:
    """Re-encrypt every stored secret with the first key (plain values get encrypted). One transaction.

    Returns the number of values rewritten per table. Raises CannotDecrypt if a value's key is missing.
    """
    from sqlalchemy import column, select, table, update

    if not KEYRING.enabled:
        raise KeyMissing(f"{ENV} is not set: there is no key to encrypt with.")
    counts: dict[str, int] = {}
    with engine.begin() as connection:
        for name, key, columns in ENCRYPTED:
            t = table(name, column(key), *(column(c) for c in columns))
            n = 0
            for row in connection.execute(select(t)).mappings().all():
                changes = {c: KEYRING.rotate(row[c]) for c in columns if row[c]}
                if changes:
                    connection.execute(update(t).where(t.c[key] == row[key]).values(**changes))
                    n += len(changes)
            counts[name] = n
    return counts
