"""The catalogue's data stamp, shared by the cached guide pages and the cached item API."""

from zhengwu.catalog.search import catalogue_stamp
from zhengwu.kernel.pagecache import StampSource

# A published version never changes; a new one changes the stamp (re-read every 5 s).
CATALOGUE_STAMP = StampSource(catalogue_stamp, check_seconds=5.0)
