"""Rendering of results for people and programs: JSON, Markdown, terminal tables, HTML charts."""
