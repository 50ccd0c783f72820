"""servicecore's testing kit for hosts (install ``servicecore[testing]``).

* :mod:`servicecore.testing.strategies`: Hypothesis strategies for every public type,
  also registered for ``st.from_type``;
* :mod:`servicecore.testing.contract`: pytest base classes a storage adapter must pass;
* :mod:`servicecore.testing.fakes`: test doubles such as :class:`RecordingPublisher`;
* :mod:`servicecore.testing.pytest_plugin`: opt-in fixtures
  (``pytest_plugins = ["servicecore.testing.pytest_plugin"]``).
"""

# Hypothesis first: importing it runs its entry points, and ours imports
# servicecore.testing.strategies. Were the strategies module the first thing imported,
# Hypothesis would find it half-initialized (it imports hypothesis at its top) and fail.
import contextlib

with contextlib.suppress(ImportError):  # without the testing extra, only fakes are usable
    import hypothesis  # noqa: F401
