"""The crawl on the hostile web: downloader middlewares, and failures told in words.

Scrapy survives most faults on its own (timeouts, retries, ``DOWNLOAD_MAXSIZE``), but several
of its refusals only reach the log. Here each one becomes an exception that reaches the
spider's errback, which ``describe_failure`` turns into a ``crawl_errors`` row a maintainer
can act on: source, URL, cause.
"""
from __future__ import annotations

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import (
    CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError, DownloadFailedError,
    DownloadTimeoutError, IgnoreRequest, ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.error import (
    ConnectionDone, ConnectionLost, ConnectionRefusedError, DNSLookupError, TCPTimedOutError,
    TimeoutError as TwistedTimeout,
)
from twisted.web.client import ResponseFailed, ResponseNeverReceived

from crawler.canonical import site_of


class LeftSite(IgnoreRequest):
    """A redirect pointed to another site than the one the request started on."""


class SameSiteRedirectMiddleware:
    """Refuse a redirect that leaves the site the request started on.

    Scrapy follows redirects anywhere, and the spider's own off-site rule sees only the links
    it yields, not the ``Location`` of a 302. A BD whose address now redirects to an unrelated
    host (an expired domain, a parking page) must be reported so sources.yml gets the new
    address, not crawled as if it were the library. Placed before robots.txt handling, so the
    other host is not contacted at all, not even for its robots.txt. ``www.`` and http -> https
    moves stay allowed: they are the same site.
    """

    def process_request(self, request):
        chain = request.meta.get("redirect_urls")
        if chain and site_of(request.url) != site_of(chain[0]):
            raise LeftSite(f"redirected to another site: {request.url}")


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every waiting request actually checked.

    Scrapy 2.19 makes all requests that arrive while a host's robots.txt is downloading await
    one shared Deferred; under the asyncio reactor each await converts it with ``asFuture``,
    which consumes its result. Only the first waiter got the parser, the others got ``None``
    and went through unchecked: our fault server saw ``/interdit/agenda.html`` requested
    although robots.txt, fetched first, disallowed it. Each waiter here gets its own copy.
    """

    async def robot_parser(self, request):
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            return await maybe_deferred_to_future(_relay(pending))
        return await super().robot_parser(request)


def _relay(shared: Deferred) -> Deferred:
    """A Deferred firing with ``shared``'s result, leaving that result for the next waiter."""
    copy = Deferred()

    def forward(result):
        copy.callback(result)
        return result

    shared.addBoth(forward)
    return copy


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries (500, 502, 503, timeouts, resets...), except when the server says when to
    come back: a 503 or 429 with ``Retry-After: 120`` is not asked again twice in a row. The
    crawl is weekly, so next week's crawl is the retry; the error row keeps the delay asked."""

    def process_response(self, request, response, spider=None):
        if response.status in (429, 503) and response.headers.get("Retry-After"):
            return response
        return super().process_response(request, response)


def describe_failure(failure, max_size: int) -> tuple[str, str]:
    """(kind, message) of a failed request, in words a maintainer can act on."""
    error = failure.value
    if failure.check(HttpError):
        response = error.response
        retry_after = response.headers.get("Retry-After")
        suffix = f", Retry-After {retry_after.decode('latin-1')}" if retry_after else ""
        return "http", f"HTTP {response.status}{suffix}"
    if failure.check(CannotResolveHostError, DNSLookupError):
        return "dns", "host not found"
    if failure.check(DownloadTimeoutError, TwistedTimeout, TCPTimedOutError):
        return "timeout", "no answer within the download timeout"
    if failure.check(DownloadConnectionRefusedError, ConnectionRefusedError):
        return "connection", "connection refused"
    if failure.check(ResponseDataLossError) or (failure.check(ResponseFailed) and "DataLoss" in str(error)):
        return "truncated", "body cut short: fewer bytes than its Content-Length announced"
    if failure.check(DownloadFailedError, ResponseNeverReceived, ConnectionLost, ConnectionDone):
        return "connection", "connection closed or reset before the answer came"
    if failure.check(DownloadCancelledError, CancelledError):
        return "too-large", f"body larger than DOWNLOAD_MAXSIZE ({max_size} bytes)"
    if failure.check(LeftSite):
        return "offsite-redirect", str(error)
    if failure.check(IgnoreRequest):
        # Scrapy's own refusals differ only by their message (scrapy 2.19 wording).
        text = str(error)
        if "robots.txt" in text:
            return "robots", "forbidden by robots.txt"
        if "max redirections" in text:
            return "redirect-loop", "too many redirects (a redirect loop?)"
        if "DOWNLOAD_MAXSIZE" in text and "decompress" in text:
            return "too-large", f"decompresses to more than DOWNLOAD_MAXSIZE ({max_size} bytes): a gzip bomb?"
    return failure.type.__name__.lower(), str(error) or failure.type.__name__
