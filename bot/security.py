"""Secrets at rest: Fernet for channel credentials, hashes for API keys and agent tokens."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.config import ConfigError, Settings

log = logging.getLogger(__name__)

KEY_FILE_NAME = "secret.key"
# What new_webhook_key makes (URL-safe base64), within the column's 64 characters.
WEBHOOK_KEY_FORM = re.compile(r"[A-Za-z0-9_-]{1,64}")


class CredentialsUnreadable(Exception):
    """Stored credentials cannot be decrypted with the configured key (the key changed?)."""


def generate_key() -> str:
    return Fernet.generate_key().decode()


def resolve_secret_key(settings: Settings) -> bytes:
    """The Fernet key: CHATBOT_SECRET_KEY, else a local key file created once with mode 0600."""
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value().encode()
        _check_key(key, "CHATBOT_SECRET_KEY")
        return key
    path = settings.data_dir / KEY_FILE_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written under a temporary name and linked into place: a process starting at the same moment
        # either wins the link or reads the other's complete key, never an empty file.
        temporary = path.with_name(f".{KEY_FILE_NAME}.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generate_key())
        try:
            os.link(temporary, path)
            log.warning(
                "generated a local secret key at %s; production should set CHATBOT_SECRET_KEY instead", path
            )
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    key = path.read_text().strip().encode()
    _check_key(key, str(path))
    return key


def describe_key_source(settings: Settings) -> str:
    """Where the configured key comes from, for messages to the operator (never the key itself)."""
    if settings.secret_key is not None:
        return "CHATBOT_SECRET_KEY"
    return f"the key file {settings.data_dir / KEY_FILE_NAME}"


def parse_key(value: str, where: str) -> bytes:
    """A Fernet key given by the operator (an option, a variable), checked; ConfigError naming ``where``."""
    key = value.strip().encode()
    _check_key(key, where)
    return key


def _check_key(key: bytes, where: str) -> None:
    try:
        Fernet(key)
    except (ValueError, TypeError):
        raise ConfigError(
            f"{where}: not a Fernet key (32 url-safe base64-encoded bytes); "
            "make one with: chatbot secret generate"
        ) from None


class CredentialBox:
    """Encrypts a channel's credentials as one JSON object; decrypted only at the adapter boundary."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, credentials: dict[str, str]) -> str:
        return self._fernet.encrypt(json.dumps(credentials, sort_keys=True).encode()).decode()

    def open(self, token: str | None) -> dict[str, str]:
        if not token:
            return {}
        try:
            data: Any = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise CredentialsUnreadable(
                "stored credentials cannot be decrypted with the current key"
            ) from None
        return {str(k): str(v) for k, v in data.items()}

    def reseal(self, token: str, *, old_keys: Sequence[bytes]) -> str:
        """The same credentials encrypted with this box's key, read with this key or any of ``old_keys``."""
        keys = MultiFernet([self._fernet, *(Fernet(key) for key in old_keys)])
        try:
            return keys.rotate(token.encode()).decode()
        except InvalidToken:
            raise CredentialsUnreadable(
                "stored credentials cannot be decrypted with the current key or the old one"
            ) from None


def new_token(prefix: str) -> str:
    """A high-entropy bearer secret, shown once; only its hash is stored."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    # The tokens carry 256 random bits, so a plain SHA-256 cannot be brute-forced; no salt needed.
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return same_secret(hash_token(token), stored_hash)


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a value from a request with ours; any text, however odd, may arrive.

    ``hmac.compare_digest`` refuses str with non-ASCII characters (a TypeError, so a 500), hence bytes;
    surrogatepass, because a header's undecodable bytes reach us as lone surrogates.
    """
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def body_signature(secret: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``body`` keyed with ``secret``: how a signed API call is signed."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def new_webhook_key() -> str:
    return secrets.token_urlsafe(24)


def looks_like_webhook_key(text: str) -> bool:
    """Whether ``text`` could be a webhook key; anything else (NUL, any odd character) is not looked up."""
    return WEBHOOK_KEY_FORM.fullmatch(text) is not None
