"""WeChat's safe-mode envelope for callbacks (AES-256-CBC, key = base64 EncodingAESKey,
IV = key[:16], PKCS#7 to 32 bytes; plaintext = random(16) + length(4, network order) +
xml + appid). Uses `cryptography`, which Linli already has through wechatpy[cryptography];
imported only when an account has an EncodingAESKey."""

from __future__ import annotations

import base64
import os
import struct


def _key(encoding_aes_key: str) -> bytes:
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:
        raise ValueError("EncodingAESKey must be 43 characters")
    return key


def encrypt(encoding_aes_key: str, appid: str, xml: str) -> str:
    # only safe-mode accounts need cryptography; the fake runs without it otherwise
    from cryptography.hazmat.primitives.ciphers import (  # noqa: PLC0415
        Cipher,
        algorithms,
        modes,
    )

    key = _key(encoding_aes_key)
    text = xml.encode("utf-8")
    plain = os.urandom(16) + struct.pack(">I", len(text)) + text + appid.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt(encoding_aes_key: str, encrypted: str) -> tuple[str, str]:
    """(xml, appid)."""
    # only safe-mode accounts need cryptography; the fake runs without it otherwise
    from cryptography.hazmat.primitives.ciphers import (  # noqa: PLC0415
        Cipher,
        algorithms,
        modes,
    )

    key = _key(encoding_aes_key)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    plain = plain[:-plain[-1]]
    (length,) = struct.unpack(">I", plain[16:20])
    return plain[20:20 + length].decode("utf-8"), plain[20 + length:].decode("utf-8")
