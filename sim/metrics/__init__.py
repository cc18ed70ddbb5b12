"""Output metrics, each defined once (`definitions`), and tables of them by community, street and
district (`tables`)."""
