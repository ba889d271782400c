"""Scrapy settings for veille-formations: the choices that matter, in one place.

Every value can be overridden per run: ``veille crawl -s NAME=VALUE`` (as ``scrapy crawl -s``).
"""
BOT_NAME = "veille-formations"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- What this project reads and writes -------------------------------------------------
VEILLE_SOURCES = "sources.yml"  # the list of calendars (see README)
VEILLE_DB = "data/veille.db"  # the SQLite file Datasette serves
VEILLE_KEYWORDS = "keywords.yml"  # the privacy vocabulary the matcher uses
VEILLE_TODAY = None  # ISO date the crawl treats as today (tests freeze it); None = the real date

# --- Politeness: part of correctness ---------------------------------------------------
# An honest User-Agent with a contact URL, so a webmaster can tell us to stop.
USER_AGENT = "veille-formations/0.1 (+https://github.com/veille-formations/veille-formations; veille des formations vie privee)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16  # across hosts: a weekly crawl of ~120 sources is bound by per-host politeness
CONCURRENT_REQUESTS_PER_DOMAIN = 2  # never more than two requests at once to one host
# Seconds between requests to one host (AutoThrottle adapts from here, never below it). Keep it
# above 0: Scrapy 2.19's asyncio downloader starts every queued request of a host at once when
# there is no delay, so the limit above did not hold (our fault server saw 5 pages at once).
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Per-source caps (pages fetched, how far into the future) are fields of each source in sources.yml.

# --- Surviving the hostile web ---------------------------------------------------------
# Each fault becomes a crawl_errors row naming source, URL and cause (crawler/middlewares.py);
# tests/test_hostile_web.py serves every fault below and checks the crawl still finishes.
DOWNLOAD_TIMEOUT = 30  # a page that never comes is abandoned after 30 s (per try)
RETRY_ENABLED = True
RETRY_TIMES = 2  # 500/502/timeouts/resets: two more tries, then the page is reported as failed
# A training calendar is never 10 MB; a 30 MB page is a trap. Scrapy applies the cap to gzip
# bodies once decompressed too, so a zip bomb (64 kB inflating to 64 MB) stops at 10 MB.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5  # then "too many redirects": a loop ends as an error row
# No DEPTH_LIMIT: the per-source page budget (max_pages in sources.yml) bounds every crawl,
# endless "mois suivant" calendars included, and says so in crawl_errors when reached. A depth
# limit drops requests without a word: with 4, the detail pages of a list's page 5 (list p1 ->
# p2 -> ... -> p5 -> detail is depth 5) would never be fetched nor reported.
DEPTH_LIMIT = 0
COOKIES_ENABLED = False
DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt: a redirect to another site is refused without contacting that site.
    "crawler.middlewares.SameSiteRedirectMiddleware": 60,
    # Scrapy's robots.txt middleware let requests through unchecked while robots.txt loaded.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.SharedRobotsTxtMiddleware": 100,
    # No immediate retry when the server asked us to come back later (Retry-After).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.RetryAfterMiddleware": 550,
}

# --- Pipeline: validate -> match -> store ----------------------------------------------
ITEM_PIPELINES = {
    "crawler.pipelines.ValidatePipeline": 100,
    "crawler.pipelines.MatchPipeline": 200,
    "crawler.pipelines.StorePipeline": 300,
}
# The pipelines never wait (no I/O but the store's writes, which are synchronous), so running
# several items at once gains nothing; and Scrapy 2.19 starts CONCURRENT_ITEMS asyncio tasks
# for every response, items or not: with its default of 100, a third of the crawl's CPU
# (bench/crawl.py: 1 ms per page, in Scrapy alone too). Raise it if a pipeline ever awaits.
CONCURRENT_ITEMS = 1

LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 starts an HTTP server that runs any Python code sent to it (its token in a job
# file of the user's profile) in every crawl under asyncio; like the telnet console, a weekly
# job has no use for it.
REMOTE_CONTROL_ENABLED = False
