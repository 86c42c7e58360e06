"""Overview paging: ?page=N, "Showing 101-200 of 250", links that keep the filters."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.web.conftest import Site, monitors
from warden.web.paging import Pager, pager
from warden.web.users import Role


@pytest.mark.parametrize(
    ("page", "pages", "numbers"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (5, 10, [1, None, 3, 4, 5, 6, 7, None, 10]),
        (4, 10, [1, 2, 3, 4, 5, 6, None, 10]),
        (10, 10, [1, None, 8, 9, 10]),
    ],
)
def test_page_numbers(page: int, pages: int, numbers: list[int | None]) -> None:
    assert Pager(page, 100, pages * 100).numbers() == numbers


@pytest.mark.parametrize(
    ("asked", "total", "page", "text"),
    [
        (1, 0, 1, "No monitors match."),
        (1, 40, 1, "Showing 1\u201340 of 40"),
        (2, 10_000, 2, "Showing 101\u2013200 of 10,000"),
        (100, 10_000, 100, "Showing 9,901\u201310,000 of 10,000"),
        (101, 10_000, 100, "Showing 9,901\u201310,000 of 10,000"),
        (7, 250, 3, "Showing 201\u2013250 of 250"),
    ],
)
def test_pager_text_and_clamping(asked: int, total: int, page: int, text: str) -> None:
    p = pager(asked, 100, total, "/", [])
    assert (p.page, p.text()) == (page, text)


def test_links_keep_the_filters_and_drop_empty_ones() -> None:
    p = pager(2, 100, 1000, "/", [("group", "shop"), ("q", ""), ("label", "a=b"), ("page", "2")])
    assert p.href(3) == "/?group=shop&label=a%3Db&page=3"
    assert p.href(1) == "/?group=shop&label=a%3Db"
    assert pager(1, 100, 10, "/", []).href(1) == "/"


@pytest.fixture
def big_site(make_site: Callable[..., Site]) -> Site:
    names = [f"m{i:03d}" for i in range(250)]
    return make_site(*monitors(*names[:230], group="shop"), *monitors(*names[230:], group="data"))


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-monitor="([^"]+)">', html)


async def test_overview_pages_through_every_monitor(big_site: Site) -> None:
    async with big_site.client(Role.VIEWER) as c:
        first = (await c.get("/")).text
        second = (await c.get("/", params={"page": "2"})).text
        third = (await c.get("/", params={"page": "3"})).text
        past = (await c.get("/", params={"page": "9"})).text
        bad = await c.get("/", params={"page": "0"})
    seen = _rows(first) + _rows(second) + _rows(third)
    assert len(seen) == 250
    assert sorted(seen) == sorted(set(seen))
    assert "Showing 1\u2013100 of 250" in first
    assert "Showing 101\u2013200 of 250" in second
    assert 'href="/?page=3" rel="next"' in second
    assert 'href="/" rel="prev"' in second
    assert '<span class="current" aria-current="page">2</span>' in second
    assert "Showing 201\u2013250 of 250" in third
    assert 'rel="next"' not in third
    assert _rows(past) == _rows(third)
    assert bad.status_code == 400


async def test_overview_paging_keeps_filters(big_site: Site) -> None:
    async with big_site.client(Role.VIEWER) as c:
        html = (await c.get("/", params={"group": "shop", "q": "m", "page": "2"})).text
        small = (await c.get("/", params={"group": "data"})).text
    assert "Showing 101\u2013200 of 230" in html
    assert 'href="/?group=shop&amp;q=m&amp;page=3" rel="next"' in html
    assert 'href="/?group=shop&amp;q=m" rel="prev"' in html
    assert "Showing 1\u201320 of 20" in small
    assert 'rel="next"' not in small
