"""The expression language: native types, rendering, errors, sandbox, syntax and references."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from threatflow.engine import expressions as expressions_module
from threatflow.engine.expressions import Expressions, default_expressions
from threatflow.errors import ExpressionError, InvalidInput


def _context() -> dict[str, Any]:
    return {
        "trigger": {
            "severity": 2,
            "title": "sshd: brute force",
            "ips": ["10.0.0.1", "8.8.8.8"],
            "all_fields": {"data": {"srcip": "222.186.30.76", "dstuser": "root"}, "items": 3},
            "alerts": [{"id": "a1"}, {"id": "a2"}],
        },
        "steps": {
            "lookup": {"result": [1, 2, 3], "status": "succeeded", "error": None},
            "create_alert": {
                "result": {"id": 42, "ok": True},
                "status": "succeeded",
                "error": None,
            },
            "nothing": {"result": None, "status": "succeeded", "error": None},
        },
        "vars": {"hive_url": "https://hive.example", "threshold": 2.5},
        "execution": {"id": "ex-1"},
    }


CTX = _context()


@pytest.fixture
def expr() -> Expressions:
    return Expressions()


def _error(expr: Expressions, value: Any, **kwargs: Any) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        expr.render(value, CTX, **kwargs)
    return info.value


# -- native types and text ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ steps.lookup.result }}", [1, 2, 3]),
        ("{{ steps.create_alert.result }}", {"id": 42, "ok": True}),
        ("{{ steps.create_alert.result.id }}", 42),
        ("{{ steps.create_alert.result.ok }}", True),
        ("{{ steps.nothing.result }}", None),
        ("{{ vars.threshold }}", 2.5),
        ("  {{ trigger.severity }}\n", 2),
        ("{{trigger.severity+1}}", 3),
        ("{{ (1, 2) }}", [1, 2]),
        ("{{ trigger.ips | map('upper') }}", ["10.0.0.1", "8.8.8.8"]),
        ("{{ {'ip': trigger.all_fields.data.srcip} }}", {"ip": "222.186.30.76"}),
        ("{{ '2020-04-17T00:04:41Z' | to_datetime }}", "2020-04-17T00:04:41+00:00"),
    ],
)
def test_a_single_expression_keeps_its_native_type(
    expr: Expressions, template: str, expected: Any
) -> None:
    assert expr.render(template, CTX) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("IP {{ trigger.all_fields.data.srcip }}", "IP 222.186.30.76"),
        ("{{ trigger.severity }} of 3", "2 of 3"),
        ("{{ steps.lookup.result }}!", "[1, 2, 3]!"),
        ("r={{ steps.create_alert.result }}", 'r={"id": 42, "ok": true}'),
        ("{{ steps.nothing.result }} {{ true }}", "null true"),
        ("{{ 'a' ~ none ~ [1] }}", "anull[1]"),
        ("{{ 'x' }}{{ 'y' }}", "xy"),
        ("{% if trigger.severity > 1 %}high{% else %}low{% endif %}", "high"),
        ("{% for ip in trigger.ips %}{{ ip }};{% endfor %}", "10.0.0.1;8.8.8.8;"),
        ("line {{ 1 }}\n", "line 1\n"),
    ],
)
def test_mixed_text_renders_to_a_string(expr: Expressions, template: str, expected: str) -> None:
    assert expr.render(template, CTX) == expected


@pytest.mark.parametrize("value", [3, 2.5, True, None, b"{{ x }}", ("{{ x }}",)])
def test_values_that_are_not_strings_lists_or_dicts_pass_through(
    expr: Expressions, value: Any
) -> None:
    assert expr.render(value, CTX) is value


def test_strings_without_templates_come_back_as_is(expr: Expressions) -> None:
    text = "plain text with { braces } and %s"
    assert expr.render(text, CTX) is text
    assert expr.cache_info().currsize == 0


def test_nested_values_are_rendered_recursively(expr: Expressions) -> None:
    params = {
        "title": "{{ trigger.title }}",
        "tags": ["wazuh", "{{ trigger.severity }}"],
        "nested": {"ids": "{{ steps.lookup.result }}", "n": 1},
        "{{ key }}": "keys are not rendered",
    }
    original = copy.deepcopy(params)
    assert expr.render(params, CTX) == {
        "title": "sshd: brute force",
        "tags": ["wazuh", 2],
        "nested": {"ids": [1, 2, 3], "n": 1},
        "{{ key }}": "keys are not rendered",
    }
    assert params == original


def test_native_results_are_copies_of_the_context(expr: Expressions) -> None:
    result = expr.render("{{ steps.lookup.result }}", CTX)
    result.append(4)
    assert CTX["steps"]["lookup"]["result"] == [1, 2, 3]


def test_dot_and_brackets_look_up_the_same_key(expr: Expressions) -> None:
    assert expr.render("{{ trigger.all_fields['data'].srcip }}", CTX) == "222.186.30.76"
    assert expr.render("{{ trigger['ips'][-1] }}", CTX) == "8.8.8.8"
    # A key named like a dict method wins over the method.
    assert expr.render("{{ trigger.all_fields.items }}", CTX) == 3


def test_methods_of_data_can_still_be_called(expr: Expressions) -> None:
    assert expr.render("{{ trigger.title.upper() }}", CTX) == "SSHD: BRUTE FORCE"
    assert expr.render("{{ trigger.all_fields.data.keys() | list }}", CTX) == ["srcip", "dstuser"]


def test_foreach_item_and_index(expr: Expressions) -> None:
    scope = {**CTX, "item": {"ip": "1.2.3.4"}, "index": 0}
    assert expr.render({"ip": "{{ item.ip }}", "n": "{{ index + 1 }}"}, scope) == {
        "ip": "1.2.3.4",
        "n": 1,
    }


def test_the_fast_path_gives_what_jinja_gives() -> None:
    class JinjaOnly(Expressions):
        def _plan(self, tree: Any) -> None:
            return None

    fast, slow = Expressions(), JinjaOnly()
    templates = [
        "{{ trigger.title }}",
        " {{ trigger.ips }} ",
        "a {{ trigger.all_fields.data }} b {{ steps.nothing.result }}",
        "{{ trigger['ips'][1] }}",
        "{{ steps.create_alert.result.ok }} {{ vars.threshold }}",
        "{{ trigger.all_fields.items }}",
    ]
    for template in templates:
        assert fast.render(template, CTX) == slow.render(template, CTX), template
    assert slow.cache_info().currsize == len(templates)


# -- missing values -------------------------------------------------------------------------


def test_a_missing_nested_key_names_the_path(expr: Expressions) -> None:
    error = _error(expr, "{{ trigger.all_fields.data.srcport }}")
    assert error.reason == "trigger.all_fields.data has no key 'srcport'"
    assert error.expression == "{{ trigger.all_fields.data.srcport }}"
    assert isinstance(error, InvalidInput)


def test_the_first_missing_part_is_reported(expr: Expressions) -> None:
    error = _error(expr, "{{ trigger.all_fields.nope.srcip }}")
    assert error.reason == "trigger.all_fields has no key 'nope'"


def test_a_missing_top_level_name_is_an_error(expr: Expressions) -> None:
    error = _error(expr, "{{ trigerr.title }}")
    assert error.reason.startswith("'trigerr' is undefined")
    assert "trigger" in error.reason


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{{ steps.lookup.result[7] }}", "steps.lookup.result has no index 7 (length 3)"),
        ("{{ steps.nothing.result.id }}", "steps.nothing.result is null, so it has no key 'id'"),
        ("{{ trigger.title.first }}", "trigger.title is text, so it has no key 'first'"),
        ("x {{ trigger['all_fields'].nope }}", "trigger.all_fields has no key 'nope'"),
        (
            "{% for a in trigger.alerts %}{{ a.name }}{% endfor %}",
            "trigger.alerts[0] has no key 'name'",
        ),
        ("{{ trigger.nope + 1 }}", "trigger has no key 'nope'"),
        ("{% if trigger.nope %}x{% endif %}", "trigger has no key 'nope'"),
    ],
)
def test_missing_values_fail_with_a_clear_reason(
    expr: Expressions, template: str, reason: str
) -> None:
    assert _error(expr, template).reason == reason


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ trigger.all_fields.data.srcport | default('n/a') }}", "n/a"),
        ("{{ trigger.nope.deeper.still | default('n/a') }}", "n/a"),
        ("{{ nobody.knows | default(0) }}", 0),
        ("{{ trigger.nope is defined }}", False),
        ("{{ trigger.title is defined }}", True),
        ("{{ get(trigger, 'all_fields.data.nope', 'none') }}", "none"),
    ],
)
def test_default_and_defined_work_with_missing_values(
    expr: Expressions, template: str, expected: Any
) -> None:
    assert expr.render(template, CTX) == expected


def test_errors_carry_the_path_of_the_parameter(expr: Expressions) -> None:
    params = {"title": "{{ trigger.title }}", "tags": ["ok", "{{ trigger.nope }}"]}
    error = _error(expr, params, where="steps.create_alert.params")
    assert error.where == "steps.create_alert.params.tags[1]"
    assert str(error).startswith("steps.create_alert.params.tags[1]: expression ")
    nested = _error(expr, {"a": {"b": "{{ 1 / 0 }}"}}, where="steps.x.params")
    assert nested.where == "steps.x.params.a.b"
    assert nested.reason.startswith("ZeroDivisionError")
    assert _error(expr, "{{ nope }}").where is None


# -- evaluate and truthy --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("trigger.severity >= 2", True),
        ("{{ trigger.severity >= 2 }}", True),
        ("  trigger.severity * 10 ", 20),
        ("steps.lookup.result | length", 3),
        ("trigger.all_fields.data.srcip | is_private_ip", False),
        ("'8.8.8.8' in trigger.ips", True),
        ("steps.create_alert.status == 'succeeded' and not steps.create_alert.error", True),
        ("trigger.ips", ["10.0.0.1", "8.8.8.8"]),
    ],
)
def test_evaluate_bare_and_wrapped_expressions(
    expr: Expressions, source: str, expected: Any
) -> None:
    assert expr.evaluate(source, CTX) == expected


def test_truthy_uses_the_truth_of_the_native_value(expr: Expressions) -> None:
    assert expr.truthy("trigger.severity > 1", CTX) is True
    assert expr.truthy("steps.nothing.result", CTX) is False
    assert expr.truthy("[]", CTX) is False
    assert expr.truthy("{{ trigger.ips }}", CTX) is True


@pytest.mark.parametrize("source", ["trigger.severity >=", "trigger severity", "(1", ""])
def test_evaluate_reports_syntax_errors(expr: Expressions, source: str) -> None:
    with pytest.raises(ExpressionError) as info:
        expr.evaluate(source, CTX, where="steps.s.when")
    assert info.value.reason.startswith("syntax error")
    assert info.value.where == "steps.s.when"


def test_truthy_fails_on_missing_values(expr: Expressions) -> None:
    with pytest.raises(ExpressionError, match="trigger has no key 'rule_id'"):
        expr.truthy("trigger.rule_id == '5716'", CTX)


# -- sandbox --------------------------------------------------------------------------------

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ().__class__.__bases__[0].__subclasses__() }}",
    "{{ self.__init__.__globals__.__builtins__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ range.__globals__ }}",
    "{{ now.__globals__ }}",
    "{{ get.__code__ }}",
    "{{ config.items() }}",
    "{{ request.application.__globals__ }}",
    "{{ '{0.__class__.__base__}'.format('') }}",
    "{{ ''|attr('__class__') }}",
    "{{ ()|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "{{ ''.__getattribute__('__class__') }}",
    "{{ (trigger.ips|map('upper')).gi_frame.f_globals }}",
    "{{ now().__class__.__init__ }}",
    "{% set c = ''.__class__ %}{{ c }}",
    "{{ trigger.update({'severity': 0}) }}",
    "{{ trigger.ips.append('6.6.6.6') }}",
    "{{ trigger.pop('severity') }}",
    "{{ dict(a=1) }}",
    "{{ self }}",
    "{{ trigger.title.upper }}",
    "{% include 'etc/passwd' %}",
    "{% import 'os' as os %}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
]


@pytest.mark.parametrize("payload", ESCAPES)
def test_sandbox_escapes_fail_without_leaking_objects(expr: Expressions, payload: str) -> None:
    error = _error(expr, payload)
    assert "<" not in error.reason and " at 0x" not in error.reason
    assert _context() == CTX


BOMBS = [
    "{{ 'a' * 100000000 }}",
    "{{ [0] * 100000000 }}",
    "{{ 2 ** 10000000 }}",
    "{{ range(10 ** 9) | length }}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '%s' | format('x') | center(999999999) }}",
    "{{ 'x'.ljust(10 ** 9) }}",
    "{{ 'a\tb'.expandtabs(10 ** 8) }}",
    "{{ 'ab'.translate({97: 'x' * 1000}) }}",
    "{{ ('x' * 4000000).replace('x', 'xx') }}",
    "{% set s = 'x' * 4000000 %}{{ s ~ s }}",
    "{% set a = range(100000) | list %}{% set b = [a, a, a, a, a, a, a, a, a, a] %}"
    "{% set c = [b, b, b, b, b, b, b, b, b, b] %}{{ c | string | length }}",
    "{{ {}.fromkeys(range(100000), 'x' * 100000) | length }}",
    "{{ [1] | batch(10 ** 9, 'x') | list }}",
    "{% for i in range(5000) %}{{ 'x' * 1000 }}{% endfor %}",
    "{{ " + "(" * 2000 + "1" + ")" * 2000 + " }}",
]


@pytest.mark.parametrize("payload", BOMBS)
def test_resource_bombs_fail_fast(expr: Expressions, payload: str) -> None:
    error = _error(expr, payload)
    assert error.reason


def test_loop_iterations_are_counted_per_render(expr: Expressions) -> None:
    template = "{% for i in range(60000) %}{% endfor %}ok"
    assert expr.render(template, CTX) == "ok"
    assert expr.render(template, CTX) == "ok"
    with pytest.raises(ExpressionError, match="loops ran more than"):
        expr.render(template.replace("ok", "{% for i in range(60000) %}{% endfor %}"), CTX)


# -- syntax checking ------------------------------------------------------------------------


def test_check_syntax_reports_every_problem_with_its_path(expr: Expressions) -> None:
    params = {
        "title": "{{ trigger.title }",
        "ok": "{{ trigger.title }}",
        "tags": ["fine", "{% for %}"],
        "deep": {"list": [{"x": "{{ x | no_such_filter }}"}]},
        "plain": "no template",
        "number": 3,
    }
    problems = dict(expr.check_syntax(params))
    assert set(problems) == {"title", "tags[1]", "deep.list[0].x"}
    assert "no filter named 'no_such_filter'" in problems["deep.list[0].x"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{{ }}", "Expected an expression"),
        ("{% if x %}no end", "endif"),
        ("{% macro m() %}{% endmacro %}", "macro statements are not allowed"),
        ("{% set x %}y{% endset %}", "block set statements are not allowed"),
        ("{% filter upper %}y{% endfilter %}", "filter statements are not allowed"),
        ("{% extends 'base' %}", "extends statements are not allowed"),
        ("{% for x in y recursive %}{% endfor %}", "recursive loops are not allowed"),
        ("{% if x %}{{ x | nope }}{% endif %}", "no filter named 'nope'"),
        ("{{ x is nope }}", "no test named 'nope'"),
        ("first\n{{ x + }}", "line 2:"),
        (r"{{ x | regex_search('\d+') }}", r"invalid escape '\d' in a string; write '\\d'"),
    ],
)
def test_check_syntax_messages(expr: Expressions, value: str, message: str) -> None:
    [(path, found)] = expr.check_syntax(value)
    assert path == ""
    assert message in found


def test_check_syntax_accepts_valid_templates(expr: Expressions) -> None:
    valid = ["{{ a.b | default('x') }}", "{% for i in x %}{{ i }}{% endfor %}"]
    assert expr.check_syntax(valid) == []
    assert expr.check_syntax("trigger.severity >=", expression=True) == [
        ("", "unexpected 'end of template'")
    ]
    assert expr.check_syntax("trigger.severity >= 2", expression=True) == []


def test_syntax_errors_raise_on_render(expr: Expressions) -> None:
    error = _error(expr, {"t": "{{ trigger.title }"}, where="steps.a.params")
    assert error.reason == "syntax error: unexpected '}'"
    assert error.where == "steps.a.params.t"


# -- references -----------------------------------------------------------------------------


def test_references_found_in_templates(expr: Expressions) -> None:
    params = {
        "a": "{{ steps.create_alert.result.id }} {{ trigger.title }}",
        "b": ["{{ vars.hive_url }}/api", "{{ item }} {{ index }}"],
        "c": "{{ steps['lookup'].result | length }} {{ now() | isoformat }}",
        "d": "{% for x in steps.enrich.result %}{{ x.id }}{% endfor %}",
        "e": "{{ execution.id }}",
    }
    assert expr.references(params) == {
        ("steps", "create_alert"),
        ("trigger",),
        ("vars", "hive_url"),
        ("item",),
        ("index",),
        ("steps", "lookup"),
        ("steps", "enrich"),
        ("execution",),
    }


def test_references_with_dynamic_parts_and_bad_templates(expr: Expressions) -> None:
    assert expr.references("{{ steps[vars.which].result }}") == {("steps",), ("vars", "which")}
    assert expr.references("{{ (steps.a.result | first).id }}") == {("steps", "a")}
    assert expr.references("{% set s = steps.a %}{{ s.result }}") == {("steps", "a")}
    assert expr.references("{{ steps.a.result }") == set()
    assert expr.references("plain") == set()
    assert expr.references("steps.b.status == 'success'", expression=True) == {("steps", "b")}


# -- cache ----------------------------------------------------------------------------------


def test_repeated_renders_hit_the_cache(expr: Expressions) -> None:
    params = {"a": "{{ trigger.title }}", "b": "n={{ trigger.severity | default(0) }}"}
    expr.render(params, CTX)
    first = expr.cache_info()
    for _ in range(5):
        expr.render(params, CTX)
    after = expr.cache_info()
    assert after.misses == first.misses == 2
    assert after.hits == first.hits + 10
    assert after.currsize == 2


def test_evaluate_and_render_keep_separate_cache_entries(expr: Expressions) -> None:
    assert expr.render("{{ trigger.severity }}", CTX) == 2
    assert expr.evaluate("trigger.severity", CTX) == 2
    assert expr.cache_info().currsize == 2


def test_default_expressions_is_shared() -> None:
    assert default_expressions() is default_expressions()
    assert isinstance(default_expressions(), Expressions)


def test_public_names() -> None:
    assert set(expressions_module.__all__) == {"CACHE_SIZE", "Expressions", "default_expressions"}
