"""One Great Expectations suite per published table, built in code.

The column rules (not null, accepted values, ranges, patterns) and the key come from the table's
spec (`tasks/spec.py`); each module here adds the checks that need derived columns, split by what
a failure means:
- `row_rules(ref)`: a failing row is refused (quarantined with the rows that depend on it), the
  rest of the run is published;
- `table_rules(ref)`: a table invariant (unique keys, reconciliation, referential integrity):
  a failure is our bug and stops the run.
`ref` carries what a suite needs from outside its table: `run_id`, `today` and the `languages`,
`countries`, `currencies` value sets. Derived columns are added by `tasks/validate.check_frame`.
Import this package only inside the validation step: importing GX costs seconds.
"""

from expectations import (amounts, articles, date_mentions, duplicates, entities, files, quarantine,
                          quotes, runs, stories)

SUITES = {module.__name__.rsplit(".", 1)[1]: module for module in
          (runs, files, articles, duplicates, stories, entities, quotes, amounts, date_mentions, quarantine)}
