"""Built-in apps. Each module defines one ``app`` object; ``BUILTIN`` lists their modules."""

BUILTIN: tuple[str, ...] = ()
