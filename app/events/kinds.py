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
RUN_FILE = "run.file"

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
QUEUE_TASK_DONE = "queue.task_done"
QUEUE_JOIN = "queue.join"

# pipes
PIPE_NEW = "pipe.new"
PIPE_SEND = "pipe.send"
PIPE_RECV = "pipe.recv"
PIPE_WAIT = "pipe.wait"
PIPE_CLOSE = "pipe.close"
PIPE_POLL = "pipe.poll"

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
MANAGER_WAIT = "manager.wait"
MANAGER_LISTEN = "manager.listen"
MANAGER_CONNECT = "manager.connect"
MANAGER_REFUSE = "manager.refuse"

# locks, semaphores, events, conditions, barriers (app/events/schema/sync.py)
LOCK_NEW = "lock.new"
LOCK_ACQUIRE = "lock.acquire"
LOCK_WAIT = "lock.wait"
LOCK_RELEASE = "lock.release"
SEMAPHORE_NEW = "semaphore.new"
SEMAPHORE_ACQUIRE = "semaphore.acquire"
SEMAPHORE_WAIT = "semaphore.wait"
SEMAPHORE_RELEASE = "semaphore.release"
EVENT_NEW = "event.new"
EVENT_SET = "event.set"
EVENT_CLEAR = "event.clear"
EVENT_WAIT = "event.wait"
EVENT_WAKE = "event.wake"
CONDITION_NEW = "condition.new"
CONDITION_WAIT = "condition.wait"
CONDITION_WAKE = "condition.wake"
CONDITION_NOTIFY = "condition.notify"
BARRIER_NEW = "barrier.new"
BARRIER_WAIT = "barrier.wait"
BARRIER_PASS = "barrier.pass"  # noqa: S105 (a barrier is passed, no password)
BARRIER_ABORT = "barrier.abort"
BARRIER_BROKEN = "barrier.broken"

# shared_memory blocks and lists (app/events/schema/blocks.py)
SHM_NEW = "shm.new"
SHM_ATTACH = "shm.attach"
SHM_READ = "shm.read"
SHM_WRITE = "shm.write"
SHM_GET = "shm.get"
SHM_SET = "shm.set"
SHM_CLOSE = "shm.close"
SHM_UNLINK = "shm.unlink"

# pools (app/events/schema/pools.py)
POOL_NEW = "pool.new"
POOL_SUBMIT = "pool.submit"
POOL_TASK = "pool.task"
POOL_TAKE = "pool.take"
POOL_DONE = "pool.done"
POOL_RESULT = "pool.result"
POOL_CALLBACK = "pool.callback"
POOL_WAIT = "pool.wait"
POOL_GET = "pool.get"
POOL_CLOSE = "pool.close"
POOL_TERMINATE = "pool.terminate"
POOL_JOIN = "pool.join"

# listeners and clients: multiprocessing.connection (app/events/schema/listeners.py)
LISTENER_NEW = "listener.new"
LISTENER_WAIT = "listener.wait"
LISTENER_CONNECT = "listener.connect"
LISTENER_ACCEPT = "listener.accept"
LISTENER_REFUSE = "listener.refuse"
LISTENER_CLOSE = "listener.close"
