"""Encryption at rest: the keyring and encrypted column type live in the storage layer (db/crypto.py, since
db/models.py uses them); this is where the rest of the bot finds them."""

from db.crypto import (
    ENCRYPTED,
    ENV,
    KEYRING,
    TOKEN_PREFIX,
    CannotDecrypt,
    EncryptedText,
    KeyMissing,
    Keyring,
    new_key,
    parse_keys,
    register_encrypted,
    rotate_stored,
)

__all__ = ["ENCRYPTED", "ENV", "KEYRING", "TOKEN_PREFIX", "CannotDecrypt", "EncryptedText", "KeyMissing", "Keyring",
           "new_key", "parse_keys", "register_encrypted", "rotate_stored"]
