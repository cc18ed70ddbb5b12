"""Conditions over a results table (``--where``, ``--satisficing``), parsed without evaluating code.

A condition is a Python-like boolean expression over column names and literals::

    option == 'party_led' and resolution_rate - baseline_resolution_rate < 0.02
    resolution_rate >= 0.8 or not (cost > 0.3)

It is parsed with `ast` and only these nodes are accepted: column names, numbers, strings,
true/false, ``+ - * /``, comparisons (chained too), ``and``/``or``/``not`` (and ``& | ~``) and
parentheses. Anything else (calls, attributes, subscripts, lambdas) is refused, and so is a name
that is not a column: the message is one line naming it. The expression is then computed column by
column with pandas; nothing is passed to `eval`.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..hints import did_you_mean


class ConditionError(ValueError):
    """A condition cannot be used; the message is one line."""


_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}
_LITERALS = {"true": True, "false": False, "True": True, "False": False}


def parse_condition(text: str, columns: Iterable[str], *, what: str = "--where") -> ast.Expression:
    """The checked syntax tree of `text`; ConditionError names the first unknown column or construct."""
    known = list(columns)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ConditionError(f"{what}: not a condition: {text!r} ({e.msg})") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in known and node.id not in _LITERALS:
                hint = did_you_mean(node.id, known, otherwise=f"; known: {', '.join(known)}")
                raise ConditionError(f"{what}: unknown column '{node.id}'{hint}")
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, (int, float, str, bool)):
                raise ConditionError(f"{what}: {node.value!r} is not a number or text")
        elif not isinstance(node, (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
                                   ast.UAdd, ast.Invert, ast.BinOp, ast.BitAnd, ast.BitOr, ast.Compare, ast.Load,
                                   *_ARITHMETIC, *_COMPARE)):
            raise ConditionError(f"{what}: '{ast.unparse(node)}' is not allowed: use column names, numbers, 'text', "
                                 "+ - * /, comparisons, and/or/not and parentheses")
    return tree


def evaluate(text: str, table: pd.DataFrame, *, what: str = "--where") -> pd.Series:
    """Rows of `table` where the condition holds (a boolean Series; undefined values count as not)."""
    tree = parse_condition(text, table.columns, what=what)
    try:
        value = _value(tree.body, table)
    except ConditionError as e:
        raise ConditionError(f"{what}: {e}") from None
    except TypeError as e:  # e.g. a text column compared with a number
        raise ConditionError(f"{what}: {text!r} compares values of different kinds ({e})") from None
    if not isinstance(value, pd.Series) or not pd.api.types.is_bool_dtype(value):
        raise ConditionError(f"{what}: {text!r} is a value, not a condition: compare it (e.g. '>= 0.8')")
    return value.fillna(False).astype(bool)


def _value(node: ast.AST, t: pd.DataFrame):
    if isinstance(node, ast.Name):
        return _LITERALS[node.id] if node.id in _LITERALS and node.id not in t.columns else t[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.BoolOp):
        parts = [_truth(_value(v, t), t) for v in node.values]
        out = parts[0]
        for p in parts[1:]:
            out = (out & p) if isinstance(node.op, ast.And) else (out | p)
        return out
    if isinstance(node, ast.UnaryOp):
        v = _value(node.operand, t)
        if isinstance(node.op, (ast.Not, ast.Invert)):
            return ~_truth(v, t)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp):
        left, right = _value(node.left, t), _value(node.right, t)
        if isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            left, right = _truth(left, t), _truth(right, t)
            return (left & right) if isinstance(node.op, ast.BitAnd) else (left | right)
        if isinstance(node.op, ast.Div):
            with np.errstate(divide="ignore", invalid="ignore"):
                return _numeric(left) / _numeric(right)
        return _ARITHMETIC[type(node.op)](_numeric(left), _numeric(right))
    if isinstance(node, ast.Compare):
        out = None
        left = _value(node.left, t)
        for op, comparator in zip(node.ops, node.comparators):
            right = _value(comparator, t)
            part = _truth(_COMPARE[type(op)](left, right), t)
            out = part if out is None else (out & part)
            left = right
        return out
    raise ConditionError(f"'{ast.unparse(node)}' is not allowed")  # parse_condition refused it already


def _numeric(v):
    if isinstance(v, pd.Series) and not pd.api.types.is_numeric_dtype(v):
        raise ConditionError(f"column '{v.name}' is text: compare it (== 'name'), do not compute with it")
    if isinstance(v, str):
        raise ConditionError(f"'{v}' is text: compare it, do not compute with it")
    return v.astype(float) if isinstance(v, pd.Series) and pd.api.types.is_bool_dtype(v) else v


def _truth(v, t: pd.DataFrame) -> pd.Series:
    """A boolean column (a comparison's result, a true/false column or literal)."""
    if isinstance(v, bool):
        return pd.Series(v, index=t.index)
    if isinstance(v, pd.Series) and pd.api.types.is_bool_dtype(v):
        return v.fillna(False).astype(bool)
    if isinstance(v, pd.Series) and v.dtype == object and v.dropna().map(lambda x: isinstance(x, bool)).all():
        return v.fillna(False).astype(bool)
    raise ConditionError("and/or/not join conditions: compare a value first (e.g. 'resolution_rate >= 0.8')")
