"""Exceptions raised by the storage layer."""


class StorageError(Exception):
    """The database could not be opened, migrated or used."""


class StorageConfigError(StorageError):
    """Storage configuration (such as BOT_HMAC_KEY or the key file) is invalid."""
