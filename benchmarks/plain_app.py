"""A plain Hydra app with no config file, whose jobs do nothing: every key comes from an
append override (``python plain_app.py -m '+x=range(0,200)'``). The launcher benchmark's
second workload: a sweep whose jobs differ only in keys they add."""

import hydra


@hydra.main(version_base="1.3", config_path=None, config_name=None)
def main(cfg) -> object:
    return cfg.get("x")


if __name__ == "__main__":
    main()
