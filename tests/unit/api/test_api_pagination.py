"""Auto-pagination: page, offset, cursor and Mattermost styles, the hard caps, and paging faults."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from api_test_support import HarnessFactory, envelope, reply

from infomaniak_mcp.api._envelope import Paged, parse_retry_after
from infomaniak_mcp.api._models import ApiModel
from infomaniak_mcp.api.errors import BadResponseError

pytestmark = pytest.mark.anyio


def _items(start: int, count: int) -> list[dict[str, Any]]:
    return [{"id": i, "name": f"n{i}"} for i in range(start, start + count)]


class Server:
    """A list of `n` items served in the three paging styles, like the API does."""

    def __init__(self, n: int, *, max_page: int | None = None, ignore_paging: bool = False) -> None:
        self.items = _items(1, n)
        self.max_page = max_page
        self.ignore_paging = ignore_paging
        self.calls: list[dict[str, str]] = []

    async def __call__(self, request: httpx2.Request) -> httpx2.Response:
        q = dict(request.url.params)
        self.calls.append(q)
        if "cursor" in q or ("limit" in q and "skip" not in q):
            size = int(q["limit"])
            start = int(q.get("cursor", "c0")[1:])
            chunk = self.items[start : start + size]
            more = start + size < len(self.items)
            return reply(200, envelope(chunk, cursor=f"c{start + size}" if more else None, has_more=more))
        if "skip" in q:
            size, skip = int(q["limit"]), int(q["skip"])
            return reply(200, envelope(self.items[skip : skip + size], total=len(self.items)))
        size = int(q["per_page"])
        if self.max_page:
            size = min(size, self.max_page)
        page = 1 if self.ignore_paging else int(q["page"])
        chunk = self.items[(page - 1) * size : page * size]
        pages = max(1, -(-len(self.items) // size))
        return reply(200, envelope(chunk, total=len(self.items), page=page, pages=pages, items_per_page=size))


async def test_page_style_reads_every_page(make_http: HarnessFactory) -> None:
    server = Server(250)
    harness = make_http(server)
    paged = await harness.http.paginate("/1/products", {"account_id": 7}, page_size=100)
    assert [item["id"] for item in paged] == list(range(1, 251))
    assert (paged.total, paged.truncated, paged.requests) == (250, False, 3)
    assert [c["page"] for c in server.calls] == ["1", "2", "3"]
    assert all(c["per_page"] == "100" and c["account_id"] == "7" for c in server.calls)


async def test_page_style_hard_cap_truncates(make_http: HarnessFactory) -> None:
    harness = make_http(Server(250))
    paged = await harness.http.paginate("/1/products", page_size=100, max_items=150)
    assert len(paged) == 150
    assert paged.truncated is True
    assert paged.total == 250


async def test_cap_exactly_at_the_end_is_not_truncated(make_http: HarnessFactory) -> None:
    harness = make_http(Server(200))
    paged = await harness.http.paginate("/1/products", page_size=100, max_items=200)
    assert len(paged) == 200
    assert paged.truncated is False


async def test_request_cap_truncates(make_http: HarnessFactory) -> None:
    harness = make_http(Server(1000, max_page=10))  # the server serves 10 per page whatever we ask
    paged = await harness.http.paginate("/1/products", page_size=100, max_requests=5)
    assert len(paged) == 50
    assert paged.truncated is True
    assert paged.requests == 5


async def test_route_ignoring_page_stops_on_the_repeated_page(make_http: HarnessFactory) -> None:
    server = Server(300, ignore_paging=True)
    harness = make_http(server)
    paged = await harness.http.paginate("/x", page_size=100)
    assert len(paged) == 100
    assert paged.truncated is True
    assert len(server.calls) == 2


async def test_page_style_without_metadata_stops_on_a_short_page(make_http: HarnessFactory) -> None:
    harness = make_http(reply(200, envelope(_items(1, 100))), reply(200, envelope(_items(101, 3))))
    paged = await harness.http.paginate("/1/accounts", page_size=100)
    assert len(paged) == 103
    assert paged.total == 103
    assert paged.truncated is False
    assert paged.requests == 2


async def test_empty_page_stops(make_http: HarnessFactory) -> None:
    harness = make_http(reply(200, envelope([], total=0, page=1, pages=0)))
    paged = await harness.http.paginate("/x")
    assert paged.items == []
    assert paged.total == 0
    assert paged.truncated is False
    assert paged.requests == 1
    harness = make_http(reply(200, envelope(_items(1, 100))), reply(200, envelope([])))
    paged = await harness.http.paginate("/x", page_size=100)
    assert len(paged) == 100
    assert paged.requests == 2
    assert paged.truncated is False


async def test_offset_style_uses_limit_and_skip(make_http: HarnessFactory) -> None:
    server = Server(230)
    harness = make_http(server)
    paged = await harness.http.paginate("/1/mail_hostings/1/mailboxes", style="offset", page_size=100)
    assert len(paged) == 230
    assert paged.total == 230
    assert paged.truncated is False
    assert [(c["limit"], c["skip"]) for c in server.calls] == [("100", "0"), ("100", "100"), ("100", "200")]


async def test_offset_style_hard_cap(make_http: HarnessFactory) -> None:
    harness = make_http(Server(230))
    paged = await harness.http.paginate("/x", style="offset", page_size=100, max_items=100)
    assert len(paged) == 100
    assert paged.truncated is True


async def test_cursor_style_resends_the_cursor_while_has_more(make_http: HarnessFactory) -> None:
    server = Server(120)
    harness = make_http(server)
    paged = await harness.http.paginate("/3/drive/1/files/1/files", style="cursor", page_size=50)
    assert [item["id"] for item in paged] == list(range(1, 121))
    assert paged.truncated is False
    assert paged.total == 120
    assert [c.get("cursor") for c in server.calls] == [None, "c50", "c100"]
    assert all(c["limit"] == "50" for c in server.calls)


async def test_cursor_style_hard_cap(make_http: HarnessFactory) -> None:
    harness = make_http(Server(120))
    paged = await harness.http.paginate("/x", style="cursor", page_size=50, max_items=60)
    assert len(paged) == 60
    assert paged.truncated is True


async def test_cursor_that_does_not_move_stops(make_http: HarnessFactory) -> None:
    stuck = reply(200, envelope(_items(1, 5), cursor="same", has_more=True))
    harness = make_http(stuck)
    paged = await harness.http.paginate("/x", style="cursor", page_size=5)
    assert paged.truncated is True
    assert paged.requests == 2


async def test_has_more_without_cursor_stops(make_http: HarnessFactory) -> None:
    harness = make_http(reply(200, envelope(_items(1, 5), has_more=True)))
    paged = await harness.http.paginate("/x", style="cursor", page_size=5)
    assert len(paged) == 5
    assert paged.truncated is True
    assert paged.requests == 1


class Mattermost:
    """A kChat list: `page` from 0 and a page-size parameter, no total and no page count."""

    def __init__(self, n: int, *, size_param: str = "per_page", ignore_paging: bool = False) -> None:
        self.items = _items(1, n)
        self.size_param = size_param
        self.ignore_paging = ignore_paging
        self.calls: list[dict[str, str]] = []

    async def __call__(self, request: httpx2.Request) -> httpx2.Response:
        q = dict(request.url.params)
        self.calls.append(q)
        size = int(q.get(self.size_param, "60"))
        page = 0 if self.ignore_paging else int(q["page"])
        return reply(200, envelope(self.items[page * size : (page + 1) * size]))


async def test_mattermost_style_counts_pages_from_zero_and_stops_on_a_short_page(make_http: HarnessFactory) -> None:
    server = Mattermost(130, size_param="pageSize")
    harness = make_http(server)
    paged = await harness.http.paginate(
        "/api/v4/users", {"in_team": "t1"}, style="mattermost", page_size=50, size_param="pageSize"
    )
    assert [item["id"] for item in paged] == list(range(1, 131))
    assert (paged.total, paged.truncated, paged.requests) == (130, False, 3)
    assert [(c["page"], c["pageSize"], c["in_team"]) for c in server.calls] == [
        ("0", "50", "t1"), ("1", "50", "t1"), ("2", "50", "t1"),
    ]
    assert all("per_page" not in c for c in server.calls)


async def test_mattermost_style_full_last_page_costs_one_empty_page(make_http: HarnessFactory) -> None:
    server = Mattermost(100)
    paged = await make_http(server).http.paginate("/api/v4/channels", style="mattermost", page_size=50)
    assert (len(paged), paged.truncated, paged.requests) == (100, False, 3)
    assert [c["per_page"] for c in server.calls] == ["50", "50", "50"]


async def test_mattermost_route_ignoring_paging_stops_on_the_repeated_page(make_http: HarnessFactory) -> None:
    server = Mattermost(300, ignore_paging=True)
    paged = await make_http(server).http.paginate("/api/v4/channels", style="mattermost", page_size=50)
    assert [item["id"] for item in paged] == list(range(1, 51))  # no page twice
    assert paged.truncated is True
    assert len(server.calls) == 2


async def test_mattermost_style_caps(make_http: HarnessFactory) -> None:
    paged = await make_http(Mattermost(300)).http.paginate("/x", style="mattermost", page_size=50, max_items=70)
    assert (len(paged), paged.truncated, paged.requests) == (70, True, 2)
    server = Mattermost(300)
    paged = await make_http(server).http.paginate("/x", style="mattermost", page_size=50, max_requests=3)
    assert (len(paged), paged.truncated, paged.requests) == (150, True, 3)
    assert [c["page"] for c in server.calls] == ["0", "1", "2"]


async def test_non_list_data_is_a_bad_response(make_http: HarnessFactory) -> None:
    harness = make_http(reply(200, envelope({"id": 1})))
    with pytest.raises(BadResponseError, match="expected a list"):
        await harness.http.paginate("/x")


class Item(ApiModel):
    id: int
    name: str


async def test_model_validation_of_items(make_http: HarnessFactory) -> None:
    harness = make_http(reply(200, envelope([{"id": 1, "name": "a", "extra": True}])))
    paged = await harness.http.paginate("/x", model=Item)
    assert paged.items == [Item(id=1, name="a")]
    harness = make_http(reply(200, envelope([{"id": "not-a-number", "name": "a"}])))
    with pytest.raises(BadResponseError) as info:
        await harness.http.paginate("/x", model=Item)
    assert info.value.code == "unexpected_shape"
    assert "id" in info.value.description
    assert "not-a-number" not in info.value.description


async def test_bad_arguments(make_http: HarnessFactory) -> None:
    harness = make_http()
    with pytest.raises(ValueError, match="positive"):
        await harness.http.paginate("/x", page_size=0)


def test_paged_map_keeps_metadata() -> None:
    paged = Paged([1, 2], total=9, truncated=True, requests=3).map(str)
    assert (paged.items, paged.total, paged.truncated, paged.requests) == (["1", "2"], 9, True, 3)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", 30.0),
        ("1.5", 1.5),
        ("Thu, 01 Jan 2026 00:01:00 GMT", 60.0),
        ("Wed, 31 Dec 2025 23:00:00 GMT", 0.0),
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=1_767_225_600.0) == expected
