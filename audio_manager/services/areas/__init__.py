"""The area tree: browsing and scoping it, its configured levels, and importing it from CSV.
May import: the services kernel, ``accounts``, models, ``languages``."""
