"""Access log parsers, one table per format: the fields each line yields, and bad lines."""

from __future__ import annotations

import pytest

from warden.traffic.formats import log_format
from warden.traffic.record import Request

T = 1796378401.0  # 2026-12-04T10:00:01Z

NGINX = [
    ('1.2.3.4 - - [04/Dec/2026:10:00:01 +0000] "GET /users/1?x=1 HTTP/1.1" 200 512 "-" "curl/8"',
     Request(T, "GET", "/users/1?x=1", 200, 512, None, None)),
    ('1.2.3.4 - - [04/Dec/2026:10:00:01 +0000] "POST /a HTTP/2.0" 502 0 "http://r" "ua x" '
     "0.120 0.100",
     Request(T, "POST", "/a", 502, 0, 0.12, 0.1)),
    ('1.2.3.4 - - [04/Dec/2026:11:00:01 +0100] "GET / HTTP/1.1" 200 - "-" "-" '
     'rt=1.5 urt="1.2, 0.3"',
     Request(T, "GET", "/", 200, 0, 1.5, 1.5)),
    ('1.2.3.4 - - [04/Dec/2026:10:00:01 +0000] "GET / HTTP/1.1" 499 0 "-" "-" 0.004 -',
     Request(T, "GET", "/", 499, 0, 0.004, None)),
    ("garbage", None),
    ('1.2.3.4 - - [04/Xyz/2026:10:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "-"', None),
    ('1.2.3.4 - - [04/Dec/2026:10:00:01 +0000] "\\x16\\x03\\x01" 400 0 "-" "-"', None),
]  # fmt: skip

APACHE = [
    ('1.2.3.4 - frank [04/Dec/2026:10:00:01 +0000] "GET /a.gif HTTP/1.0" 200 2326 '
     '"http://x/\\"q\\"" "Mozilla"',
     Request(T, "GET", "/a.gif", 200, 2326, None, None)),
    ('1.2.3.4 - - [04/Dec/2026:10:00:01 +0000] "GET /b HTTP/1.1" 404 10 "-" "M" 1500',
     Request(T, "GET", "/b", 404, 10, 0.0015, None)),
]  # fmt: skip

JSON = [
    ('{"time": "2026-12-04T10:00:01Z", "method": "GET", "path": "/x", "status": 200, '
     '"bytes": 3, "request_time": 0.25}',
     Request(T, "GET", "/x", 200, 3, 0.25, None)),
    ('{"time": 1796378401, "request": "PUT /y HTTP/1.1", "status": "503"}',
     Request(T, "PUT", "/y", 503, 0, None, None)),
    ('{"time": 1796378401, "method": "GET", "path": "/x"}', None),  # no status
    ("[1, 2]", None),
    ("{not json", None),
]  # fmt: skip

ALB = [
    ('https 2026-12-04T10:00:01.000000Z app/lb/1 10.0.0.1:5000 10.0.1.2:80 0.001 0.050 0.002 '
     '200 200 100 512 "GET https://shop.example:443/cart?id=3 HTTP/1.1" "curl" ECDHE TLSv1.2 arn',
     Request(T, "GET", "/cart", 200, 512, 0.053, 0.05)),
    ('http 2026-12-04T10:00:01.000000Z app/lb/1 10.0.0.1:5000 - -1 -1 -1 503 - 100 0 '
     '"GET http://shop.example:80/ HTTP/1.1" "curl" - - arn',
     Request(T, "GET", "/", 503, 0, None, None)),
]  # fmt: skip

CLOUDFRONT = [
    ("2026-12-04\t10:00:01\tFRA2\t1024\t1.2.3.4\tGET\td1.cloudfront.net\t/img/a.png\t200\t-\tUA"
     "\t-\t-\tHit\tid\thost\thttps\t100\t0.002",
     Request(T, "GET", "/img/a.png", 200, 1024, 0.002, None)),
    ("2026-12-04\t10:00:01\tshort", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("fmt", "line", "expected"),
    [("nginx", line, req) for line, req in NGINX]
    + [("apache", line, req) for line, req in APACHE]
    + [("json", line, req) for line, req in JSON]
    + [("alb", line, req) for line, req in ALB]
    + [("cloudfront", line, req) for line, req in CLOUDFRONT],
)
def test_parse(fmt: str, line: str, expected: Request | None) -> None:
    got = log_format(fmt).parse(line)
    if expected is None:
        assert got is None
        return
    assert got is not None
    assert got._replace(duration=None, upstream=None) == expected._replace(
        duration=None, upstream=None
    )
    assert got.duration == pytest.approx(expected.duration)
    assert got.upstream == pytest.approx(expected.upstream)


def test_json_field_mapping_and_units() -> None:
    fmt = log_format("json", fields={"duration": "timing.total", "path": "uri"}, duration_unit="ms")
    got = fmt.parse('{"time": 1796378401, "method": "GET", "uri": "/z", "status": 200, '
                    '"timing": {"total": 250}}')  # fmt: skip
    assert got is not None
    assert got.path == "/z"
    assert got.duration == pytest.approx(0.25)


def test_cloudfront_follows_its_fields_header() -> None:
    fmt = log_format("cloudfront")
    assert fmt.header("#Version: 1.0")
    assert fmt.header("#Fields: date time cs-method cs-uri-stem sc-status sc-bytes time-taken")
    got = fmt.parse("2026-12-04\t10:00:01\tGET\t/a\t404\t7\t0.5")
    assert got == Request(T, "GET", "/a", 404, 7, 0.5, None)


def test_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="nginx, apache, json, alb, cloudfront"):
        log_format("iis")
