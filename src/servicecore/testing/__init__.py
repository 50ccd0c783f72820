"""servicecore's testing kit for hosts (install ``servicecore[testing]``).

* :mod:`servicecore.testing.strategies`: Hypothesis strategies for every public type,
  also registered for ``st.from_type``;
* :mod:`servicecore.testing.contract`: pytest base classes a storage adapter must pass;
* :mod:`servicecore.testing.pytest_plugin`: opt-in fixtures
  (``pytest_plugins = ["servicecore.testing.pytest_plugin"]``).
"""
