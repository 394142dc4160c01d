import multiprocessing
import time


def shout(count):
    # Every line printed is one event: the cheapest way to make many of them.
    for n in range(count):
        print(n)


if __name__ == "__main__":
    count = 100000
    workers = 2

    # Several processes at once, so the run makes events faster than one process could.
    procs = [multiprocessing.Process(target=shout, args=(count,)) for _ in range(workers)]
    print("t0", time.monotonic())
    for p in procs:
        p.start()
    for p in procs:
        p.join()
