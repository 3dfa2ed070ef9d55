"""Crawling: the demo news site, the Scrapy news spider, page decoding and extraction.

- `crawlers.extract`: decode_html (real charset of Chinese pages) and extract_article, built on
  `crawlers.body` (three extractors chosen by agreement, boilerplate), `crawlers.pubtime` and
  `crawlers.dates` (publish time, Chinese date strings), `crawlers.bylines` (author, editor,
  source) and `crawlers.pagekind` (government / forum / portal / news)
- `crawlers.sources`: the strict model of config/sources.yaml
- `crawlers.spiders.news`: the spider (RSS feeds and listing pages -> items)
- `crawlers.crawl`: one crawl in a subprocess, JSON lines on stdout
- `crawlers.runner.crawl_once`: runs that subprocess and streams items to a callback
- `crawlers.demo_site.DemoSite`: a local news site whose stories develop over time
"""

from yuqing.config.loader import REPO_CONFIG, Section, register_section

register_section(Section("sources", "sources.yaml", "crawlers.sources:SourcesConfig", False,
                         "what the crawlers fetch and how often", REPO_CONFIG / "sources.yaml"))
