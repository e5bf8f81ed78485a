"""Stage 4, the output: number formats, console tables, JSON and CSV, report writers and charts.
Writers never solve: they render what the analysis stage computed.
"""
