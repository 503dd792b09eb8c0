"""One Great Expectations suite per published table, built in code.

Each module defines `KEY` (columns that identify a failing row in reports) and
`expectations(ref)` -> list of GX expectations. `ref` carries what a suite needs from outside
its own table: `run_id`, `today` (for "not in the future"), `article_ids` (referential
integrity against this run's articles) and `languages`, `countries`, `currencies` value sets.
Import this package only inside the validation step: importing GX costs seconds.
"""

from expectations import (amounts, articles, date_mentions, duplicates, entities, files, quarantine,
                          quotes, runs, stories)

SUITES = {module.__name__.rsplit(".", 1)[1]: module for module in
          (runs, files, articles, duplicates, stories, entities, quotes, amounts, date_mentions, quarantine)}
