"""The catalogue's data stamp: one fingerprint for every per-process cache of the catalogue.

The search index and the cached public guide/search pages and item API (decision 0004) are
all valid for one stamp. ``CATALOGUE_STAMP`` re-reads it at most every
``CATALOG_SEARCH_CHECK_SECONDS`` (default 5) per process, so both caches share one check.
"""

from __future__ import annotations

import hashlib

from zhengwu.kernel.pagecache import StampSource


def catalogue_stamp() -> str:
    """A cheap fingerprint of the published catalogue (a few aggregate queries)."""
    from django.db.models import Count, Max

    from zhengwu.catalog.choices import VersionStatus
    from zhengwu.catalog.models import Bundle, BundleMember, ItemVersion, SearchSynonym

    versions = ItemVersion.objects.filter(status=VersionStatus.PUBLISHED).aggregate(
        n=Count("id"), last=Max("updated_at"), top=Max("id"), dept=Max("department__updated_at")
    )
    bundles = Bundle.objects.aggregate(n=Count("id"), top=Max("id"))
    members = BundleMember.objects.aggregate(n=Count("id"), top=Max("id"))
    # Bundles and synonyms have no modification time; both tables are small, so hash them.
    bundle_rows = list(Bundle.objects.order_by("id").values_list("id", "name", "active"))
    synonym_rows = list(
        SearchSynonym.objects.order_by("id").values_list("id", "term", "expansions")
    )
    raw = repr((versions, bundles, members, bundle_rows, synonym_rows))
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def check_interval() -> float:
    from django.conf import settings

    return float(getattr(settings, "CATALOG_SEARCH_CHECK_SECONDS", 5.0))


CATALOGUE_STAMP = StampSource(catalogue_stamp, check_seconds=check_interval)
