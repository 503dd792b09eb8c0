"""One Great Expectations suite per published table, built in code.

Each module defines `KEY` (columns that identify a failing row in reports) and
`expectations(ref)` -> list of GX expectations. `ref` carries what a suite needs from outside
its own table: `run_id`, `today` (for "not in the future") and the `languages`, `countries`,
`currencies` value sets. Columns derived for checking (span text, body length, whether a row's
article is one of this run's) are added by `tasks/validate.check_frame`.
Import this package only inside the validation step: importing GX costs seconds.
"""

from expectations import (amounts, articles, date_mentions, duplicates, entities, files, quarantine,
                          quotes, runs, stories)

SUITES = {module.__name__.rsplit(".", 1)[1]: module for module in
          (runs, files, articles, duplicates, stories, entities, quotes, amounts, date_mentions, quarantine)}
