"""The terminal commands: ``run`` (a scenario, printed), ``trace`` (a person's own program,
seen live in the dashboard), ``view`` (a saved run, replayed); ``serve`` is app/server.py."""
