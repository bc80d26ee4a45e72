"""The HTTP stack's loggers never log below INFO: their DEBUG lines dump raw headers (cookies, XSRF)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from infomaniak_mcp.server.logs import HTTP_LOGGERS, configure_logging


@pytest.fixture
def restore_levels() -> Iterator[None]:
    names = ["", *HTTP_LOGGERS, "uvicorn.access"]
    saved = {name: logging.getLogger(name).level for name in names}
    handlers = list(logging.getLogger().handlers)
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)


@pytest.mark.usefixtures("restore_levels")
@pytest.mark.parametrize(("level", "http_level"), [("DEBUG", logging.INFO), ("INFO", logging.WARNING)])
def test_http_loggers_stay_at_info_or_above(level: str, http_level: int) -> None:
    configure_logging(level)
    for name in HTTP_LOGGERS:
        assert logging.getLogger(name).level == http_level
        assert not logging.getLogger(f"{name}.http11").isEnabledFor(logging.DEBUG)
    assert logging.getLogger("uvicorn.access").isEnabledFor(logging.DEBUG) is (level == "DEBUG")
