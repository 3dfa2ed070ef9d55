"""Configuration: YAML files in a config directory, validated on load.

`load_config(DIR)` returns a `Config` or raises `ConfigError` listing every problem with
file, path and reason (what `yuqing check-config` prints).
"""
from yuqing.config.errors import ConfigError, ConfigProblem
from yuqing.config.loader import Config, load_config, default_config_dir

__all__ = ["Config", "ConfigError", "ConfigProblem", "load_config", "default_config_dir"]
