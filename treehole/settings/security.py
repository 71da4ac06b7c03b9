"""Security headers, cookies, proxies, CORS and the Content-Security-Policy."""

from .base import DEBUG, env
from .uploads import STORAGE_BACKEND

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A stale token gives the form back with what was typed (treehole/errorpages.py), never a bare 403.
CSRF_FAILURE_VIEW = "treehole.errorpages.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)


# --- The proxy in front (treehole/net.py) -------------------------------------------------------
# Exactly the address(es) of the proxy in front (compose: the nginx service's fixed address), never
# whole private ranges: a LAN/VPN client has a private address too. Only its X-Forwarded-For
# (walked from the right) and X-Forwarded-Proto are believed.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
TRUSTED_PROXY_HEADER = env.str("TRUSTED_PROXY_HEADER", default="HTTP_X_FORWARDED_FOR")
# Set by treehole.net.TrustedProxyMiddleware from a trusted proxy's X-Forwarded-Proto only.
SECURE_PROXY_SSL_HEADER = ("TREEHOLE_FORWARDED_PROTO", "https")


# --- Protection: CORS, CSP, security headers (issue: protection) --------------------------------
# CORS (django-cors-headers) for /api/ only: origins from CORS_ALLOWED_ORIGINS (above), which alone
# get credentials. Preflight allows the default headers (Authorization among them) and the chunk
# upload's checksum header; cross-origin scripts may read the rate-limit headers.
from corsheaders.defaults import default_headers  # noqa: E402

CORS_ALLOW_HEADERS = (*default_headers, "x-chunk-sha256")
CORS_EXPOSE_HEADERS = ("Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")

# Content Security Policy (django-csp 4, via treehole.protection.ContentSecurityPolicyMiddleware,
# which adds this host's ws:// or wss:// origin to connect-src per request). The pages load only
# their own static scripts and styles: no inline script, no inline style attribute.
# Uploads stored on S3 (STORAGE_BACKEND=s3) are served from another origin: it is allowed for
# images and video; CSP_MEDIA_SRC (comma-separated sources) replaces that guess.
CSP_MEDIA_SRC = env.list("CSP_MEDIA_SRC", default=[])
if not CSP_MEDIA_SRC and STORAGE_BACKEND == "s3":
    from urllib.parse import urlsplit  # noqa: E402

    _endpoint = urlsplit(env.str("AWS_S3_ENDPOINT_URL", default=""))
    if env.str("AWS_S3_CUSTOM_DOMAIN", default=""):
        CSP_MEDIA_SRC = [f"https://{env.str('AWS_S3_CUSTOM_DOMAIN')}"]
    elif _endpoint.netloc:  # path-style or virtual-hosted (bucket as a subdomain)
        CSP_MEDIA_SRC = [f"{_endpoint.scheme}://{_endpoint.netloc}", f"{_endpoint.scheme}://*.{_endpoint.netloc}"]
    else:
        CSP_MEDIA_SRC = ["https://*.amazonaws.com"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *CSP_MEDIA_SRC],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "media-src": ["'self'", "blob:", *CSP_MEDIA_SRC],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"report-uri": [env.str("CSP_REPORT_URI")]} if env.str("CSP_REPORT_URI", default="") else {}),
    },
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)  # nginx/the TLS proxy redirects

