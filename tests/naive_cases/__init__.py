"""Naive-datetime cases: one module per area, each defining ``CASES``.

``CASES: dict[str, Callable[[datetime.datetime], object]]`` maps the qualified name of a
public function or method that takes an instant (``"servicecore.clock.FixedClock.set"``;
a constructor is ``"servicecore.clock.FixedClock.__init__"``) to a callable invoking it
with the given naive datetime in that parameter and valid other arguments. The test in
``tests/properties/test_naive_datetimes.py`` finds every such entry point in
``servicecore`` and requires a case for it that raises ``ValidationError``.
"""
