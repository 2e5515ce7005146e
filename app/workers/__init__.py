"""Engine workers: the processes that own the sessions and do all the training.

The front process (the ASGI app) speaks HTTP and WebSocket and trains nothing. It starts
``Settings.workers`` engine workers (``pool.WorkerPool``), each a process owning a share of
the sessions (chosen by the session id). Every operation on a session — a REST call, a
stream command, a frame — is a job its owner runs, one at a time, on its own event loop;
long work is cut into slices and the owner runs its sessions' slices in turn.
``docs/architecture.md`` says how a REST call and a frame travel.
"""
