"""Returns from main with a daemon process still blocked and a Manager never shut down.

multiprocessing's exit hook terminates the daemon and shuts the manager down; nothing of
the program should be left once it has exited.
"""

import multiprocessing


def block_forever(running, never):
    running.release()
    never.wait()


if __name__ == "__main__":
    never = multiprocessing.Event()
    running = multiprocessing.Semaphore(0)
    d = multiprocessing.Process(target=block_forever, args=(running, never), daemon=True)
    d.start()
    running.acquire()  # the daemon runs (a spawned one takes a while to start)
    m = multiprocessing.Manager()
    shared = m.list(["kept", "alive"])
    print("manager holds", list(shared))
    print("daemon alive", d.is_alive())
    print("ready", flush=True)
