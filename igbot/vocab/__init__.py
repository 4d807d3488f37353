"""The words every floor of igbot shares, defined once (the lowest floor, below :mod:`igbot.models`).

A placeholder so the import contracts (``.importlinter``) can name this floor; h14-dispatch's
branch fills it (event kinds, Inbox app ids, outcome names, the log schema).
"""
