"""The MCP server: Warden's capabilities as tools for AI agents, over stdio and HTTP."""
