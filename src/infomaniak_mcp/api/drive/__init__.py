"""kDrive."""

from infomaniak_mcp.api.drive.client import DriveClient
from infomaniak_mcp.api.drive.models import Drive

__all__ = ["Drive", "DriveClient"]
