# An uncaught user exception raised from a nested call, with chaining.
class ConfigError(Exception):
    pass
def load(cfg):
    try:
        return cfg["port"]
    except KeyError as e:
        raise ConfigError("missing port") from e
print(load({"port": 80}))
load({})
