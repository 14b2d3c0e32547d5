"""Schemathesis hooks for scripts/schemathesis: signs the gateway's signed reads.

Loaded by schemathesis through SCHEMATHESIS_HOOKS. Every request to an operation whose OpenAPI
`security` names `signedRead` is signed as a devnet member (core/src/request_auth.rs, version
2): the five `gongxin-*` headers, the signature over

    "gongxin/read/v2" 0x00 chain_id "\\n" node "\\n" METHOD "\\n" path-and-query "\\n" ts "\\n" nonce

The signature is computed in a `requests` auth object, i.e. on the prepared request, so the
path-and-query it covers is the request target exactly as it goes on the wire (after
schemathesis, `requests` and urllib3 have serialized and percent-encoded the path and the
query). A check, `signed_read_accepted`, fails any signed request answered 401: a correctly
signed read by a current member must never be refused as unauthenticated.

Operations where the signature is optional (`security: [{}, {"signedRead": []}]`, public reads
that say more to a member) are signed for about half of the generated cases, chosen by a hash
of the case so that a case is signed or not the same way every time it is sent: both the
public and the member path are exercised.

Probes of schemathesis's `ignored_auth` check are derived cases, which schemathesis sends
without this auth (Case.derive drops it): the request without a signature and the one with a
made-up `gongxin-signature` must both be refused, so that check stays meaningful. Negative
cases whose `gongxin-signature` header was removed on purpose are not signed either
(schemathesis skips auth for them).

Environment (set by scripts/schemathesis):
  GONGXIN_SCHEMATHESIS_URL      the node's base URL, e.g. http://127.0.0.1:15100
  GONGXIN_SCHEMATHESIS_KEYFILE  the member's key file (core/src/crypto/keyfile.rs), ed25519
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
import time
import urllib.request

import requests
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from urllib3.util.url import _encode_target

READ_SIGNING_DOMAIN = b"gongxin/read/v2"
SECURITY_SCHEME = "signedRead"


class _Member:
    """The signing member and what the node says about itself, loaded on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded = False

    def load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            keyfile = os.environ["GONGXIN_SCHEMATHESIS_KEYFILE"]
            base_url = os.environ["GONGXIN_SCHEMATHESIS_URL"].rstrip("/")
            with open(keyfile, encoding="utf-8") as f:
                key = json.load(f)
            if key.get("algorithm") != "ed25519":
                raise ValueError(f"{keyfile}: only ed25519 key files are supported here")
            self.private_key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key["secret_key"]))
            public_hex = self.private_key.public_key().public_bytes_raw().hex()
            if key["public_key"] != f"ed25519:{public_hex}":
                raise ValueError(f"{keyfile}: the public key does not match the secret key")
            self.public_key = key["public_key"]
            with urllib.request.urlopen(f"{base_url}/v1/status", timeout=15) as response:
                status = json.load(response)
            self.chain_id = status["chain_id"]
            self.node = status["node"]
            # The node's clock, as an offset from ours (same machine: about zero).
            self.clock_offset_ms = int(status["now_ms"]) - int(time.time() * 1000)
            self._loaded = True


MEMBER = _Member()


def signing_message(chain_id: str, node: str, method: str, path_and_query: str, timestamp_ms: int, nonce: str) -> bytes:
    """The bytes a read request's signature covers (request_auth::read_signing_message)."""
    parts = [chain_id, node, method.upper(), path_and_query, str(timestamp_ms)]
    return READ_SIGNING_DOMAIN + b"\x00" + b"".join(p.encode() + b"\n" for p in parts) + nonce.encode()


class SignedRead(requests.auth.AuthBase):
    """Signs a prepared request as the member (fresh timestamp and nonce for every send)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        MEMBER.load()
        # The request target as it goes on the wire: `requests` builds it from the URL
        # (path_url), then urllib3 percent-encodes what is still invalid in it and upper-cases
        # existing escapes (_encode_target, idempotent) before http.client sends it as is.
        path_and_query = _encode_target(request.path_url)
        timestamp_ms = int(time.time() * 1000) + MEMBER.clock_offset_ms
        nonce = secrets.token_hex(16)
        message = signing_message(MEMBER.chain_id, MEMBER.node, request.method, path_and_query, timestamp_ms, nonce)
        signature = MEMBER.private_key.sign(message)
        # Replace whatever schemathesis generated for the scheme's header.
        for name in [n for n in request.headers if n.lower().startswith("gongxin-")]:
            del request.headers[name]
        request.headers["gongxin-key"] = MEMBER.public_key
        request.headers["gongxin-node"] = MEMBER.node
        request.headers["gongxin-timestamp"] = str(timestamp_ms)
        request.headers["gongxin-nonce"] = nonce
        request.headers["gongxin-signature"] = f"ed25519:{signature.hex()}"
        return request


SIGNER = SignedRead()


def _security_alternatives(case) -> list[dict]:
    operation = case.operation
    security = operation.definition.raw.get("security")
    if security is None:
        security = operation.schema.raw_schema.get("security", [])
    return security or []


def _case_digest(case) -> int:
    described = json.dumps(
        [case.method, case.path, case.path_parameters, case.query], sort_keys=True, default=repr
    ).encode()
    return hashlib.sha256(described).digest()[0]


@schemathesis.auth(refresh_interval=None)
class SignedReadAuth:
    """Applies SIGNER to cases of signed-read operations."""

    def get(self, case, context):
        alternatives = _security_alternatives(case)
        if not any(SECURITY_SCHEME in alternative for alternative in alternatives):
            return None
        optional = any(not alternative for alternative in alternatives)
        if optional and _case_digest(case) % 2:
            return None
        return SIGNER

    def set(self, case, data, context):
        # A `requests` auth object, applied by the transport to the prepared request.
        case._auth = data


@schemathesis.check
def signed_read_accepted(ctx, response, case):
    """A request this module signed must not be answered 401 (signer or server bug)."""
    if getattr(case, "_auth", None) is SIGNER and response.status_code == 401:
        raise AssertionError(
            f"signed read refused with 401: {response.request.method} {response.request.url}: "
            f"{response.text[:300]}"
        )
    return None
