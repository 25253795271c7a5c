"""The Content-Security-Policy (django-csp). Strict: everything from this origin, nothing
inline. The admin and LeadHub's templates carry no inline script or style, so nothing needs
a nonce; the browser tests fail on any violation (tests/browser/csp.py)."""

from __future__ import annotations

from typing import Any

CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
