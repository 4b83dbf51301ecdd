"""The objective of a study: a metric name, or a small arithmetic expression over metrics.

Both the sweeper (at a trial's end) and a running trial (its value so far, for pruning) read
an objective, so it lives here, apart from either.

>>> Objective("abs(memory_accuracy_mean - 50)")({"memory_accuracy_mean": 42.0})
8.0
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from typing import Any

from brainjar_sweep.sweep.errors import SearchSpaceError

_FUNCS: dict[str, Callable[..., float]] = {
    "abs": abs,
    "min": min,
    "max": max,
    "log": math.log,
    "sqrt": math.sqrt,
}
_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


class Objective:
    """An objective: a metric name or an arithmetic expression over the returned metrics.

    >>> Objective("abs(memory_accuracy_mean - 50)")({"memory_accuracy_mean": 42.0})
    8.0
    """

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            self.tree = ast.parse(text, mode="eval").body
        except SyntaxError as e:
            raise SearchSpaceError(f"hydra.sweeper.objective: {text!r} is not an expression") from e
        self._check(self.tree)

    def _check(self, node: ast.AST) -> None:
        ok = (
            isinstance(node, ast.Name)
            or (isinstance(node, ast.Constant) and isinstance(node.value, (int, float)))
            or (isinstance(node, ast.BinOp) and type(node.op) in _BINOPS)
            or (isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)))
            or (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in _FUNCS
                and not node.keywords
            )
        )
        if not ok:
            raise SearchSpaceError(
                f"hydra.sweeper.objective: {self.text!r}: only metric names, numbers, "
                f"+ - * / **, and {', '.join(_FUNCS)} are allowed"
            )
        children = node.args if isinstance(node, ast.Call) else list(ast.iter_child_nodes(node))
        for child in children:
            if not isinstance(child, (ast.operator, ast.unaryop, ast.expr_context)):
                self._check(child)

    def __call__(self, metrics: dict[str, Any]) -> float:
        """The objective's value; ``ValueError`` if a metric is missing or not a number."""
        return float(self._eval(self.tree, metrics))

    def _eval(self, node: ast.AST, metrics: dict[str, Any]) -> float:
        if isinstance(node, ast.Name):
            value = metrics.get(node.id)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                shown = "missing" if node.id not in metrics else f"{value!r}, not a number"
                raise ValueError(f"metric {node.id} is {shown} in the task's returned metrics")
            return float(value)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](
                self._eval(node.left, metrics), self._eval(node.right, metrics)
            )
        if isinstance(node, ast.UnaryOp):
            x = self._eval(node.operand, metrics)
            return -x if isinstance(node.op, ast.USub) else x
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        return float(_FUNCS[node.func.id](*(self._eval(a, metrics) for a in node.args)))


__all__ = ["Objective"]
