"""The IO edges: the only code that touches disk (input files, the lake, the catalog)."""
