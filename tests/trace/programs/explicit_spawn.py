"""Chooses spawn itself: whatever the default, its children are spawned."""

import multiprocessing


def where(q):
    q.put((__name__, multiprocessing.get_start_method()))


if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=where, args=(q,))
    p.start()
    print("child module and method", q.get())
    p.join()
    print("method", multiprocessing.get_start_method())
