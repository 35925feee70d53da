"""Tables, charts and reports built from hashtide's results (plotting needs ``hashtide[plot]``)."""
