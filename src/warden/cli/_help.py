"""Help text that reads like a manual: no ``<bool>`` after flags, no ``{name}`` in usage.

Typer renders every flag with its Python type (``--json <bool>``), other options as ``<str>``
and required arguments as ``{name}``. ``tidy(command)`` walks the click command tree once and
gives each parameter a subclass that renders the usual way instead: flags with no type,
values as ``TEXT``, ``INTEGER``, ``PATH``, ``a|b``, and arguments as ``NAME`` (required) or
``[NAME]`` (optional), ``...`` when repeated. Parsing is untouched.
"""

from __future__ import annotations

from typer import _click as click
from typer.core import TyperArgument, TyperOption

_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT", "path": "PATH", "bool": "BOOLEAN"}


def _label(typed: str) -> str:
    """``"<list[str]>"`` -> ``"TEXT"``; ``"<int>"`` -> ``"INTEGER"``; choices stay as written."""
    text = typed.strip("<>")
    if text.startswith("list[") and text.endswith("]"):
        text = text[5:-1]
    if "|" in text:
        return text
    return _NAMES.get(text, text.upper())


class _Option(TyperOption):
    def display_type_rich(self, ctx: click.Context) -> str | None:
        if self.is_flag or self.count:
            return None
        if self.metavar is not None:
            return self.metavar
        label = _label(self.display_type(ctx))
        return f"{label}..." if self.nargs != 1 else label


class _Argument(TyperArgument):
    @property
    def display_name_raw(self) -> str:
        return self.metavar if self.metavar is not None else (self.name or "").upper()

    def display_type_rich(self, ctx: click.Context) -> str | None:
        return None  # the name (NAME, TARGET...) says it; the help text says the rest

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return f"{name}..." if self.nargs != 1 else name


def tidy(command: click.Command) -> click.Command:
    """Give every parameter of ``command`` and its subcommands the plain help rendering."""
    help_option = command.get_help_option(click.Context(command))  # made once, then cached
    for param in [*command.params, *([help_option] if help_option is not None else [])]:
        if type(param) is TyperOption:
            param.__class__ = _Option
        elif type(param) is TyperArgument:
            param.__class__ = _Argument
    subcommands: dict[str, click.Command] = getattr(command, "commands", None) or {}
    for sub in subcommands.values():
        tidy(sub)
    return command
