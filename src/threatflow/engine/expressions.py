"""The expression language of step parameters: sandboxed Jinja2 templates.

A parameter may hold templates such as ``{{ trigger.all_fields.data.srcip }}`` or
``{{ steps.create_alert.result.id }}``. The context of a render is a plain mapping::

    {"trigger": payload, "steps": {step_id: {"result", "status", "error"}},
     "vars": {...}, "execution": {"id": ...}, "item": ..., "index": ...}

Rules (user documentation: ``docs/expressions.md``):

* A value that is exactly one ``{{ ... }}`` (whitespace around allowed) keeps the type of its
  result: list, mapping, number, boolean or null. Any other template renders to text, where
  values other than text are written as JSON. Dates become ISO 8601 text.
* ``when:`` conditions are bare expressions without braces (:meth:`Expressions.evaluate`).
* ``a.b`` and ``a['b']`` both look up the key ``b``; a key wins over a method of the same name.
* A missing name or key is an error naming the path (``trigger.all_fields.data has no key
  'srcip'``). Missing values still work with ``default``, ``is defined`` and ``get``.
* Templates run in Jinja's immutable sandbox. Only ``if``, ``for``, ``set`` and ``with``
  statements are allowed; loops, sizes and text are bounded (see :mod:`.filters`).
* Compiled templates are cached in an LRU keyed by their source text, so the engine can
  render every step's parameters on the hot path.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from typing import Any

from jinja2 import ChainableUndefined, StrictUndefined, Template, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing
from jinja2.visitor import NodeTransformer

from threatflow.engine.filters import (
    FILTERS,
    GLOBALS,
    REMOVED_GLOBALS,
    FilterError,
    check_binop,
    check_format,
    check_method_call,
    check_size,
    check_weight,
    checked,
    current_budget,
    end_budget,
    kind,
    start_budget,
    to_data,
    to_text,
)
from threatflow.errors import ExpressionError

__all__ = ["CACHE_SIZE", "Expressions", "default_expressions"]

CACHE_SIZE = 2048
_PATH_SEARCH_LIMIT = 20_000
_MAX_REASON = 300
_ALLOWED_STATEMENTS = (nodes.Output, nodes.If, nodes.For, nodes.Assign, nodes.With)
_TEMPLATE_START = ("{{", "{%")
_ESCAPES = frozenset("\\'\"abfnrtv01234567xNuU\n")
_STATEMENT_NAMES = {
    "AssignBlock": "block set",
    "CallBlock": "call",
    "FilterBlock": "filter",
    "FromImport": "from-import",
    "Scope": "autoescape",
}

Path = tuple[str | int, ...]
# A template made of literal text and plain lookups, run without Jinja (see _plan).
_Lookup = tuple[str, Path]
_Plan = tuple[str | _Lookup, ...]
_SLOW = object()


# -- missing values -------------------------------------------------------------------------


class _MissingValue(UndefinedError):
    """A name or key was missing; keeps where the lookup failed so the message can say it."""

    def __init__(self, obj: Any, name: Any, message: str) -> None:
        super().__init__(message)
        self.obj = obj
        self.name = name


class _Missing(ChainableUndefined, StrictUndefined):
    """Strict about use, chainable for lookups: ``x.y | default('n/a')`` works."""

    __slots__ = ()

    def __init__(
        self,
        hint: str | None = None,
        obj: Any = missing,
        name: str | None = None,
        exc: type[TemplateError] = UndefinedError,
    ) -> None:
        if hint is None and exc is UndefinedError:
            # Undefined raises ``exc(message)``; the partial adds the failed lookup.
            exc = partial(_MissingValue, obj, name)  # type: ignore[assignment]
        super().__init__(hint, obj, name, exc)  # type: ignore[arg-type]  # jinja wants a type


# -- guards inserted into every template ----------------------------------------------------


class _Guards(Extension):
    """Runtime checks that :class:`_Rewriter` inserts around loops, ``~`` and literals."""

    def loop_items(self, iterable: Iterable[Any]) -> Iterator[Any]:
        budget = current_budget()
        for item in iterable:
            budget.spend_iteration()
            yield item

    def concat(self, *parts: Any) -> str:
        texts = [to_text(part) for part in parts]
        check_size(sum(map(len, texts)), "joined text")
        return "".join(texts)

    def literal(self, value: Any) -> Any:
        return check_weight(value)


class _Rewriter(NodeTransformer):
    """Route loops, ``~`` and non-constant list/mapping literals through :class:`_Guards`."""

    def __init__(self, environment: _Sandbox) -> None:
        self._eval_ctx = nodes.EvalContext(environment)

    def _guard(self, name: str, *args: nodes.Node, lineno: int) -> nodes.Call:
        attr = nodes.ExtensionAttribute(_Guards.identifier, name, lineno=lineno)
        return nodes.Call(attr, list(args), [], None, None, lineno=lineno)

    def _literal(self, node: nodes.Expr) -> nodes.Expr:
        try:
            node.as_const(self._eval_ctx)
        except Exception:  # Impossible, or a constant that fails: check it at run time
            return self._guard("literal", node, lineno=node.lineno)
        return node

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = self._guard("loop_items", node.iter, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return self._guard("concat", *node.nodes, lineno=node.lineno)

    def visit_List(self, node: nodes.List) -> nodes.Node:
        self.generic_visit(node)
        return self._literal(node)

    def visit_Dict(self, node: nodes.Dict) -> nodes.Node:
        self.generic_visit(node)
        return self._literal(node)

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        self.generic_visit(node)
        return self._literal(node) if node.ctx == "load" else node


# -- the environment ------------------------------------------------------------------------


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with our filters, key-first lookups and size guards."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self) -> None:
        super().__init__(
            undefined=_Missing,
            finalize=to_text,
            autoescape=False,
            keep_trailing_newline=True,
            extensions=[_Guards],
        )
        for name in REMOVED_GLOBALS:
            self.globals.pop(name, None)
        self.globals.update(GLOBALS)
        self.filters.update(FILTERS)
        self.filters = {name: checked(func) for name, func in self.filters.items()}

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, dict):
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        check_binop(operator, left, right)
        return check_weight(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        args = check_method_call(__obj, args, kwargs)
        return check_weight(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Any:
        formatter = super().wrap_str_format(value)
        if formatter is None:
            return None
        fmt, by_mapping = str(value.__self__), value.__name__ == "format_map"

        def guarded(*args: Any, **kwargs: Any) -> str:
            if by_mapping and args and isinstance(args[0], Mapping):
                check_format(fmt, (), args[0])
            else:
                check_format(fmt, args, kwargs)
            return str(formatter(*args, **kwargs))

        return guarded


class _RenderContext(Context):
    """A render context built cheaply: Jinja's own constructor is the hot spot of a render.

    The evaluation context is shared because only ``{% autoescape %}`` changes it, and that
    statement is refused.
    """

    def __init__(self, environment: _Sandbox, parent: dict[str, Any], eval_ctx: Any) -> None:
        self.parent = parent
        self.vars = {}
        self.environment = environment
        self.eval_ctx = eval_ctx
        self.exported_vars = set()
        self.name = None
        self.globals_keys = set()
        self.blocks = {}


# -- compiled templates ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Compiled:
    source: str
    template: Template
    native: bool
    loops: bool
    plan: _Plan | None
    references: frozenset[tuple[str, ...]]
    chains: tuple[Path, ...]

    def path_to(self, name: Any) -> str | None:
        """The path written before ``name`` in the source, when it is unambiguous."""
        found = {
            chain[:i] for chain in self.chains for i in range(1, len(chain)) if chain[i] == name
        }
        return _format_path(found.pop()) if len(found) == 1 else None


def _check_nodes(tree: nodes.Template, environment: _Sandbox) -> None:
    for node in tree.find_all(nodes.Node):
        problem = _node_problem(node, environment)
        if problem:
            raise TemplateSyntaxError(problem, node.lineno or 1)


def _node_problem(node: nodes.Node, environment: _Sandbox) -> str | None:
    if isinstance(node, nodes.Stmt) and not isinstance(node, _ALLOWED_STATEMENTS):
        name = _STATEMENT_NAMES.get(type(node).__name__, type(node).__name__.lower())
        return f"{name} statements are not allowed in expressions"
    if isinstance(node, nodes.For) and node.recursive:
        return "recursive loops are not allowed in expressions"
    if isinstance(node, nodes.Filter) and node.name not in environment.filters:
        return f"no filter named {node.name!r}"
    if isinstance(node, nodes.Test) and node.name not in environment.tests:
        return f"no test named {node.name!r}"
    return None


def _check_escapes(environment: _Sandbox, source: str, bare: bool) -> None:
    """Refuse unknown escapes such as ``'\\d'`` in string literals.

    Jinja decodes them with a DeprecationWarning, so the same template would pass or fail
    depending on the warning filters; a regular expression needs ``'\\\\d'`` instead.
    """
    state = "variable" if bare else None
    for lineno, token, value in environment.lexer.tokeniter(source, None, state=state):
        if token != "string":
            continue
        for match in re.finditer(r"\\(.)", value[1:-1], re.DOTALL):
            if match[1] not in _ESCAPES:
                hint = f"invalid escape '\\{match[1]}' in a string; write '\\\\{match[1]}'"
                raise TemplateSyntaxError(f"{hint} for a backslash", lineno)


def _single_expression(tree: nodes.Template) -> nodes.Expr | None:
    """The expression of a template that is exactly one ``{{ ... }}``, else ``None``."""
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output):
        return None
    parts = [
        part
        for part in tree.body[0].nodes
        if not (isinstance(part, nodes.TemplateData) and not part.data.strip())
    ]
    if len(parts) == 1 and not isinstance(parts[0], nodes.TemplateData):
        return parts[0]
    return None


def _unchain(node: nodes.Expr) -> tuple[nodes.Node, list[str | int | None], list[nodes.Node]]:
    """Split ``a.b[0][x]`` into its base, its parts (``None`` when dynamic) and dynamic nodes."""
    parts: list[str | int | None] = []
    dynamic: list[nodes.Node] = []
    while isinstance(node, nodes.Getattr | nodes.Getitem):
        if isinstance(node, nodes.Getattr):
            parts.insert(0, node.attr)
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str | int):
            parts.insert(0, node.arg.value)
        else:
            parts.insert(0, None)
            dynamic.append(node.arg)
        node = node.node
    return node, parts, dynamic


def _known_prefix(parts: list[str | int | None]) -> list[str | int]:
    prefix: list[str | int] = []
    for part in parts:
        if part is None:
            break
        prefix.append(part)
    return prefix


class _ReferenceFinder:
    """Collects top-level references and static lookup chains of one template."""

    def __init__(self, roots: set[str]) -> None:
        self.roots = roots
        self.references: set[tuple[str, ...]] = set()
        self.chains: list[Path] = []

    def visit(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            self._visit_chain(node)
        elif isinstance(node, nodes.Name):
            if node.ctx == "load" and node.name in self.roots:
                self.references.add((node.name,))
        else:
            for child in node.iter_child_nodes():
                self.visit(child)

    def _visit_chain(self, node: nodes.Getattr | nodes.Getitem) -> None:
        base, parts, dynamic = _unchain(node)
        for child in dynamic:
            self.visit(child)
        if not isinstance(base, nodes.Name):
            self.visit(base)
            return
        prefix = _known_prefix(parts)
        self.chains.append((base.name, *prefix))
        if base.name in self.roots:
            wide = base.name in ("steps", "vars") and prefix and isinstance(prefix[0], str)
            self.references.add((base.name, str(prefix[0])) if wide else (base.name,))


def _static_lookup(node: nodes.Node) -> _Lookup | None:
    """``("trigger", ("data", "srcip"))`` for ``trigger.data.srcip``; ``None`` otherwise."""
    if isinstance(node, nodes.Name):
        return (node.name, ()) if node.ctx == "load" and node.name != "self" else None
    if not isinstance(node, nodes.Getattr | nodes.Getitem):
        return None
    base, parts, _dynamic = _unchain(node)
    if not isinstance(base, nodes.Name) or base.name == "self" or None in parts:
        return None
    return (base.name, tuple(part for part in parts if part is not None))


def _plan(tree: nodes.Template) -> _Plan | None:
    """The fast form of a template that only writes text and plain lookups."""
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output):
        return None
    plan: list[str | _Lookup] = []
    for node in tree.body[0].nodes:
        item = node.data if isinstance(node, nodes.TemplateData) else _static_lookup(node)
        if item is None:
            return None
        plan.append(item)
    return tuple(plan)


def _lookup(context: Mapping[str, Any], lookup: _Lookup) -> Any:
    """Follow a plain lookup through dicts and lists, or ``_SLOW`` to let Jinja decide."""
    current = context.get(lookup[0], _SLOW)
    for part in lookup[1]:
        if current is _SLOW:
            return _SLOW
        if type(current) is dict:
            current = current.get(part, _SLOW)
        elif type(current) is list and type(part) is int and -len(current) <= part < len(current):
            current = current[part]
        else:
            return _SLOW
    return current


def _format_path(parts: Path) -> str:
    text = str(parts[0])
    for part in parts[1:]:
        text = _child_path(text, part)
    return text


def _child_path(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if isinstance(key, str) and key.isidentifier():
        return f"{path}.{key}" if path else key
    return f"{path}[{key!r}]"


def _find_path(context: Mapping[str, Any], target: object) -> str | None:
    """Where ``target`` sits in the context (breadth first, bounded), by identity."""
    queue: deque[tuple[str, Any]] = deque([("", context)])
    for _ in range(_PATH_SEARCH_LIMIT):
        if not queue:
            return None
        path, node = queue.popleft()
        if node is target:
            return path
        children = node.items() if isinstance(node, Mapping) else enumerate(node)
        queue.extend(
            (_child_path(path, key), child)
            for key, child in children
            if isinstance(child, dict | list | tuple)
        )
    return None


def _describe_missing(subject: str | None, obj: Any, name: Any) -> str:
    if obj is None:
        return f"{subject or 'the value'} is null, so it has no key {name!r}"
    if isinstance(obj, Mapping):
        return f"{subject or 'the mapping'} has no key {name!r}"
    if isinstance(obj, list | tuple | str) and isinstance(name, int):
        return f"{subject or 'the list'} has no index {name} (length {len(obj)})"
    noun = kind(obj)
    noun = noun if noun == "text" else f"a {noun}"
    if subject is None:
        return f"{noun} has no key {name!r}"
    return f"{subject} is {noun}, so it has no key {name!r}"


def _syntax_message(exc: TemplateSyntaxError, source: str) -> str:
    message = exc.message or "invalid syntax"
    return f"line {exc.lineno}: {message}" if "\n" in source.strip() else message


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside a nested value, with its relative path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, _child_path(path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


# -- public API -----------------------------------------------------------------------------


class Expressions:
    """Renders and checks expressions; one instance can be shared by every execution."""

    def __init__(self) -> None:
        self._env = _Sandbox()
        self._compiled = lru_cache(maxsize=CACHE_SIZE)(self._compile)
        # A flat copy: Jinja's own new_context merges a ChainMap on every call, which is slow.
        self._globals = dict(self._env.globals)
        self._eval_ctx = nodes.EvalContext(self._env)

    def render(self, value: Any, context: Mapping[str, Any], *, where: str = "") -> Any:
        """Render every template inside ``value`` (dicts and lists recursively).

        Strings without ``{{``/``{%`` and values that are not strings come back unchanged.
        ``where`` (like ``steps.create_alert.params``) is extended with keys and indexes.

        Raises:
            ExpressionError: a template does not parse or fails; ``where`` names the value.
        """
        if isinstance(value, str):
            if "{{" not in value and "{%" not in value:
                return value
            return self._run(self._get(value, False, where), context, where)
        if isinstance(value, dict):
            return {
                key: self.render(item, context, where=f"{where}.{key}" if where else str(key))
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [
                self.render(item, context, where=f"{where}[{index}]")
                for index, item in enumerate(value)
            ]
        return value

    def evaluate(self, source: str, context: Mapping[str, Any], *, where: str = "") -> Any:
        """Evaluate a bare expression (``trigger.severity >= 2``) to a native value.

        A source wrapped in ``{{ ... }}`` is accepted too and gives the same result.

        Raises:
            ExpressionError: the expression does not parse or fails.
        """
        bare = not source.lstrip().startswith(_TEMPLATE_START)
        return self._run(self._get(source, bare, where), context, where)

    def truthy(self, source: str, context: Mapping[str, Any], *, where: str = "") -> bool:
        """Evaluate a condition; the result's Python truth decides (empty list is false)."""
        return bool(self.evaluate(source, context, where=where))

    def check_syntax(self, value: Any, *, expression: bool = False) -> list[tuple[str, str]]:
        """Every syntax problem in a nested value as ``(relative_path, message)``.

        The path is ``"title"``, ``"tags[1]"``, or ``""`` for a scalar. With ``expression``,
        strings are bare expressions (like ``when:``) unless they start with ``{{``/``{%``.
        """
        problems = []
        for path, text in _strings(value):
            bare = self._is_bare(text, expression)
            if bare is None:
                continue
            try:
                self._compiled(text, bare)
            except TemplateSyntaxError as exc:
                problems.append((path, _syntax_message(exc, text)))
            except RecursionError:
                problems.append((path, "nested too deeply"))
        return problems

    def references(self, value: Any, *, expression: bool = False) -> set[tuple[str, ...]]:
        """Top-level references in the templates of a nested value.

        ``steps`` and ``vars`` come with their second part (``("steps", "create_alert")``,
        ``("vars", "x")``); other names alone (``("trigger",)``, ``("item",)``). Functions
        such as ``now`` are not references. Templates with syntax errors are skipped.
        """
        found: set[tuple[str, ...]] = set()
        for _path, text in _strings(value):
            bare = self._is_bare(text, expression)
            if bare is None:
                continue
            try:
                found |= self._compiled(text, bare).references
            except (TemplateSyntaxError, RecursionError):
                continue
        return found

    def cache_info(self) -> Any:
        """Hits and misses of the compiled-template cache (``functools`` ``CacheInfo``)."""
        return self._compiled.cache_info()

    # -- internals ---------------------------------------------------------------------------

    @staticmethod
    def _is_bare(text: str, expression: bool) -> bool | None:
        """``True`` for a bare expression, ``False`` for a template, ``None`` for plain text."""
        if expression and not text.lstrip().startswith(_TEMPLATE_START):
            return True
        return False if "{{" in text or "{%" in text else None

    def _get(self, source: str, bare: bool, where: str) -> _Compiled:
        try:
            return self._compiled(source, bare)
        except TemplateSyntaxError as exc:
            reason = f"syntax error: {_syntax_message(exc, source)}"
        except RecursionError:
            reason = "syntax error: nested too deeply"
        raise ExpressionError(source, reason, where=where or None)

    def _compile(self, source: str, bare: bool) -> _Compiled:
        tree = self._parse(source, bare)
        roots = meta.find_undeclared_variables(tree) - set(self._env.globals)
        finder = _ReferenceFinder(roots)
        finder.visit(tree)
        expr = _single_expression(tree)
        plan = self._plan(tree)
        if expr is not None:
            tree = nodes.Template([nodes.Assign(nodes.Name("result", "store"), expr)], lineno=1)
        tree.set_environment(self._env)
        _Rewriter(self._env).visit(tree)
        tree.set_environment(self._env)
        return _Compiled(
            source=source,
            template=self._env.from_string(tree),
            native=expr is not None,
            loops=next(tree.find_all(nodes.For), None) is not None,
            plan=plan,
            references=frozenset(finder.references),
            chains=tuple(finder.chains),
        )

    def _plan(self, tree: nodes.Template) -> _Plan | None:
        return _plan(tree)

    def _parse(self, source: str, bare: bool) -> nodes.Template:
        _check_escapes(self._env, source, bare)
        if bare:
            parser = Parser(self._env, source, state="variable")
            expr = parser.parse_expression()
            if not parser.stream.eos:
                lineno = parser.stream.current.lineno
                raise TemplateSyntaxError("unexpected text after the expression", lineno)
            tree = nodes.Template([nodes.Output([expr], lineno=1)], lineno=1)
            tree.set_environment(self._env)
        else:
            tree = self._env.parse(source)
        _check_nodes(tree, self._env)
        return tree

    def _run(self, compiled: _Compiled, context: Mapping[str, Any], where: str) -> Any:
        try:
            return self._execute(compiled, context)
        except Exception as exc:  # anything a template does wrong becomes an ExpressionError
            reason = _shorten(self._reason(exc, compiled, context))
            raise ExpressionError(compiled.source, reason, where=where or None) from exc

    def _execute(self, compiled: _Compiled, context: Mapping[str, Any]) -> Any:
        if compiled.plan is not None:
            result = _run_plan(compiled, context)
            if result is not _SLOW:
                return result
        token = start_budget()
        try:
            return self._execute_once(compiled, context)
        finally:
            end_budget(token)

    def _execute_once(self, compiled: _Compiled, context: Mapping[str, Any]) -> Any:
        ctx = _RenderContext(self._env, {**self._globals, **context}, self._eval_ctx)
        chunks = compiled.template.root_render_func(ctx)
        if compiled.native:
            for _ in chunks:
                pass
            return to_data(ctx.vars["result"])
        return _join_chunks(chunks) if compiled.loops else "".join(chunks)

    def _reason(self, exc: Exception, compiled: _Compiled, context: Mapping[str, Any]) -> str:
        if isinstance(exc, _MissingValue):
            return self._missing_reason(exc, compiled, context)
        if isinstance(exc, SecurityError):
            return f"not allowed: {exc}"
        if isinstance(exc, FilterError | TemplateError):
            return str(exc)
        if isinstance(exc, RecursionError):
            return "nested too deeply"
        return f"{type(exc).__name__}: {exc}"

    @staticmethod
    def _missing_reason(exc: _MissingValue, compiled: _Compiled, context: Mapping[str, Any]) -> str:
        if exc.obj is missing:
            return f"{exc.name!r} is undefined (known names: {', '.join(sorted(context))})"
        path = _find_path(context, exc.obj) if isinstance(exc.obj, dict | list | tuple) else None
        return _describe_missing(path or compiled.path_to(exc.name), exc.obj, exc.name)


def _run_plan(compiled: _Compiled, context: Mapping[str, Any]) -> Any:
    """Run a plan; ``_SLOW`` when a lookup needs Jinja (a missing key, a method...)."""
    pieces: list[Any] = []
    for item in compiled.plan or ():
        if isinstance(item, str):
            if not compiled.native:  # a native plan's text is only the whitespace around it
                pieces.append(item)
            continue
        value = _lookup(context, item)
        if value is _SLOW:
            return _SLOW
        pieces.append(value if compiled.native else to_text(value))
    return to_data(pieces[0]) if compiled.native else "".join(pieces)


def _join_chunks(chunks: Iterable[str]) -> str:
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        check_size(size, "rendered text")
        parts.append(chunk)
    return "".join(parts)


@cache
def default_expressions() -> Expressions:
    """The shared :class:`Expressions` of this process (its cache is shared too)."""
    return Expressions()
