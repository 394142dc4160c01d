"""Uses get_context("forkserver") for its objects; the default start method stays the default."""

import multiprocessing


def where(q):
    q.put((__name__, multiprocessing.get_start_method()))


if __name__ == "__main__":
    ctx = multiprocessing.get_context("forkserver")
    q = ctx.Queue()
    p = ctx.Process(target=where, args=(q,))
    p.start()
    print("child module and method", q.get())
    p.join()
    print("context method", ctx.get_start_method())
    print("default method", multiprocessing.get_start_method())
