"""The two pipes of a traced Pool: tasks to the workers, results back to the owner.

A Pool moves work over two pipes of its own (SimpleQueues): the owner's task thread sends
tasks ``(job, i, func, args, kwds)`` — for a map, one per chunk — into the task pipe, a
free worker takes one, runs it and sends ``(job, i, (ok, value))`` into the result pipe,
and the owner's result thread hands it to the job's result object. Here a task goes as
``(msg, task)`` and a result as ``(msg, result)``, so each end reports which sending it
received (``pool.task`` → ``pool.take``, ``pool.done`` → ``pool.result``), as queue items
do. The pool (app/tracing/pools.py) puts these in place of its plain SimpleQueues.
"""

from __future__ import annotations

from collections.abc import Callable
from multiprocessing.reduction import ForkingPickler
from typing import Any

from app.events import kinds as K
from app.tracing import emitter
from app.tracing.polling import nothing_to_read
from app.tracing.pool_fields import outcome, program_line, task_fields
from app.tracing.queues import NamedSimpleQueue

# Subclassed with private parts the stubs do not describe.


class TaskQueue(NamedSimpleQueue):
    """The pool's task pipe; ``get`` runs in the workers."""

    def get(self) -> Any:
        em = emitter.EMITTER
        if em is None:  # tasks always travel wrapped, traced or not
            return super().get()[1]
        name = self._mps_name
        em.before(K.POOL_TAKE, name, None)
        if nothing_to_read(self, self._reader.fileno()):
            em.emit(K.POOL_WAIT, name, None, {"op": "task"})
            em.flush()
        msg, task = super().get()
        if task is None:  # the stop signal: the worker exits
            em.emit(K.POOL_TAKE, name, None, {"stop": True})
            em.after()
            return None
        fields, func = task_fields(task)
        fields["msg"] = msg
        em.emit(K.POOL_TAKE, name, program_line(func), fields, after=msg)
        em.after()
        return task


class ResultQueue(NamedSimpleQueue):
    """The pool's result pipe; ``put`` runs in the workers (and, with the stop signal for
    the result thread, in the owner)."""

    def put(self, obj: Any) -> None:
        em = emitter.EMITTER
        if em is None or obj is None:
            super().put((None, obj))
            return
        job, index, (ok, value) = obj
        name = self._mps_name
        em.before(K.POOL_DONE, name, None)
        msg = em.new_msg()
        # If the result cannot be pickled this raises, and the worker sends the error
        # instead: only what really went is reported.
        super().put((msg, obj))
        fields = outcome(ok, value)
        fields.update(job=job, index=index, msg=msg)
        em.emit(K.POOL_DONE, name, None, fields, key=msg)
        em.after()


def task_sender(writer: Any, name: str) -> Callable[[Any], None]:
    """The owner's task thread's put (Pool._quick_put). A closure over the pipe, not a
    method: the thread must not keep the Pool object alive."""

    def send(task: Any) -> None:
        em = emitter.EMITTER
        if em is None or task is None:
            writer.send((None, task))
            return
        msg = em.new_msg()
        data = ForkingPickler.dumps((msg, task))  # what cannot be pickled raises here, unsaid
        fields, _func = task_fields(task)
        fields["msg"] = msg
        # Said before the bytes go: once they have, the worker may take the task and the
        # owner's result thread receive its result before this thread runs again (the GIL
        # may not come back for a while), and the result would then come before the task in
        # the owner's own order, while the take waited for the task: neither could go.
        em.emit(K.POOL_TASK, name, None, fields, key=msg)
        writer.send_bytes(data)
        # A worker may be waiting for this task: its take is held until this is sent.
        em.flush()

    return send


def result_receiver(reader: Any, name: str) -> Callable[[], Any]:
    """The owner's result thread's get (Pool._quick_get)."""

    def receive() -> Any:
        msg, obj = reader.recv()
        em = emitter.EMITTER
        if em is not None and msg is not None and obj is not None:
            job, index, (ok, value) = obj
            fields = outcome(ok, value)
            fields.update(job=job, index=index, msg=msg)
            em.emit(K.POOL_RESULT, name, None, fields, after=msg)
        return obj

    return receive
