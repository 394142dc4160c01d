"""The names of the event kinds: the one spelling of each, used by every module that emits,
orders, stores or draws events.

What each kind carries, how it is narrated and which kind it answers is declared next to
its fields in ``app/events/schema.py``; a test checks that the two agree and that the tracer
emits only names from here.
"""

from __future__ import annotations

# the run
RUN_START = "run.start"
RUN_END = "run.end"

# processes
PROC_SPAWN = "proc.spawn"
PROC_START = "proc.start"
PROC_EXIT = "proc.exit"
PROC_WAIT = "proc.wait"
PROC_JOIN = "proc.join"

# what processes print, and the variables watched in their own memory
STDOUT = "stdout"
STDERR = "stderr"
VAR = "var"

# queues
QUEUE_NEW = "queue.new"
QUEUE_PUT = "queue.put"
QUEUE_GET = "queue.get"
QUEUE_WAIT = "queue.wait"
QUEUE_EMPTY = "queue.empty"

# pipes
PIPE_NEW = "pipe.new"
PIPE_SEND = "pipe.send"
PIPE_RECV = "pipe.recv"
PIPE_WAIT = "pipe.wait"
PIPE_CLOSE = "pipe.close"

# shared memory
VALUE_NEW = "value.new"
VALUE_GET = "value.get"
VALUE_SET = "value.set"
ARRAY_NEW = "array.new"
ARRAY_GET = "array.get"
ARRAY_SET = "array.set"

# managers
MANAGER_CALL = "manager.call"
MANAGER_SERVE = "manager.serve"
MANAGER_RESULT = "manager.result"

# locks, semaphores, events, conditions, barriers (app/events/schema/sync.py)

# pools (app/events/schema/pools.py)
