"""The stateful layer: training sessions (``session``) and the store that holds them
(``store``), with the errors they raise (``errors``). Knows nothing of HTTP."""
