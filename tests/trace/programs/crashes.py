"""Aborts (SIGABRT, as a crash in C code would) while it has a child blocked forever, a
daemon child, a Manager's server process, a SharedMemory block and a Queue.

Run untraced, its children would be left running forever: nothing is there to stop them.
"""

import multiprocessing
import os
from multiprocessing import shared_memory


def block_forever(running, never):
    running.release()
    never.wait()


if __name__ == "__main__":
    never = multiprocessing.Event()
    running = multiprocessing.Semaphore(0)
    stuck = multiprocessing.Process(target=block_forever, args=(running, never))
    daemon = multiprocessing.Process(target=block_forever, args=(running, never), daemon=True)
    stuck.start()
    daemon.start()
    running.acquire()  # both children are running (a spawned one takes a while to start)
    running.acquire()
    manager = multiprocessing.Manager()
    shared = manager.dict(state="held by the manager")
    block = shared_memory.SharedMemory(create=True, size=64)
    q = multiprocessing.Queue()
    q.put("never read")
    print("ready", flush=True)
    os.abort()
