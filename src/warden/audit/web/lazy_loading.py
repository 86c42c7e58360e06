"""Lazy loading of images: below-the-fold images should wait, the first ones should not."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.web._facts import WebFacts, register
from warden.audit.web._headers import short_list


@register
class LazyLoading(Check[WebFacts]):
    type = "web.lazy_loading"
    finding_ids = ("web.lazy_loading_missing", "web.lazy_above_fold")
    thresholds = {"above_fold_images": 3, "medium_count": 5}

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        fold = int(self.limit("above_fold_images"))
        images = facts.refs.images
        eager = [i.url for i in images[fold:] if i.loading != "lazy"]
        if eager:
            yield self.finding(
                "web.lazy_loading_missing",
                Severity.MEDIUM if len(eager) >= self.limit("medium_count") else Severity.LOW,
                f"{len(eager)} images",
                f"{len(eager)} images likely below the fold load eagerly",
                f'images after the first {fold} of the page lack loading="lazy": '
                f"{short_list(eager)}.",
                "Every image is downloaded at load time, competing with what the visitor sees "
                "first, even if nobody scrolls to it.",
                'Add loading="lazy" (and width/height) to images below the fold.',
                count=len(eager),
            )
        lazy_first = [i.url for i in images[:1] if i.loading == "lazy"]
        if lazy_first:
            yield self.finding(
                "web.lazy_above_fold",
                Severity.LOW,
                lazy_first[0],
                "the first image of the page is lazy-loaded",
                f'the first <img> ({lazy_first[0]}) has loading="lazy".',
                "The first image is usually the largest contentful paint: lazy loading delays "
                "it until layout.",
                'Remove loading="lazy" from above-the-fold images (add fetchpriority="high" to '
                "the hero image).",
            )
