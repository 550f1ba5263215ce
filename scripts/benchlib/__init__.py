"""What the benches share, so that each ``scripts/bench_*.py`` reads as its scenario and targets.

common     paths, logging, percentiles, the cleanup stack, the command line and load average
pg         PostgreSQL databases with a unique name per run, dropped only by the run that made them
server     gunicorn on a free port, its CPU and memory, the CPU other work on the machine used
stations   the station bench: communes with device tokens, real agents on a simulated clock
load       load clients in spawned processes, bounded in time and count; rounds against baselines
report     the summary table (targets, verdicts) closed by the load average
national   the national dataset (provinces, communes, hamlets, messages, schedules, tokens)
audio      real MP3s for the dataset, stored through the app's storage
loading    the app's schema and the dataset loaded into SQLite or PostgreSQL
plays      play-event ingest: the API load client and the raw executemany / COPY baselines
diagnose   SQL statements per request, the slowest plans and cProfile, in process
province   a year of play events in one large province (the reports bench)

Standard library at import time; heavier modules (psycopg, numpy, the app) are imported where
used, so load clients spawned from here start fast.
"""
