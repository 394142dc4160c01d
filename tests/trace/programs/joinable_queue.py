"""Two workers take tasks from a JoinableQueue and mark each done; main joins the queue."""

import multiprocessing


def work(tasks, results):
    while True:
        n = tasks.get()
        if n is None:
            tasks.task_done()
            return
        results.put((n, n * 10))
        tasks.task_done()


if __name__ == "__main__":
    tasks = multiprocessing.JoinableQueue()
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=work, args=(tasks, results)) for _ in range(2)]
    for w in workers:
        w.start()
    for n in range(6):
        tasks.put(n)
    tasks.join()
    print("all tasks done")
    got = sorted(results.get() for _ in range(6))
    print("results", got)
    for _ in workers:
        tasks.put(None)
    tasks.join()
    for w in workers:
        w.join()
    print("workers", [w.exitcode for w in workers])
