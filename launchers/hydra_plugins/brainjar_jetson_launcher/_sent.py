"""What a job's process and the sweep send each other: objects pickled for another process of
this machine (:func:`dumps`), and a job's ``JobReturn`` with its two configs pickled apart
(:class:`SentJobReturn`).

A ``JobReturn`` holds the job's config and its ``hydra`` node, most of what reading it back
costs (milliseconds a job, in the sweep's process, while the jobs run). The sweep reads a job's
status and return value; its configs only when someone asks for them (Hydra's caller, a Ray
driver). So they travel as bytes, unpickled on first use.
"""

from __future__ import annotations

import pickle
from typing import Any

import cloudpickle
from hydra.core.utils import JobReturn

__all__ = ["SentJobReturn", "dumps"]


def dumps(obj: Any) -> bytes:
    """``obj`` pickled for another process of this machine: with the C pickler when nothing
    in it is defined in ``__main__`` (a job's config and result: twice as fast to write and
    to read), else with cloudpickle, which carries what ``__main__`` defines by value.

    >>> pickle.loads(dumps({"x": [1, 2]}))
    {'x': [1, 2]}
    >>> pickle.loads(dumps(lambda: 3))()  # cloudpickle's, read back by pickle
    3
    """
    try:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001  a lambda, a local class...: cloudpickle's way
        return cloudpickle.dumps(obj)
    return cloudpickle.dumps(obj) if b"__main__" in data else data


class SentJobReturn(JobReturn):
    """A ``JobReturn`` whose ``cfg`` and ``hydra_cfg`` are unpickled when first read or set;
    in every other way Hydra's (its fields, ``return_value``, anything set on it).

    >>> from omegaconf import OmegaConf
    >>> ret = JobReturn(overrides=["x=1"], cfg=OmegaConf.create({"x": 1}), _return_value=2)
    >>> back = pickle.loads(dumps(SentJobReturn.of(ret)))
    >>> "_read_configs" in back.__dict__, back.overrides, back._return_value
    (False, ['x=1'], 2)
    >>> back.cfg.x, back.hydra_cfg, "_read_configs" in back.__dict__
    (1, None, True)
    """

    @classmethod
    def of(cls, ret: JobReturn) -> SentJobReturn:
        """``ret`` as a job sends it: its configs pickled apart."""
        sent = cls.__new__(cls)
        sent.__dict__.update(
            (k, v) for k, v in ret.__dict__.items() if k not in ("cfg", "hydra_cfg")
        )
        sent.__dict__["_configs_data"] = dumps((ret.cfg, ret.hydra_cfg))
        return sent

    def _configs(self) -> tuple[Any, Any]:
        state = self.__dict__
        if "_read_configs" not in state:
            data = state.get("_configs_data")
            state["_read_configs"] = (None, None) if data is None else pickle.loads(data)
            state.pop("_configs_data", None)  # once read (a failed read raises again next time)
        return state["_read_configs"]

    @property  # type: ignore[override]
    def cfg(self) -> Any:
        return self._configs()[0]

    @cfg.setter
    def cfg(self, value: Any) -> None:
        self.__dict__["_read_configs"] = (value, self._configs()[1])

    @property  # type: ignore[override]
    def hydra_cfg(self) -> Any:
        return self._configs()[1]

    @hydra_cfg.setter
    def hydra_cfg(self, value: Any) -> None:
        self.__dict__["_read_configs"] = (self._configs()[0], value)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if "_read_configs" in state:  # read here: pickled apart again
            state["_configs_data"] = dumps(state.pop("_read_configs"))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
