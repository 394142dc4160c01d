"""Waits for Ctrl-C with one child blocked on a Queue, another on an Event, a Manager and
a SharedMemory block; prints "ready" once every process is running.

(No Pool is alive at Ctrl-C: a worker interrupted while it holds the pool's task lock
leaves Pool.terminate() waiting for that lock forever, untraced as well.)
"""

import multiprocessing
from multiprocessing import shared_memory


def wait_for_item(running, q):
    running.release()
    q.get()


def wait_for_event(running, never):
    running.release()
    never.wait()


if __name__ == "__main__":
    q = multiprocessing.Queue()
    never = multiprocessing.Event()
    running = multiprocessing.Semaphore(0)
    a = multiprocessing.Process(target=wait_for_item, args=(running, q))
    b = multiprocessing.Process(target=wait_for_event, args=(running, never))
    a.start()
    b.start()
    manager = multiprocessing.Manager()
    shared = manager.list([1, 2, 3])
    block = shared_memory.SharedMemory(create=True, size=64)
    running.acquire()  # both children are running (a spawned one takes a while to start)
    running.acquire()
    print("manager holds", list(shared))
    print("ready", flush=True)
    never.wait()  # nothing ever sets it: only Ctrl-C ends this
