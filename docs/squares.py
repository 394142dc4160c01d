"""Workers square numbers from a task queue and send them back."""

import multiprocessing as mp
import sys


def worker(tasks, results):
    for n in iter(tasks.get, None):
        results.put((n, n * n))


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    tasks, results = mp.Queue(), mp.Queue()
    workers = [mp.Process(target=worker, args=(tasks, results)) for _ in range(2)]
    for w in workers:
        w.start()
    for n in range(count):
        tasks.put(n)
    for _ in workers:
        tasks.put(None)
    print(sorted(results.get() for _ in range(count)))
    for w in workers:
        w.join()
