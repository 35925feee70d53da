"""``hashtide dashboard``: the three questions in the browser (Dash; ``pip install
'hashtide[dashboard]'``).

Four pages sharing one layout — State program, Bans and replays, Hidden mining, Chain — and a
comparison of two runs. The dashboard is a shell: every figure, table and check comes from the
same public functions as the command line and its HTML reports; uploads are read by the same
loaders, so they pass or fail with the same messages. Nothing is imported here: ``import
hashtide.dashboard.app`` needs Dash.
"""
