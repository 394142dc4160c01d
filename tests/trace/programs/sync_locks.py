"""A Lock taken in turn by two children, and an RLock taken twice by the same process."""

import multiprocessing


def log_under(lock, rlock, q, name):
    with lock:
        q.put(f"{name} holds the lock")
    with rlock, rlock:  # an RLock may be taken again by its holder
        q.put(f"{name} holds the rlock twice")


if __name__ == "__main__":
    lock = multiprocessing.Lock()
    rlock = multiprocessing.RLock()
    q = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=log_under, args=(lock, rlock, q, n)) for n in ("a", "b")]
    for p in ps:
        p.start()
    lines = sorted(q.get() for _ in range(4))
    for p in ps:
        p.join()
    print("\n".join(lines))
    print("non-blocking acquire of a free lock:", lock.acquire(False))
    print("again while held:", lock.acquire(False))
    lock.release()
