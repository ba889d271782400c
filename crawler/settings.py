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
DOWNLOAD_DELAY = 1.0  # seconds between requests to one host (AutoThrottle adapts from here)
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Per-source caps (pages fetched, how far into the future) are fields of each source in sources.yml.

# --- Surviving the hostile web ---------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2  # 500/503/timeouts: two more tries, then the page is reported as failed
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # a training calendar is never 10 MB; a 30 MB page is a trap
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 4  # list page -> detail page -> PDF: deeper is a crawler trap
COOKIES_ENABLED = False

# --- Pipeline: validate -> match -> store ----------------------------------------------
ITEM_PIPELINES = {
    "crawler.pipelines.ValidatePipeline": 100,
    "crawler.pipelines.MatchPipeline": 200,
    "crawler.pipelines.StorePipeline": 300,
}

LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
TELNETCONSOLE_ENABLED = False
