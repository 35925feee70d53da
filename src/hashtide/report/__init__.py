"""Tables, charts and reports built from hashtide's results (PNG charts need ``hashtide[plot]``)."""
