"""The explorer: searches the schedules of a scenario, over real step-mode runs, for one that
fails (``search`` chooses, ``explorer`` runs, ``service`` keeps the explorations)."""
