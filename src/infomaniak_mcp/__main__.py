"""`python -m infomaniak_mcp` = the `infomaniak-mcp` command."""

import sys

from infomaniak_mcp.cli import main

sys.exit(main())
