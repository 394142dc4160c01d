import multiprocessing


def busy(n):
    # Say so, then compute until killed: terminate() finds every worker in a task.
    print("working on", n)
    ready.put(n)
    while True:
        n = (n * 7 + 1) % 1000003


def init(queue):
    global ready
    ready = queue


if __name__ == "__main__":
    ready = multiprocessing.Queue()
    pool = multiprocessing.Pool(2, initializer=init, initargs=(ready,))
    pending = [pool.apply_async(busy, (n,)) for n in (1, 2)]
    print("busy:", sorted(ready.get() for _ in pending))
    pool.terminate()
    pool.join()
    print("terminated")
