"""What people see: the terminal client and the chat panel for JupyterLab.

Both are built on ``chatlesson.client`` and show only text that came through
``chatlesson.core.protocol``; neither decides anything about the chat.
"""
